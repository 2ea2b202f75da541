// The limit files of a container's cgroups: what create writes (`layout`)
// and what `hive update` changes in the groups of a running or stopped
// container. v1: pids.max, memory.limit_in_bytes / memory.memsw.limit_in_bytes,
// cpu.cfs_quota_us / cpu.shares, cpuset.cpus; cgroup2: pids.max, memory.max /
// memory.swap.max, cpu.max / cpu.weight, cpuset.cpus.
import CHiveLaunch
import Glibc
import HivePlatform

/// What `hive update` changes (nil: unchanged), with Docker's rules for merging
/// into a container's resources.
public struct ResourceUpdate: Sendable, Equatable {
    public var memory: Int64?
    /// Memory plus swap; -1: unlimited swap.
    public var memorySwap: Int64?
    public var cpus: Double?
    public var cpuShares: Int64?
    public var cpusetCpus: String?
    /// <= 0: unlimited.
    public var pidsLimit: Int64?
    /// The tuning limits `update` takes (Cgroups+Tuning.swift writes them).
    public var memoryReservation: Int64?
    public var cpuPeriod: Int64?
    public var cpuQuota: Int64?
    public var cpuRtPeriod: Int64?
    public var cpuRtRuntime: Int64?
    public var cpusetMems: String?
    public var blkioWeight: Int64?
    public init() {}

    public var isEmpty: Bool { self == ResourceUpdate() }

    /// The controllers whose files change.
    public var controllers: Set<String> {
        var c: Set<String> = []
        if memory != nil || memorySwap != nil || memoryReservation != nil { c.insert("memory") }
        if cpus != nil || cpuShares != nil || cpuPeriod != nil || cpuQuota != nil || cpuRtPeriod != nil || cpuRtRuntime != nil { c.insert("cpu") }
        if cpusetCpus != nil || cpusetMems != nil { c.insert("cpuset") }
        if pidsLimit != nil { c.insert("pids") }
        if blkioWeight != nil { c.insert(Cgroups.mode == .v2 ? "io" : "blkio") }
        return c
    }

    /// `old` with these changes, or Docker's error for the combination.
    public func applied(to old: Resources) throws(HiveError) -> Resources {
        var r = old
        if let m = memory {
            if memorySwap == nil, let s = old.memorySwap, s > 0, m > s {
                throw HiveError(.invalidArgument, "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
            }
            r.memory = m
        }
        if let s = memorySwap { r.memorySwap = s }
        if let c = cpus { r.cpus = c }
        if let s = cpuShares { r.cpuShares = s }
        if let s = cpusetCpus { r.cpusetCpus = s }
        if let p = pidsLimit { r.pidsLimit = p > 0 ? p : nil }
        if let m = memoryReservation { r.memoryReservation = m > 0 ? m : nil }
        if let p = cpuPeriod { r.cpuPeriod = p > 0 ? p : nil }
        if let q = cpuQuota { r.cpuQuota = q > 0 ? q : nil }
        if let p = cpuRtPeriod { r.cpuRtPeriod = p > 0 ? p : nil }
        if let t = cpuRtRuntime { r.cpuRtRuntime = t > 0 ? t : nil }
        if let m = cpusetMems { r.cpusetMems = m }
        if let w = blkioWeight { r.blkioWeight = w > 0 ? w : nil }
        try ContainerPlanner.checkResources(r)
        return r
    }
}

extension Cgroups {
    /// The group directory of a v1 controller under hive's own group.
    static func v1Dir(_ controller: String, _ own: [String: String], _ name: String, parent: String? = nil) -> String {
        "/sys/fs/cgroup/" + controller + parentPath(parent, ownV1Path(controller, own)) + "/" + name
    }

    /// Hive's own group in a v1 controller's hierarchy (`cpu` may be mounted as `cpu,cpuacct`); nil: the root.
    static func ownV1Path(_ controller: String, _ own: [String: String]) -> String? {
        controller == "cpu" ? (own["cpu"] ?? own["cpu,cpuacct"]) : own[controller]
    }

    /// Hive's own group directory: on cgroup2 its one group, on v1 the controller's.
    static func ownDir(_ controller: String, _ own: [String: String], v2: Bool) -> String {
        v2 ? "/sys/fs/cgroup" + (own[""] ?? "") : "/sys/fs/cgroup/" + controller + (ownV1Path(controller, own) ?? "")
    }

    /// The limit files of `r` per controller ("pids", "memory", "cpu", "cpuset";
    /// on cgroup2 they share one group). Without `explicit` only the limits set
    /// (a new group is unlimited); with it, what is unset is written as
    /// unlimited too (`update` may be lifting a limit). `controllers`: only
    /// these (nil: all); `own`: hive's own groups (`ownPaths()`; read here if nil).
    static func limitSettings(_ r: Resources, v2: Bool, explicit: Bool = false, controllers: Set<String>? = nil,
                              own: [String: String]? = nil) -> [String: [(file: String, value: String, optional: Bool)]] {
        var out: [String: [(file: String, value: String, optional: Bool)]] = [:]
        func add(_ c: String, _ f: String, _ v: String, _ optional: Bool = false) {
            if controllers?.contains(c) ?? true { out[c, default: []].append((f, v, optional)) }
        }
        let unlimited = v2 ? "max" : "-1"
        if let p = r.pidsLimit, p > 0 { add("pids", "pids.max", String(p)) } else if explicit { add("pids", "pids.max", "max") }
        if r.memory != nil || explicit {
            let m = r.memory.map(String.init) ?? unlimited
            if v2 {
                add("memory", "memory.max", m)
                // swap alone on cgroup2: none unless --memory-swap
                var swap = r.memory == nil ? "max" : "0"
                if let s = r.memorySwap { swap = s == -1 ? "max" : String(max(0, s - (r.memory ?? 0))) }
                add("memory", "memory.swap.max", swap, r.memorySwap == nil)
            } else {
                // memory plus swap must stay >= memory: when raising, memsw goes first
                // (the first write fails harmlessly when lowering), then again after
                let memsw = r.memorySwap.map { $0 == -1 ? "-1" : String($0) } ?? m
                if explicit { add("memory", "memory.memsw.limit_in_bytes", memsw, true) }
                add("memory", "memory.limit_in_bytes", m)
                add("memory", "memory.memsw.limit_in_bytes", memsw, r.memorySwap == nil)
            }
        }
        if let c = r.cpus {
            if v2 { add("cpu", "cpu.max", "\(Int(c * 100_000)) 100000") } else {
                add("cpu", "cpu.cfs_period_us", "100000")
                add("cpu", "cpu.cfs_quota_us", String(Int(c * 100_000)))
            }
        } else if explicit {
            if v2 { add("cpu", "cpu.max", "max 100000") } else { add("cpu", "cpu.cfs_quota_us", "-1") }
        }
        if let s = r.cpuShares {
            add("cpu", v2 ? "cpu.weight" : "cpu.shares", v2 ? String(sharesToWeight(s)) : String(s))
        } else if explicit {
            add("cpu", v2 ? "cpu.weight" : "cpu.shares", v2 ? "100" : "1024")
        }
        if (r.cpusetCpus != nil || explicit) && controllers?.contains("cpuset") ?? true {
            // a v1 cpuset group takes no task before it has memory nodes
            let parent = v2 ? "" : "/sys/fs/cgroup/cpuset" + ((own ?? ownPaths())["cpuset"] ?? "") + "/"
            if !v2 { add("cpuset", "cpuset.mems", read(parent + "cpuset.mems")?.trimmed ?? "0") }
            add("cpuset", "cpuset.cpus", r.cpusetCpus ?? (v2 ? "" : read(parent + "cpuset.cpus")?.trimmed ?? "0"))
        }
        return out
    }

    /// Docker's (runc's) conversion of cpu shares [2-262144] to a cgroup2 weight [1-10000].
    public static func sharesToWeight(_ shares: Int64) -> Int64 {
        shares <= 0 ? 100 : 1 + ((min(max(shares, 2), 262_144) - 2) * 9999) / 262_142
    }

    /// `hive update`: writes `r`'s limits of `controllers` into the container's
    /// groups `dirs` (as its `cgroups` file lists them). A v1 controller the
    /// container has no group of (cpu, cpuset: made only when limited) gets
    /// one, and the container's processes, if any, move into it. Returns the
    /// groups it made (the caller records them); on failure removes them.
    /// With `existingOnly`, only the groups it has (putting limits back).
    public static func apply(_ r: Resources, controllers: Set<String>, dirs: [String], existingOnly: Bool = false) throws -> [String] {
        guard let first = dirs.first, let slash = first.lastIndex(of: "/") else {
            throw HiveError(.invalidArgument, "this container has no cgroups to update (its cgroups file is missing)")
        }
        let name = String(first[first.index(after: slash)...])
        let v2 = !first.hasPrefix("/sys/fs/cgroup/pids/")
        let own = ownPaths()
        // the tuning limits' files come after the explicit ones (a later write wins: cpu.max)
        let limits = try tuned(limitSettings(r, v2: v2, explicit: true, controllers: controllers, own: own), r, v2: v2, own: own)
        var groups: [Group] = []
        var made: [String] = []
        for controller in controllers.sorted() {
            guard let settings = limits[controller] else { continue }
            let dir = v2 ? first : (dirs.first { $0.hasPrefix("/sys/fs/cgroup/\(controller)/") } ?? v1Dir(controller, own, name, parent: parentOf(first)))
            if !dirs.contains(dir) {
                if existingOnly { continue }
                if v2 || access("/sys/fs/cgroup/" + controller, F_OK) != 0 {
                    throw HiveError(.invalidArgument, "cannot limit \(controller): this host has no \(controller) cgroup controller for hive")
                }
                made.append(dir)
            }
            groups.append(Group(dir: dir, settings: settings))
        }
        if v2 {
            for s in groups.flatMap(\.settings) where !s.optional && access(first + "/" + s.file, F_OK) != 0 {
                throw HiveError(.invalidArgument, "cannot set \(s.file): its controller is not enabled for hive's cgroup (cgroup.subtree_control)")
            }
        }
        do {
            for g in groups {
                if made.contains(g.dir) && mkdir(g.dir, 0o755) != 0 && errno != EEXIST { throw HiveError.errno("cannot create cgroup \(g.dir)") }
                try writeSettings(g)
            }
            for dir in made { try movePids(from: first, to: dir) }
        } catch {
            remove(made)
            throw error
        }
        return made
    }

    /// Moves every process of the group `from` into the group `to` (again while
    /// new ones appear: one forked during the moves stays where its parent was).
    static func movePids(from: String, to: String) throws {
        for _ in 0..<100 {
            let inside = Set((read(to + "/cgroup.procs") ?? "").split(separator: "\n"))
            let left = (read(from + "/cgroup.procs") ?? "").split(separator: "\n").filter { !inside.contains($0) }
            if left.isEmpty { return }
            for pid in left {
                // a process that exited meanwhile is no error
                if (try? Files.write(to + "/cgroup.procs", String(pid))) == nil && kill(Int32(pid) ?? 0, 0) == 0 {
                    throw HiveError(.io, "cannot move process \(pid) into the cgroup \(to)")
                }
            }
        }
        throw HiveError(.io, "cannot move the container's processes into the cgroup \(to): they keep forking")
    }
}

extension Launcher {
    /// Adds cgroup.procs files to the groups a plan's container joins (a group
    /// `hive update` made), so the next start, restart and exec join them too.
    public static func addCgroups(planFile path: String, procs: [String]) throws {
        let plan = try ReadPlan(path)
        var list: [String] = []
        if let old = plan.p.cgroup_procs {
            var i = 0
            while let s = old[i] { list.append(String(cString: s)); i += 1 }
        }
        list += procs.filter { !list.contains($0) }
        guard list.count <= Int(HIVE_MAX_CGROUPS) else {
            throw HiveError(.invalidArgument, "the container would join \(list.count) cgroups, more than the launcher can join (\(HIVE_MAX_CGROUPS))")
        }
        plan.p.cgroup_procs = plan.strings(list)
        let tmp = path + ".update"
        guard hive_plan_write(tmp, &plan.p) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw HiveError.errno("cannot write the launch plan \(path)")
        }
    }
}
