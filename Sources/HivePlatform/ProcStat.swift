// Another process as /proc shows it: when it started, which tells a live
// container's init from a reused pid.
import CHivePlatform
import Glibc

public enum ProcStat {
    /// Field 22 of /proc/PID/stat (start time in clock ticks after boot);
    /// nil for a zombie: it has exited, whoever reaps it.
    public static func startTime(_ pid: Int32) -> Int64? { fields(pid).flatMap(startTime(fields:)) }

    /// The start time in a /proc/PID/stat line (the command name, in
    /// parentheses, may hold spaces and parentheses itself).
    public static func startTime(parsing s: String) -> Int64? { fields(parsing: s).flatMap(startTime(fields:)) }

    static func startTime(fields: [Substring]) -> Int64? {
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return Int64(fields[19])
    }

    /// The fields of /proc/PID/stat after "(comm)": [0] is the state (field 3),
    /// [n] is field n + 3; nil if it cannot be read.
    public static func fields(_ pid: Int32) -> [Substring]? {
        Files.readText("/proc/\(pid)/stat").flatMap { fields(parsing: $0) }
    }

    /// The fields of a /proc/PID/stat line after the command name's last ")".
    public static func fields(parsing s: String) -> [Substring]? {
        guard let close = s.lastIndex(of: ")") else { return nil }
        return s[s.index(after: close)...].split(separator: " ")
    }
}

extension ProcStat {
    /// Whether process `pid` lives and is the one that started at `start`
    /// (a record's pid and start time: a reused pid is another process).
    public static func alive(_ pid: Int32, start: Int64?) -> Bool {
        pid > 0 && kill(pid, 0) == 0 && startTime(pid) == start
    }

    /// A pidfd on process `pid` if it is the one that started at `start`
    /// (checked after the pidfd pins it), else nil. The caller closes it.
    public static func pidfd(_ pid: Int32, start: Int64?) -> Int32? {
        guard pid > 0 else { return nil }
        let fd = hive_pidfd_open(pid)
        guard fd >= 0 else { return nil }
        if startTime(pid) != start { close(fd); return nil }
        return fd
    }
}
