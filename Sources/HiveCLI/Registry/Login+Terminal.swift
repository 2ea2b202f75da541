// Asking on the terminal for login's username and password.
import Glibc
import HivePlatform

/// A line from the terminal on stdin, echoed or not (termios); the echo
/// comes back on return and on SIGINT/SIGTERM.
enum Terminal {
    nonisolated(unsafe) static var saved = termios()

    /// Shows `prompt` (after the echo is off, so nothing typed early is shown
    /// or lost: TCSANOW keeps input already typed) and reads a line.
    static func readLine(echo: Bool, prompt: () -> Void) throws(HiveError) -> String {
        var restore = false
        if !echo {
            var t = termios()
            guard tcgetattr(0, &t) == 0 else { throw HiveError.errno("cannot read the terminal's settings") }
            saved = t
            t.c_lflag &= ~tcflag_t(ECHO)
            guard tcsetattr(0, TCSANOW, &t) == 0 else { throw HiveError.errno("cannot turn the terminal's echo off") }
            restore = true
            for s in [SIGINT, SIGTERM, SIGHUP] {
                signal(s) { sig in
                    tcsetattr(0, TCSANOW, &Terminal.saved)
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
            }
        }
        prompt()
        defer {
            if restore {
                tcsetattr(0, TCSANOW, &saved)
                for s in [SIGINT, SIGTERM, SIGHUP] { signal(s, SIG_DFL) }
            }
        }
        var line: [UInt8] = []
        var b: UInt8 = 0
        while true {
            let n = read(0, &b, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || b == UInt8(ascii: "\n") { break }
            line.append(b)
            guard line.count <= 65536 else { throw HiveError(.invalidArgument, "the line typed is too long") }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
