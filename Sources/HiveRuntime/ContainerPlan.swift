// What ContainerPlanner makes for one container, and `materialize`: the step
// that makes its directory and files (the engine runs it once the record exists).
import CHiveLaunch
import Glibc
import HiveOCI
import HivePlatform

/// What the planner made for one container.
public struct ContainerPlan {
    /// What the container record keeps (its mounts as shown by inspect).
    public var spec: ContainerSpec
    /// What the launcher executes (bind sources canonical once `materialize` ran).
    public var launch: LaunchPlan
    /// The container's directory (rootfs, upper, work, its files).
    public var dir: String
    /// The content of its /etc/hosts and /etc/resolv.conf.
    public var hosts: String
    public var resolvConf: String
    /// Its cgroups, to record (`materialize` writes the list) and then create.
    public var cgroups: [Cgroups.Group]
    /// The volumes its mounts use, in order: created and attached with the record.
    public var volumes: [(name: String, anonymous: Bool)]
}

extension ContainerPlan {
    /// Makes the container's directory (rootfs, upper, work), writes its hostname,
    /// hosts and resolv.conf and the list of its cgroups (recorded before they
    /// exist: a CLI killed in between leaves nothing rm cannot find), then
    /// resolves the bind sources, once: the launcher opens them refusing any
    /// symlink (RESOLVE_NO_SYMLINKS), so a symlink swapped in after a policy
    /// judged the source (between create and start, say) fails the start
    /// instead of binding whatever it points at. `parent` is made if missing.
    public mutating func materialize(parent: String) throws {
        for d in [parent, dir, dir + "/upper", dir + "/work", dir + "/rootfs"] {
            if mkdir(d, 0o700) != 0 && errno != EEXIST { throw HiveError.errno("cannot create \(d)") }
        }
        chmod(dir + "/upper", 0o755)
        try Files.write(dir + "/hostname", spec.hostname + "\n")
        try Files.write(dir + "/hosts", hosts)
        try Files.write(dir + "/resolv.conf", resolvConf)
        for i in launch.mounts.indices where launch.mounts[i].fstype == nil {
            if let s = launch.mounts[i].source { launch.mounts[i].source = ContainerPlanner.canonicalPath(s) }
        }
        try Cgroups.record(cgroups.map(\.dir), containerDir: dir)
    }
}

extension Launcher {
    /// `--ipc`/`--pid container:ID` before a start: the plan file's namespaces
    /// to join become those of the other container's init now (nil: unchanged).
    public static func setJoins(planFile path: String, ipc: SharedNamespace?, pid: SharedNamespace?) throws {
        let plan = try ReadPlan(path)
        if let ipc { (plan.p.ipc, plan.p.ipc_pid, plan.p.ipc_start) = ipc.c }
        if let pid { (plan.p.pid_mode, plan.p.pid_pid, plan.p.pid_start) = pid.c }
        let tmp = path + ".update"
        guard hive_plan_write(tmp, &plan.p) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw HiveError.errno("cannot write the launch plan \(path)")
        }
    }
}
