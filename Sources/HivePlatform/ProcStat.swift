// Another process as /proc shows it: when it started, which tells a live
// container's init from a reused pid.
import Glibc

public enum ProcStat {
    /// Field 22 of /proc/PID/stat (start time in clock ticks after boot);
    /// nil for a zombie: it has exited, whoever reaps it.
    public static func startTime(_ pid: Int32) -> Int64? {
        guard let bytes = Files.read("/proc/\(pid)/stat") else { return nil }
        return startTime(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// The start time in a /proc/PID/stat line (the command name, in
    /// parentheses, may hold spaces and parentheses itself).
    public static func startTime(parsing s: String) -> Int64? {
        guard let close = s.lastIndex(of: ")") else { return nil }
        let fields = s[s.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return Int64(fields[19])
    }
}

extension ProcStat {
    /// Whether process `pid` lives and is the one that started at `start`
    /// (a record's pid and start time: a reused pid is another process).
    public static func alive(_ pid: Int32, start: Int64?) -> Bool {
        pid > 0 && kill(pid, 0) == 0 && startTime(pid) == start
    }
}
