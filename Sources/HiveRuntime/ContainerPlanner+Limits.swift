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
        if let set = r.cpusetCpus {
            guard let wanted = cpuList(set) else { throw HiveError(.invalidArgument, "Invalid value \(set) for cpuset cpus") }
            let online = Files.readText("/sys/devices/system/cpu/online")?.trimmed ?? "0"
            if !wanted.isSubset(of: cpuList(online) ?? []) {
                throw HiveError(.invalidArgument, "Requested CPUs are not available - requested \(set), available: \(online)")
            }
        }
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
