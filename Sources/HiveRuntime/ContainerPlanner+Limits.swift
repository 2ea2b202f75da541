// The planner's resource limits: `--ulimit`, the default RLIMIT_NOFILE, and
// Docker's checks of the cgroup limits (at create and `hive update`).
import Glibc
import HivePlatform

extension ContainerPlanner {
    /// hive's own hard RLIMIT_NOFILE: a container's default cannot exceed it.
    public static func hardNofile() -> UInt64 {
        var rl = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl)
        return UInt64(rl.rlim_max)
    }

    /// `--ulimit name=soft[:hard]` -> (resource number, soft, hard); a hard limit
    /// above hive's own fails here, not in the child (root on these machines
    /// lacks CAP_SYS_RESOURCE).
    public static func parseUlimit(_ spec: String) throws -> (Int32, UInt64, UInt64) {
        guard let (res, soft, hard) = HiveConfig.ulimit(spec) else {
            if HiveConfig.ulimitNames[String(spec.prefix { $0 != "=" })] != nil, spec.contains("=") {
                throw HiveError(.invalidArgument, "invalid --ulimit \"\(spec)\": soft must not exceed hard")
            }
            throw HiveError(.invalidArgument, "invalid --ulimit \"\(spec)\" (e.g. nofile=1024:2048; names: \(HiveConfig.ulimitNames.keys.sorted().joined(separator: ", ")))")
        }
        var current = rlimit()
        getrlimit(__rlimit_resource_t(res), &current)
        if hard > UInt64(current.rlim_max) {
            throw HiveError(.invalidArgument, "--ulimit \(spec): the hard limit exceeds hive's own (\(current.rlim_max == rlim_t.max ? "unlimited" : String(current.rlim_max))), and raising it needs CAP_SYS_RESOURCE")
        }
        return (res, soft, hard)
    }

    /// Docker's checks of the cgroup limits (daemon_unix.go's words).
    public static func checkResources(_ r: Resources) throws(HiveError) {
        if let m = r.memory, m < 6 << 20 { throw HiveError(.invalidArgument, "Minimum memory limit allowed is 6MB") }
        if let s = r.memorySwap {
            guard let m = r.memory else {
                throw HiveError(.invalidArgument, "You should always set the Memory limit when using Memoryswap limit, see usage")
            }
            if s != -1 && s < m { throw HiveError(.invalidArgument, "Minimum memoryswap limit should be larger than memory limit, see usage") }
        }
        if let c = r.cpus {
            let n = Cgroups.onlineCPUs
            if c < 0.01 || c > Double(n) {
                throw HiveError(.invalidArgument, "range of CPUs is from 0.01 to \(n).00, as there are only \(n) CPUs available")
            }
        }
        if let s = r.cpuShares, s < 2 || s > 262_144 {
            throw HiveError(.invalidArgument, "invalid --cpu-shares \(s): the range is 2 to 262144 (1024 is the default weight)")
        }
        try checkTuning(r)
        if let set = r.cpusetCpus {
            guard let wanted = cpuList(set) else { throw HiveError(.invalidArgument, "Invalid value \(set) for cpuset cpus") }
            let online = Files.readText("/sys/devices/system/cpu/online")?.trimmed ?? "0"
            if !wanted.isSubset(of: cpuList(online) ?? []) {
                throw HiveError(.invalidArgument, "Requested CPUs are not available - requested \(set), available: \(online)")
            }
        }
    }

    /// Docker's checks of run/create's other limits (daemon_unix.go's words).
    static func checkTuning(_ r: Resources) throws(HiveError) {
        if let m = r.memoryReservation {
            if m < 6 << 20 { throw HiveError(.invalidArgument, "Minimum memory reservation allowed is 6MB") }
            if let l = r.memory, l < m { throw HiveError(.invalidArgument, "Minimum memory limit can not be less than memory reservation limit, see usage") }
        }
        if let s = r.memorySwappiness, s != -1 && (s < 0 || s > 100) {
            throw HiveError(.invalidArgument, "Invalid value: \(s), valid memory swappiness range is 0-100")
        }
        if r.cpus != nil && r.cpuPeriod != nil { throw HiveError(.invalidArgument, "Conflicting options: Nano CPUs and CPU Period cannot both be set") }
        if r.cpus != nil && r.cpuQuota != nil { throw HiveError(.invalidArgument, "Conflicting options: Nano CPUs and CPU Quota cannot both be set") }
        if let p = r.cpuPeriod, p < 1000 || p > 1_000_000 {
            throw HiveError(.invalidArgument, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
        }
        if let q = r.cpuQuota, q > 0 && q < 1000 { throw HiveError(.invalidArgument, "CPU cfs quota can not be less than 1ms (i.e. 1000)") }
        if let t = r.cpuRtRuntime, let p = r.cpuRtPeriod, t > p {
            throw HiveError(.invalidArgument, "cpu real-time runtime cannot be higher than cpu real-time period")
        }
        if let w = r.blkioWeight, w != 0 && (w < 10 || w > 1000) { throw HiveError(.invalidArgument, "Range of blkio weight is from 10 to 1000") }
        if let mems = r.cpusetMems {
            guard let wanted = cpuList(mems) else { throw HiveError(.invalidArgument, "Invalid value \(mems) for cpuset mems") }
            let online = Files.readText("/sys/devices/system/node/online")?.trimmed ?? "0"
            if !wanted.isSubset(of: cpuList(online) ?? [0]) {
                throw HiveError(.invalidArgument, "Requested memory nodes are not available - requested \(mems), available: \(online)")
            }
        }
    }

    /// `--device-read-bps PATH:RATE` and its kin (`weight`: --blkio-weight-device
    /// PATH:WEIGHT, 10 to 1000): "MAJOR:MINOR VALUE" of the device node at PATH.
    public static func deviceLimit(_ text: String, flag: String, parse: (String) throws -> Int64, weight: Bool = false) throws -> String {
        guard let colon = text.lastIndex(of: ":") else {
            throw HiveError(.invalidArgument, "bad format for \(flag) \"\(text)\" (use DEVICE_PATH:\(weight ? "WEIGHT" : "RATE"))")
        }
        let path = String(text[..<colon]), value = String(text[text.index(after: colon)...])
        guard path.hasPrefix("/dev/") else { throw HiveError(.invalidArgument, "bad format for device path: \(path) (\(flag) takes a path under /dev/)") }
        guard let v = try? parse(value), v >= 0 else { throw HiveError(.invalidArgument, "invalid \(weight ? "weight" : "rate") for device: \(value) (\(flag) \(text))") }
        if weight && (v < 10 || v > 1000) { throw HiveError(.invalidArgument, "invalid weight for device: \(value): the range is 10 to 1000") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw HiveError.errno("\(flag): cannot find \(path)") }
        guard (st.st_mode & S_IFMT) == S_IFBLK else { throw HiveError(.invalidArgument, "\(flag): \(path) is not a block device") }
        let (major, minor) = DeviceRule.numbers(st.st_rdev)
        return "\(major):\(minor) \(v)"
    }

    /// A kernel CPU list ("0-3,5") as numbers; nil if malformed.
    public static func cpuList(_ text: String) -> Set<Int>? {
        var out: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2, let lo = Int(ends[0]), let hi = Int(ends[ends.count - 1]), lo >= 0, lo <= hi, hi < 4096 else { return nil }
            out.formUnion(lo...hi)
        }
        return out.isEmpty ? nil : out
    }
}
