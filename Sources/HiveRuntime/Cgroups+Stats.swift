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
    /// CPU time in user and kernel mode, ns (cpuacct.stat, cpu.stat user_usec/system_usec).
    public var cpuUser: UInt64? = nil, cpuSystem: UInt64? = nil
    /// CPU time per CPU, ns (cgroup v1's cpuacct.usage_percpu; cgroup2 has none).
    public var perCPU: [UInt64] = []
    /// CFS periods, the throttled ones, and the time throttled (ns), from cpu.stat.
    public var cpuPeriods: Int64 = 0, cpuThrottledPeriods: Int64 = 0, cpuThrottledNanos: Int64 = 0
    /// Memory in use with the page cache, as the cgroup counts it, and its
    /// high-water mark (v1 memory.max_usage_in_bytes, cgroup2 memory.peak).
    public var memoryRaw: Int64? = nil, memoryMax: Int64? = nil
    /// The cgroup's memory.stat as the kernel writes it.
    public var memoryStat: [String: Int64] = [:]
    /// Each interface but lo, from the container's /proc/PID/net/dev.
    public var networks: [InterfaceCounters] = []
    public init() {}
}

/// One interface's counters (/proc/net/dev).
public struct InterfaceCounters: Sendable, Equatable {
    public var name: String
    public var rxBytes: Int64 = 0, rxPackets: Int64 = 0, rxErrors: Int64 = 0, rxDropped: Int64 = 0
    public var txBytes: Int64 = 0, txPackets: Int64 = 0, txErrors: Int64 = 0, txDropped: Int64 = 0
    public init(name: String) { self.name = name }
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
                u.memoryStat = statTable(read(d + "/memory.stat") ?? "")
                u.memoryRaw = Int64(v.trimmed) ?? 0
                u.memory = u.memoryRaw! - (u.memoryStat["total_inactive_file"] ?? 0)
                u.memoryLimit = read(d + "/memory.limit_in_bytes").flatMap { Int64($0.trimmed) }
                u.memoryMax = read(d + "/memory.max_usage_in_bytes").flatMap { Int64($0.trimmed) }
            } else if let v = read(d + "/memory.current") {
                u.memoryStat = statTable(read(d + "/memory.stat") ?? "")
                u.memoryRaw = Int64(v.trimmed) ?? 0
                u.memory = u.memoryRaw! - (u.memoryStat["inactive_file"] ?? 0)
                u.memoryLimit = read(d + "/memory.max").flatMap { Int64($0.trimmed) }  // "max": none
                u.memoryMax = read(d + "/memory.peak").flatMap { Int64($0.trimmed) }
            }
            if let v = read(d + "/cpuacct.usage") { u.cpuNanos = UInt64(v.trimmed) }
            if let v = read(d + "/cpuacct.usage_percpu") { u.perCPU = v.split(separator: " ").compactMap { UInt64($0.trimmed) } }
            if let v = read(d + "/cpuacct.stat") {  // v1: USER_HZ ticks
                let t = statTable(v)
                if let user = t["user"], let system = t["system"] {
                    u.cpuUser = UInt64(max(0, user)) * nanosPerTick
                    u.cpuSystem = UInt64(max(0, system)) * nanosPerTick
                }
            }
            if let v = read(d + "/cpu.stat") {
                let t = statTable(v)
                if u.cpuNanos == nil, let usec = t["usage_usec"] { u.cpuNanos = UInt64(max(0, usec)) * 1000 }
                if u.cpuUser == nil, let user = t["user_usec"], let system = t["system_usec"] {
                    u.cpuUser = UInt64(max(0, user)) * 1000
                    u.cpuSystem = UInt64(max(0, system)) * 1000
                }
                if let n = t["nr_periods"], n > 0 {  // the group with the CFS quota (v1 cpu, or the cgroup2 group)
                    u.cpuPeriods = n
                    u.cpuThrottledPeriods = t["nr_throttled"] ?? 0
                    u.cpuThrottledNanos = t["throttled_time"] ?? (t["throttled_usec"] ?? 0) * 1000
                }
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
            var user: UInt64 = 0, system: UInt64 = 0
            for p in procs {
                if u.cpuNanos == nil, let pid = Int32(p), let f = ProcStat.fields(pid), f.count > 14 {
                    // fields after "(comm)": state is 3; utime, stime, cutime, cstime are 14-17
                    user += (UInt64(f[11]) ?? 0) + (UInt64(f[13]) ?? 0)
                    system += (UInt64(f[12]) ?? 0) + (UInt64(f[14]) ?? 0)
                }
                if !haveIO {
                    u.blockRead += statValue("/proc/\(p)/io", "read_bytes:")
                    u.blockWrite += statValue("/proc/\(p)/io", "write_bytes:")
                }
            }
            if u.cpuNanos == nil && !procs.isEmpty {
                u.cpuNanos = (user + system) * nanosPerTick
                (u.cpuUser, u.cpuSystem) = (user * nanosPerTick, system * nanosPerTick)
            }
        }
        // its own network namespace's interfaces: none with --network host (as Docker's)
        if let pid, nsLink("/proc/\(pid)/ns/net") != ownNetNS, let dev = read("/proc/\(pid)/net/dev") {
            for line in dev.split(separator: "\n").dropFirst(2) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = String(line[..<colon].trimmed)
                if name == "lo" { continue }
                // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop ...
                let f = line[line.index(after: colon)...].split(separator: " ").map { Int64($0) ?? 0 }
                guard f.count >= 12 else { continue }
                var c = InterfaceCounters(name: name)
                (c.rxBytes, c.rxPackets, c.rxErrors, c.rxDropped) = (f[0], f[1], f[2], f[3])
                (c.txBytes, c.txPackets, c.txErrors, c.txDropped) = (f[8], f[9], f[10], f[11])
                u.networks.append(c)
                u.netRx += c.rxBytes
                u.netTx += c.txBytes
            }
        }
        return u
    }

    /// hive's own network namespace (a process never changes its own here).
    static let ownNetNS = nsLink("/proc/self/ns/net")

    /// What a /proc/PID/ns link names ("net:[4026531840]"), nil if unreadable.
    static func nsLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 64)
        let n = readlink(path, &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    /// A stat-like file's "key value [unit]" lines as a table (a line without a number is left out).
    static func statTable(_ text: String) -> [String: Int64] {
        var t: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count >= 2, let v = Int64(f[1]) { t[String(f[0])] = v }
        }
        return t
    }

    /// The number after `key` (a "key value [unit]" line) in a stat-like file; 0 if absent.
    static func statValue(_ path: String, _ key: String) -> Int64 {
        statTable(read(path) ?? "")[key] ?? 0
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
