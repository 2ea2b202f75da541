// `hive stats`, `pause`: a container's cgroups as its launch recorded them
// (the `cgroups` file in its directory, one group directory per line), and
// what they and its processes count now.
import Glibc
import HivePlatform

/// One reading of a container's counters (nil: nothing reports it).
public struct ContainerUsage: Sendable, Equatable {
    /// CPU time used by its processes, ns (cpuacct.usage, cpu.stat usage_usec,
    /// or the sum of its processes' own and reaped children's times).
    public var cpuNanos: UInt64? = nil
    /// Memory in use without the inactive page cache (as Docker counts it).
    public var memory: Int64? = nil
    /// Its memory limit, or the host's memory when unlimited.
    public var memoryLimit: Int64? = nil
    public var netRx: Int64 = 0, netTx: Int64 = 0
    public var blockRead: Int64 = 0, blockWrite: Int64 = 0
    public var pids: Int64? = nil
    public init() {}
}

extension Cgroups {
    /// The group directories recorded in `containerDir`/cgroups (none if it has no file).
    public static func recorded(containerDir: String) -> [String] {
        (Files.readText(containerDir + "/cgroups") ?? "").split(separator: "\n").map(String.init)
    }

    /// Records the group directories `dirs` in `containerDir`/cgroups (what `recorded` reads).
    public static func record(_ dirs: [String], containerDir: String) throws {
        try Files.write(containerDir + "/cgroups", dirs.joined(separator: "\n") + "\n")
    }

    /// The counters of the container whose groups are `dirs` and whose init
    /// is `pid`; `hostMemory`: the host's (read here when needed if nil).
    public static func sample(dirs: [String], pid: pid_t?, hostMemory host: Int64? = nil) -> ContainerUsage {
        var u = ContainerUsage()
        var procs: [Substring] = []
        var haveIO = false
        for d in dirs {
            if let v = read(d + "/pids.current") { u.pids = Int64(v.trimmed) }
            if procs.isEmpty, let p = read(d + "/cgroup.procs") { procs = p.split(separator: "\n") }
            if let v = read(d + "/memory.usage_in_bytes") {
                u.memory = (Int64(v.trimmed) ?? 0) - statValue(d + "/memory.stat", "total_inactive_file")
                u.memoryLimit = read(d + "/memory.limit_in_bytes").flatMap { Int64($0.trimmed) }
            } else if let v = read(d + "/memory.current") {
                u.memory = (Int64(v.trimmed) ?? 0) - statValue(d + "/memory.stat", "inactive_file")
                u.memoryLimit = read(d + "/memory.max").flatMap { Int64($0.trimmed) }  // "max": none
            }
            if let v = read(d + "/cpuacct.usage") { u.cpuNanos = UInt64(v.trimmed) }
            if u.cpuNanos == nil, let st = read(d + "/cpu.stat"), let usec = statValue(in: st, "usage_usec") {
                u.cpuNanos = UInt64(max(0, usec)) * 1000
            }
            // cgroup2 only: a v1 container has no blkio group (its processes' own counts below)
            if let v = read(d + "/io.stat") {
                haveIO = true
                for field in v.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                    if field.hasPrefix("rbytes=") { u.blockRead += Int64(field.dropFirst(7)) ?? 0 }
                    if field.hasPrefix("wbytes=") { u.blockWrite += Int64(field.dropFirst(7)) ?? 0 }
                }
            }
        }
        if u.memory != nil {
            let host = host ?? hostMemory()
            if u.memoryLimit.map({ $0 <= 0 || $0 > host }) ?? true { u.memoryLimit = host }
        }
        if let m = u.memory, m < 0 { u.memory = 0 }
        // without a cpuacct or cgroup2 group (a v1 host makes no cpuacct
        // group): its live processes' times, which hold those they reaped
        if u.cpuNanos == nil || !haveIO {
            var ticks: UInt64 = 0
            for p in procs {
                if u.cpuNanos == nil, let pid = Int32(p), let f = ProcStat.fields(pid), f.count > 14 {
                    // fields after "(comm)": state is 3; utime, stime, cutime, cstime are 14-17
                    for i in 11...14 { ticks += UInt64(f[i]) ?? 0 }
                }
                if !haveIO {
                    u.blockRead += statValue("/proc/\(p)/io", "read_bytes:")
                    u.blockWrite += statValue("/proc/\(p)/io", "write_bytes:")
                }
            }
            if u.cpuNanos == nil && !procs.isEmpty { u.cpuNanos = ticks * nanosPerTick }
        }
        if let pid, let dev = read("/proc/\(pid)/net/dev") {
            for line in dev.split(separator: "\n").dropFirst(2) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].trimmed == "lo" { continue }
                let f = line[line.index(after: colon)...].split(separator: " ")
                guard f.count >= 9 else { continue }
                u.netRx += Int64(f[0]) ?? 0
                u.netTx += Int64(f[8]) ?? 0
            }
        }
        return u
    }

    /// The number after `key` (a "key value [unit]" line) in a stat-like file; 0 if absent.
    static func statValue(_ path: String, _ key: String) -> Int64 {
        statValue(in: read(path) ?? "", key) ?? 0
    }

    /// The number after `key` in the text of a stat-like file; nil if absent.
    static func statValue(in text: String, _ key: String) -> Int64? {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count >= 2 && f[0] == key { return Int64(f[1]) ?? 0 }
        }
        return nil
    }

    /// Nanoseconds per clock tick (/proc's unit of CPU time).
    static let nanosPerTick = UInt64(1_000_000_000 / max(1, sysconf(Int32(_SC_CLK_TCK))))

    /// The host's memory (MemTotal), bytes.
    public static func hostMemory() -> Int64 { statValue("/proc/meminfo", "MemTotal:") * 1024 }

    /// The host's CPU time so far over all CPUs (/proc/stat's cpu line), ns.
    public static func hostCPUNanos() -> UInt64 {
        guard let line = read("/proc/stat")?.split(separator: "\n").first, line.hasPrefix("cpu ") else { return 0 }
        // user nice system idle iowait irq softirq steal (guest time is inside user)
        let ticks = line.split(separator: " ").dropFirst().prefix(8).reduce(UInt64(0)) { $0 + (UInt64($1) ?? 0) }
        return ticks * nanosPerTick
    }

    /// Online CPUs (CPU % is of one CPU: up to 100 % times this).
    public static var onlineCPUs: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
