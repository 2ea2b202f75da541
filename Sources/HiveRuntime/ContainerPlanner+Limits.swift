// The planner's resource limits: `--ulimit` and the default RLIMIT_NOFILE.
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
}
