// The restart half of the protocol with hive-monitor (hive_monitor_proto.h):
// the engine's answer to the monitor's cleanup ("R<delay_ms>": restart after
// that backoff) and the relaunch exchange of `container restart-run` ("L",
// then the monitor's status line), on the channel the monitor gives as fd 3.
import CHiveLaunch
import Glibc
import HivePlatform

extension MonitorProtocol {
    /// The restart line: restart the container after `delayMs` milliseconds ("\n" included).
    public static func formatRestart(delayMs: Int64) -> String {
        var buf = [CChar](repeating: 0, count: 32)
        guard hive_monitor_format_restart(&buf, buf.count, delayMs) >= 0 else { return "" }
        return String(cString: buf)
    }

    /// Parses a restart line ("\n" optional): its delay in milliseconds, or nil if it is not one.
    public static func parseRestart(_ line: String) -> Int64? {
        var ms: Int64 = 0
        return line.withCString { hive_monitor_parse_restart($0, strlen($0), &ms) } == 0 ? ms : nil
    }

    /// The monitor's channel to a callback verb: fd 3 if it is a pipe or a
    /// socket (the monitor's; a verb run by hand has none there, or a file the
    /// process opened), made close-on-exec so hooks and helpers do not hold it.
    /// Call it before anything else opens files.
    public static func replyChannel() -> Int32? {
        let fd = HIVE_MONITOR_REPLY_FD
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let type = st.st_mode & S_IFMT
        guard type == S_IFIFO || type == S_IFSOCK else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Answers the monitor's cleanup: restart after `delayMs`.
    public static func sendRestart(_ fd: Int32, delayMs: Int64) {
        writeLine(fd, formatRestart(delayMs: delayMs))
    }

    /// `restart-run`: has the monitor launch the container again; what it reports.
    public static func relaunch(_ fd: Int32) -> Status? {
        writeLine(fd, HIVE_MONITOR_LAUNCH_LINE)
        return readStatus(fd)
    }

    private static func writeLine(_ fd: Int32, _ line: String) {
        // a few bytes: one write (whole on a pipe or a socket)
        let bytes = Array(line.utf8)
        while write(fd, bytes, bytes.count) < 0 && errno == EINTR {}
    }
}
