// hive's side of the protocol with hive-monitor, the supervisor of a detached
// container: the status line it reports when the container started (or did
// not), the exit file it leaves, its command line. The format is defined once
// in C (CHiveLaunch/include/hive_monitor_proto.h), where the monitor writes
// it; these read and write it through the same functions.
import CHiveLaunch
import Glibc
import HivePlatform

public enum MonitorProtocol {
    /// What the monitor reports on its status pipe.
    public enum Status: Equatable, Sendable {
        /// The container runs as `pid`.
        case started(pid: pid_t)
        /// It did not start: the launch's exit status (125, 126, 127) and why.
        case failed(status: Int32, message: String)
    }

    /// What the monitor leaves in the container's directory once it exited.
    public struct Exit: Equatable, Sendable {
        /// The container's status as a shell reports it (128+N for signal N).
        public var status: Int32
        /// When it exited, Unix nanoseconds.
        public var at: Int64
        public init(status: Int32, at: Int64) {
            self.status = status
            self.at = at
        }
    }

    /// The exit file's name in the container's directory.
    public static let exitFile = HIVE_MONITOR_EXIT_FILE

    // MARK: - Status line

    /// The status line for `status`, "\n" included.
    public static func format(_ status: Status) -> String {
        var s = hive_monitor_status()
        var message = ""
        switch status {
        case .started(let pid):
            s.started = 1
            s.pid = pid
        case .failed(let code, let m):
            s.code = code
            message = m
        }
        var buf = [CChar](repeating: 0, count: Int(HIVE_MONITOR_LINE_MAX))
        let n = message.withCString { m in
            s.message = m
            s.message_len = strlen(m)
            return hive_monitor_format_status(&buf, buf.count, &s)
        }
        return n >= 0 ? String(cString: buf) : ""
    }

    /// Parses one status line ("\n" optional); nil if it is not one.
    public static func parseStatus(_ line: String) -> Status? {
        var s = hive_monitor_status()
        return line.withCString { p in hive_monitor_parse_status(p, strlen(p), &s) == 0 ? status(s) : nil }
    }

    /// Reads and parses the status line from `fd`; nil if the monitor wrote none or a malformed one.
    static func readStatus(_ fd: Int32) -> Status? {
        var s = hive_monitor_status()
        var line = [CChar](repeating: 0, count: Int(HIVE_MONITOR_LINE_MAX))
        return line.withUnsafeMutableBufferPointer { b in
            hive_monitor_read_status(fd, b.baseAddress!, b.count, &s) == 0 ? status(s) : nil
        }
    }

    /// While the line `s` was parsed from is alive.
    private static func status(_ s: hive_monitor_status) -> Status {
        if s.started != 0 { return .started(pid: s.pid) }
        let message = s.message.map { p in
            String(decoding: UnsafeRawBufferPointer(start: p, count: s.message_len), as: UTF8.self)
        } ?? ""
        return .failed(status: s.code, message: message)
    }

    // MARK: - Exit file

    /// The exit file's text.
    public static func format(_ exit: Exit) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        guard hive_monitor_format_exit(&buf, buf.count, exit.status, exit.at) >= 0 else { return "" }
        return String(cString: buf)
    }

    /// Parses an exit file's text; nil if it is not one.
    public static func parseExit(_ bytes: [UInt8]) -> Exit? {
        var status: Int32 = 0
        var at: Int64 = 0
        let rc = bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { hive_monitor_parse_exit($0, b.count, &status, &at) }
        }
        return rc == 0 ? Exit(status: status, at: at) : nil
    }

    /// The exit the monitor recorded in `containerDir`, if it did.
    public static func readExit(containerDir: String) -> Exit? {
        Files.read(containerDir + "/" + exitFile).flatMap(parseExit)
    }

    // MARK: - Command line

    /// How hive starts the monitor (argv[0] included): the container, the
    /// hive and the store it calls back into, the log's bounds, and what else
    /// it is asked (`flags`).
    public static func arguments(monitor: String, id: String, containerDir: String, hive: String, root: String, runroot: String,
                                 logMaxSize: Int64, logMaxFile: Int64, flags: Flags = []) -> [String] {
        [monitor, id, containerDir, hive, root, runroot, String(logMaxSize), String(logMaxFile), flags.argument]
    }

    /// The monitor's FLAGS argument (hive_monitor_proto.h).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `-i`: the container keeps stdin open (the monitor holds its write end for attach).
        public static let interactive = Flags(rawValue: 1)
        /// `--log-driver none`: no log.
        public static let logNone = Flags(rawValue: 2)
        /// `--log-opt compress=true`: rotated logs are gzip-compressed.
        public static let logCompress = Flags(rawValue: 4)
        /// The starting command attaches through fd 4 (`start(_:attach:)`).
        public static let attached = Flags(rawValue: 8)

        var argument: String {
            var s = ""
            if contains(.interactive) { s += "i" }
            if contains(.logNone) { s += "n" }
            if contains(.logCompress) { s += "z" }
            if contains(.attached) { s += "a" }
            return s.isEmpty ? "-" : s
        }
    }
}
