// `hive update [OPTIONS] CONTAINER...`: cgroup limits and the restart policy
// of running, stopped or created containers, as Docker's `update`; the
// resource flags are parsed here for `run`/`create` too.
import HiveEngine
import HivePlatform
import HiveRuntime

enum ContainerUpdate {
    static let def = CommandDef(
        name: "update", aliases: ["update", "container update"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Update configuration of one or more containers",
        options: resourceOptions + RunFlags.options.filter { tuningFlags.contains($0.long) } + [
            .value("restart", nil, "string", "Restart policy to apply when a container exits"),
        ], run: run)

    /// run's tuning limits that `update` changes too (RunFlags.tuning parses them).
    static let tuningFlags: Set<String> = [
        "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpuset-mems", "memory-reservation", "blkio-weight",
    ]

    /// The resource flags (`resources` parses them), `run`'s and `create`'s too.
    static let resourceOptions: [OptionDef] = [
        .value("memory", "m", "bytes", "Memory limit (e.g. 512m, 1g)"),
        .value("memory-swap", nil, "bytes", "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
        .value("cpus", nil, "decimal", "Number of CPUs"),
        .value("cpu-shares", "c", "int", "CPU shares (relative weight)"),
        .value("cpuset-cpus", nil, "string", "CPUs in which to allow execution (0-3, 0,1)"),
        .value("pids-limit", nil, "int", "Tune container pids limit (default 2048, -1 for unlimited)"),
    ]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let changes = try resources(c)
        var restart: RestartPolicy? = nil
        if let v = c.args.value("restart") { restart = try RestartPolicy(parsing: v) }
        if changes.isEmpty && restart == nil {
            throw HiveError(.invalidArgument, "you must provide one or more flags when using this command (see hive update --help)")
        }
        let engine = try c.engine()
        return eachContainer(c) { try engine.update($0, changes, restart: restart) }
    }

    /// The resource flags as given (nil: not given; Docker's 0 for "unchanged"
    /// in --memory-swap, --cpus and --cpu-shares). Their limits are checked
    /// against the container's (ContainerPlanner.checkResources).
    static func resources(_ c: Context) throws -> ResourceUpdate {
        var u = ResourceUpdate()
        if let m = c.args.value("memory") { u.memory = try Quantity.bytes(m) }
        if let s = c.args.value("memory-swap") {
            let v: Int64 = try s == "-1" ? -1 : Quantity.bytes(s)
            if v != 0 { u.memorySwap = v }
        }
        if let v = c.args.value("cpus") {
            guard let d = Double(v), d >= 0, d.isFinite else { throw HiveError(.invalidArgument, "invalid argument \"\(v)\" for --cpus: a number of CPUs such as 1.5") }
            if d > 0 { u.cpus = d }
        }
        if let v = c.args.value("cpu-shares") {
            guard let n = Int64(v), n >= 0 else { throw HiveError(.invalidArgument, "invalid argument \"\(v)\" for --cpu-shares: a relative weight such as 512") }
            if n > 0 { u.cpuShares = n }
        }
        if let v = c.args.value("cpuset-cpus") { u.cpusetCpus = v }
        if let v = c.args.value("pids-limit") {
            guard let n = Int64(v) else { throw HiveError(.invalidArgument, "invalid argument \"\(v)\" for --pids-limit: a number, -1 for unlimited") }
            u.pidsLimit = n
        }
        // run's parser; Docker's 0 leaves a limit unchanged (-1: --cpu-quota unlimited)
        var t = Resources()
        try RunFlags.tuning(c, &t)
        func given(_ v: Int64?) -> Int64? { v == 0 ? nil : v }
        u.memoryReservation = given(t.memoryReservation)
        u.cpuPeriod = given(t.cpuPeriod)
        u.cpuQuota = given(t.cpuQuota)
        u.cpuRtPeriod = given(t.cpuRtPeriod)
        u.cpuRtRuntime = given(t.cpuRtRuntime)
        u.cpusetMems = t.cpusetMems
        u.blkioWeight = given(t.blkioWeight)
        return u
    }
}
