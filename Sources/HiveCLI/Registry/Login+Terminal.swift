// Asking on the terminal for login's username and password.
import Glibc
import HivePlatform

/// A line from the terminal on stdin, echoed or not (termios); the echo
/// comes back on return and on SIGINT/SIGTERM.
enum Terminal {
    nonisolated(unsafe) static var saved = termios()

    static func readLine(echo: Bool) throws(HiveError) -> String {
        var restore = false
        if !echo {
            var t = termios()
            guard tcgetattr(0, &t) == 0 else { throw HiveError.errno("cannot read the terminal's settings") }
            saved = t
            t.c_lflag &= ~tcflag_t(ECHO)
            for s in [SIGINT, SIGTERM, SIGHUP] {
                signal(s) { sig in
                    tcsetattr(0, TCSAFLUSH, &Terminal.saved)
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
            }
            guard tcsetattr(0, TCSAFLUSH, &t) == 0 else { throw HiveError.errno("cannot turn the terminal's echo off") }
            restore = true
        }
        defer {
            if restore {
                tcsetattr(0, TCSAFLUSH, &saved)
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
