// run/create's limits beyond `update`'s: --memory-reservation,
// --memory-swappiness, --oom-kill-disable, --cpuset-mems, --cpu-period,
// --cpu-quota, --cpu-rt-period/-runtime, --blkio-weight, --blkio-weight-device,
// --device-read/write-bps/iops; and --cgroup-parent's paths. v1 files:
// memory.soft_limit_in_bytes, memory.swappiness, memory.oom_control,
// cpuset.mems, cpu.cfs_*, cpu.rt_*, blkio.(bfq.)weight(_device),
// blkio.throttle.*; cgroup2: memory.low, cpu.max, cpuset.mems, io.(bfq.)weight, io.max.
// A limit the host's controllers cannot take fails create with what is missing.
import Glibc
import HivePlatform

extension Cgroups {
    typealias Settings = [String: [(file: String, value: String, optional: Bool)]]

    /// The hierarchy path of a container's groups' parent: hive's own (`own`,
    /// "" for the root) unless `--cgroup-parent` names one (absolute: from the
    /// root; relative: under hive's own).
    static func parentPath(_ parent: String?, _ own: String?) -> String {
        guard let parent else { return own ?? "/" }
        let trimmed = parent.split(separator: "/").joined(separator: "/")
        if parent.hasPrefix("/") { return trimmed.isEmpty ? "" : "/" + trimmed }
        return (own ?? "") + "/" + trimmed
    }

    /// The absolute parent of the v1 group `dir` (".../CONTROLLER/PARENT/NAME"), for `update`'s new groups.
    static func parentOf(_ dir: String) -> String? {
        let comps = dir.split(separator: "/")  // sys fs cgroup CONTROLLER ... NAME
        guard comps.count >= 5 else { return nil }
        return "/" + comps[4..<(comps.count - 1)].joined(separator: "/")
    }

    /// mkdir -p of a group's parents (a --cgroup-parent that does not exist yet).
    static func makeParents(of dir: String) throws {
        var path = ""
        for c in dir.split(separator: "/").dropLast() {
            path += "/" + c
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw HiveError.errno("cannot create cgroup \(path)") }
        }
    }

    /// `limits` with the tuning limits of `r` added (per controller; on cgroup2
    /// "io" too, on v1 "blkio"); throws where this host cannot apply one.
    static func tuned(_ limits: Settings, _ r: Resources, v2: Bool, own: [String: String]) throws(HiveError) -> Settings {
        var out = limits
        func add(_ c: String, _ f: String, _ v: String) { out[c, default: []].append((f, v, false)) }
        func need(_ controller: String, _ file: String, _ flag: String, _ why: String = "") throws(HiveError) {
            let dir = ownDir(controller, own, v2: v2)
            guard access(dir + "/" + file, F_OK) == 0 else {
                throw HiveError(.invalidArgument, "\(flag) is not supported here: \(dir) has no \(file)\(why)")
            }
        }
        if let m = r.memoryReservation {
            if v2 { add("memory", "memory.low", String(m)) } else { add("memory", "memory.soft_limit_in_bytes", String(m)) }
        }
        if let s = r.memorySwappiness, s >= 0 {
            if v2 { throw HiveError(.invalidArgument, "--memory-swappiness is not supported on cgroup v2 (it has no per-group swappiness)") }
            try need("memory", "memory.swappiness", "--memory-swappiness")
            add("memory", "memory.swappiness", String(s))
        }
        if r.oomKillDisable == true {
            if v2 { throw HiveError(.invalidArgument, "--oom-kill-disable is not supported on cgroup v2 (it has no switch for the OOM killer)") }
            add("memory", "memory.oom_control", "1")
        }
        if r.cpuPeriod != nil || r.cpuQuota != nil {
            let period = r.cpuPeriod ?? 100_000
            if v2 { add("cpu", "cpu.max", "\(r.cpuQuota.map(String.init) ?? "max") \(period)") } else {
                add("cpu", "cpu.cfs_period_us", String(period))
                if let q = r.cpuQuota { add("cpu", "cpu.cfs_quota_us", String(q)) }
            }
        }
        if r.cpuRtPeriod != nil || r.cpuRtRuntime != nil {
            if v2 { throw HiveError(.invalidArgument, "--cpu-rt-period and --cpu-rt-runtime are not supported on cgroup v2 (no real-time group scheduling)") }
            try need("cpu", "cpu.rt_runtime_us", "--cpu-rt-runtime", " (a kernel without CONFIG_RT_GROUP_SCHED)")
            if let p = r.cpuRtPeriod { add("cpu", "cpu.rt_period_us", String(p)) }
            if let t = r.cpuRtRuntime { add("cpu", "cpu.rt_runtime_us", String(t)) }
        }
        if let mems = r.cpusetMems {
            // a v1 cpuset group needs both files before it takes a task
            if out["cpuset"] == nil, !v2 {
                add("cpuset", "cpuset.cpus", read(ownDir("cpuset", own, v2: false) + "/cpuset.cpus")?.trimmed ?? "0")
            }
            out["cpuset"]?.removeAll { $0.file == "cpuset.mems" }
            out["cpuset", default: []].insert(("cpuset.mems", mems, false), at: 0)
        }
        let io = v2 ? "io" : "blkio"
        if let w = r.blkioWeight, w > 0 {
            let (file, value) = try weightFile(v2: v2, own: own, weight: w, flag: "--blkio-weight")
            add(io, file, value)
        }
        for d in r.blkioWeightDevice ?? [] {
            let (file, _) = try weightFile(v2: v2, own: own, weight: 0, flag: "--blkio-weight-device")
            let f = d.split(separator: " ")
            let weight = Int64(f.last ?? "") ?? 0
            add(io, v2 ? file : file + "_device", v2 ? "\(f[0]) \(file == "io.weight" ? v2Weight(weight) : weight)" : d)
        }
        let throttles: [([String]?, String, String, String)] = [
            (r.deviceReadBps, "read_bps_device", "rbps", "--device-read-bps"), (r.deviceWriteBps, "write_bps_device", "wbps", "--device-write-bps"),
            (r.deviceReadIops, "read_iops_device", "riops", "--device-read-iops"), (r.deviceWriteIops, "write_iops_device", "wiops", "--device-write-iops"),
        ]
        for (list, v1File, key, flag) in throttles {
            for d in list ?? [] {
                if v2 {
                    try need("io", "io.max", flag)
                    let f = d.split(separator: " ")
                    add("io", "io.max", "\(f[0]) \(key)=\(f[1])")
                } else {
                    try need("blkio", "blkio.throttle." + v1File, flag)
                    add("blkio", "blkio.throttle." + v1File, d)
                }
            }
        }
        return out
    }

    /// The weight file this host has (BFQ's or the legacy one) and the value for `weight`.
    static func weightFile(v2: Bool, own: [String: String], weight: Int64, flag: String) throws(HiveError) -> (String, String) {
        let dir = ownDir("blkio", own, v2: v2)
        let names = v2 ? ["io.bfq.weight", "io.weight"] : ["blkio.weight", "blkio.bfq.weight"]
        guard v2 || access("/sys/fs/cgroup/blkio", F_OK) == 0 else {
            throw HiveError(.invalidArgument, "\(flag) is not supported here: this host has no blkio cgroup controller")
        }
        guard let file = names.first(where: { access(dir + "/" + $0, F_OK) == 0 }) else {
            throw HiveError(.invalidArgument, "\(flag) is not supported here: \(dir) has no \(names.joined(separator: " or ")) (no IO scheduler with weights, such as BFQ, on this kernel's disks)")
        }
        return (file, file == "io.weight" ? "default \(v2Weight(weight))" : String(weight))
    }

    /// runc's conversion of a blkio weight [10-1000] to io.weight [1-10000].
    static func v2Weight(_ w: Int64) -> Int64 { 1 + (max(10, min(1000, w)) - 10) * 9999 / 990 }
}

extension Resources {
    /// The tuning limits in the spec's JSON (only those set).
    func tuningJSON(into o: inout [String: JSONValue]) {
        func int(_ k: String, _ v: Int64?) { if let v { o[k] = .int(v) } }
        func list(_ k: String, _ v: [String]?) { if let v { o[k] = .array(v.map(JSONValue.string)) } }
        int("memoryReservation", memoryReservation)
        int("memorySwappiness", memorySwappiness)
        if let oomKillDisable { o["oomKillDisable"] = .bool(oomKillDisable) }
        if let cpusetMems { o["cpusetMems"] = .string(cpusetMems) }
        int("cpuPeriod", cpuPeriod)
        int("cpuQuota", cpuQuota)
        int("cpuRtPeriod", cpuRtPeriod)
        int("cpuRtRuntime", cpuRtRuntime)
        int("blkioWeight", blkioWeight)
        list("blkioWeightDevice", blkioWeightDevice)
        list("deviceReadBps", deviceReadBps)
        list("deviceWriteBps", deviceWriteBps)
        list("deviceReadIops", deviceReadIops)
        list("deviceWriteIops", deviceWriteIops)
    }
}
