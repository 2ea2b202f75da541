// Per-container cgroups: v2 where it has controllers, otherwise v1 (these
// machines are hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified with
// none usable). Groups nest under hive's own cgroup, as platform-notes.md says.
import Glibc
import HiveOCI

public struct Resources: Sendable, Codable, Equatable {
    /// Bytes; nil: no limit.
    public var memory: Int64?
    /// CPUs (e.g. 0.5); nil: no limit.
    public var cpus: Double?
    /// nil or <= 0: unlimited. Default 2048 like Podman.
    public var pidsLimit: Int64? = 2048
    public init() {}
}

public enum Cgroups {
    public enum Mode { case v1, v2 }

    public static var mode: Mode {
        if let c = read("/sys/fs/cgroup/cgroup.controllers"), c.contains("pids") || c.contains("memory") { return .v2 }
        return .v1
    }

    /// Creates the container's groups, applies the limits, and returns
    /// (the cgroup.procs files to join, the directories to remove later).
    public static func create(id: String, resources r: Resources) throws -> (procs: [String], dirs: [String]) {
        let own = ownPaths()
        var procs: [String] = [], dirs: [String] = []
        func make(_ dir: String) throws {
            if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw HiveError.errno("cannot create cgroup \(dir)") }
            dirs.append(dir)
        }
        func set(_ dir: String, _ file: String, _ value: String) throws {
            do { try Files.write(dir + "/" + file, value) } catch {
                throw HiveError(.io, "cannot set \(file)=\(value) in cgroup \(dir)", cause: error.cause)
            }
        }
        let name = "hive-" + String(id.prefix(16))
        do {
            switch mode {
            case .v2:
                let dir = "/sys/fs/cgroup" + (own[""] ?? "/") + "/" + name
                try make(dir)
                if let p = r.pidsLimit, p > 0 { try set(dir, "pids.max", String(p)) }
                if let m = r.memory { try set(dir, "memory.max", String(m)); try? set(dir, "memory.swap.max", "0") }
                if let c = r.cpus { try set(dir, "cpu.max", "\(Int(c * 100_000)) 100000") }
                procs.append(dir + "/cgroup.procs")
            case .v1:
                let pidsDir = "/sys/fs/cgroup/pids" + (own["pids"] ?? "/") + "/" + name
                try make(pidsDir)
                if let p = r.pidsLimit, p > 0 { try set(pidsDir, "pids.max", String(p)) }
                procs.append(pidsDir + "/cgroup.procs")
                let memDir = "/sys/fs/cgroup/memory" + (own["memory"] ?? "/") + "/" + name
                try make(memDir)
                if let m = r.memory {
                    try set(memDir, "memory.limit_in_bytes", String(m))
                    try? set(memDir, "memory.memsw.limit_in_bytes", String(m))
                }
                procs.append(memDir + "/cgroup.procs")
                let freezer = "/sys/fs/cgroup/freezer" + (own["freezer"] ?? "/") + "/" + name
                if access("/sys/fs/cgroup/freezer", F_OK) == 0 {
                    try make(freezer)
                    procs.append(freezer + "/cgroup.procs")
                }
                if let c = r.cpus {
                    let cpuDir = "/sys/fs/cgroup/cpu" + (own["cpu"] ?? own["cpu,cpuacct"] ?? "/") + "/" + name
                    try make(cpuDir)
                    try set(cpuDir, "cpu.cfs_period_us", "100000")
                    try set(cpuDir, "cpu.cfs_quota_us", String(Int(c * 100_000)))
                    procs.append(cpuDir + "/cgroup.procs")
                }
            }
        } catch {
            remove(dirs)
            throw error
        }
        return (procs, dirs)
    }

    /// Removes the groups (they must be empty: the container's processes are gone).
    public static func remove(_ dirs: [String]) {
        for d in dirs.reversed() {
            for _ in 0..<100 {
                if rmdir(d) == 0 || errno == ENOENT { break }
                usleep(2000)  // the last task may still be leaving
            }
        }
    }

    /// Freezes or thaws every process of the container (`pause` / `unpause`).
    public static func freeze(_ dirs: [String], _ on: Bool) throws {
        if let d = dirs.first(where: { $0.contains("/freezer/") }) {
            try Files.write(d + "/freezer.state", on ? "FROZEN" : "THAWED")
            for _ in 0..<1000 {
                if read(d + "/freezer.state")?.hasPrefix(on ? "FROZEN" : "THAWED") == true { return }
                usleep(1000)
            }
            return
        }
        if let d = dirs.first(where: { access($0 + "/cgroup.freeze", F_OK) == 0 }) {
            try Files.write(d + "/cgroup.freeze", on ? "1" : "0")
            return
        }
        throw HiveError(.invalidArgument, "this container has no freezer cgroup, so it cannot be paused")
    }

    public static func isFrozen(_ dirs: [String]) -> Bool {
        for d in dirs {
            if let s = read(d + "/freezer.state"), s.hasPrefix("FROZEN") || s.hasPrefix("FREEZING") { return true }
            if let s = read(d + "/cgroup.freeze"), s.hasPrefix("1") { return true }
        }
        return false
    }


    /// Memory usage and pids of a container's groups, for `stats`.
    public static func usage(_ dirs: [String]) -> (memory: Int64?, limit: Int64?, pids: Int64?) {
        var mem: Int64? = nil, lim: Int64? = nil, pids: Int64? = nil
        for d in dirs {
            if let v = read(d + "/memory.usage_in_bytes") ?? read(d + "/memory.current") { mem = Int64(v.trimmed) }
            if let v = read(d + "/memory.limit_in_bytes") ?? read(d + "/memory.max") { lim = Int64(v.trimmed) }
            if let v = read(d + "/pids.current") { pids = Int64(v.trimmed) }
        }
        return (mem, lim, pids)
    }

    /// This process's cgroup path per v1 controller ("" for v2).
    static func ownPaths() -> [String: String] {
        var out: [String: String] = [:]
        for line in (read("/proc/self/cgroup") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2]) == "/" ? "" : String(parts[2])
            for c in parts[1].split(separator: ",", omittingEmptySubsequences: false) { out[String(c)] = path }
            if parts[1].contains(",") { out[String(parts[1])] = path }
        }
        return out
    }

    static func read(_ path: String) -> String? { Files.readText(path) }
}
