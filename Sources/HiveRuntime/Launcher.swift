// Swift side of the launcher: a complete, flat plan handed to the C routine
// that clones and execs (CHiveLaunch/launch.c). No Swift runs in the child.
import CHiveLaunch
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

public struct MountSpec: Sendable {
    public var source: String?
    public var target: String
    public var fstype: String?
    public var flags: UInt
    public var data: String?
    public var readonly: Bool
    public var populate = false
    public init(source: String?, target: String, fstype: String? = nil, flags: UInt = 0, data: String? = nil, readonly: Bool = false) {
        self.source = source
        self.target = target
        self.fstype = fstype
        self.flags = flags
        self.data = data
        self.readonly = readonly
    }
}

public struct LaunchPlan: Sendable {
    public var rootfs: String
    public var overlayData: String
    public var readonlyRootfs = false
    public var hostname: String
    public var argv: [String]
    public var env: [String]
    public var cwd: String
    public var user = ResolvedUser(uid: 0, gid: 0, groups: [0], home: "/root")
    public var caps: Set<String> = Set(Capabilities.dockerDefault)
    public var noNewPrivs = true
    public var seccomp: [UInt8]?
    /// The network part: the host's namespace, a new one, or one to join.
    public var network: NetworkNamespace = .new
    public var privileged = false
    public var mounts: [MountSpec] = []
    public var nofile: (UInt64, UInt64) = (1024, 524288)
    /// --ulimit: (resource number, soft, hard)
    public var rlimits: [(Int32, UInt64, UInt64)] = []
    /// -t: a pseudo-terminal as the container's stdio.
    public var tty = false
    public var stdio: (Int32, Int32, Int32) = (-1, -1, -1)
    /// cgroup.procs files the container joins (one per v1 hierarchy, or one on v2).
    public var cgroupProcs: [String] = []
    /// `--ipc` and `--pid` (`.none`: IPC only).
    public var ipc: SharedNamespace = .private
    public var pid: SharedNamespace = .private
    /// `--uts host`, `--cgroupns host`.
    public var utsHost = false
    public var cgroupnsHost = false
    /// `--shm-size` in bytes (0: 64 MiB).
    public var shmSize: Int64 = 0
    /// `--domainname`.
    public var domainname: String?
    /// `--sysctl` as "key=value", written between clone and exec.
    public var sysctls: [String] = []
    /// `--oom-score-adj`.
    public var oomScoreAdj: Int?

    public init(rootfs: String, overlayData: String, hostname: String, argv: [String], env: [String], cwd: String) {
        self.rootfs = rootfs
        self.overlayData = overlayData
        self.hostname = hostname
        self.argv = argv
        self.env = env
        self.cwd = cwd
    }

    public static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
        "/sys/firmware",
    ]
    public static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}

/// A namespace a container may share (`--ipc`, `--pid`): its own, the host's,
/// another container's (its init's pid and /proc/PID/stat start time, checked
/// by the launcher after it opens the namespace), or for IPC "none" (its own, no /dev/shm).
public enum SharedNamespace: Sendable, Equatable {
    case `private`, host, none
    case join(pid: Int32, start: Int64)

    var c: (Int32, Int64, Int64) {
        switch self {
        case .private: return (HIVE_NS_PRIVATE, 0, 0)
        case .host: return (HIVE_NS_HOST, 0, 0)
        case .none: return (HIVE_NS_NONE, 0, 0)
        case .join(let pid, let start): return (HIVE_NS_JOIN, Int64(pid), start)
        }
    }
}

public struct LaunchError: Error, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32
    public var description: String { message }
}

public enum Launcher {
    /// Builds the C plan for `plan` and hands it to `body` (the pointers live for the call).
    static func withCPlan<T>(_ plan: LaunchPlan, _ body: (UnsafeMutablePointer<hive_plan>) -> T) -> T {
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { for s in strings { free(s) } }
        func c(_ s: String) -> UnsafePointer<CChar> {
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        func cArray(_ a: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
            let arr = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: a.count + 1)
            for (i, s) in a.enumerated() { arr[i] = c(s) }
            arr[a.count] = nil
            return arr
        }
        let argv = cArray(plan.argv), envp = cArray(plan.env)
        let masked = cArray(plan.privileged ? [] : LaunchPlan.maskedPaths)
        let readonly = cArray(plan.privileged ? [] : LaunchPlan.readonlyPaths)
        let cgroups = cArray(plan.cgroupProcs)
        defer { argv.deallocate(); envp.deallocate(); masked.deallocate(); readonly.deallocate(); cgroups.deallocate() }
        let mounts = UnsafeMutablePointer<hive_mount>.allocate(capacity: max(1, plan.mounts.count))
        defer { mounts.deallocate() }
        for (i, m) in plan.mounts.enumerated() {
            mounts[i] = hive_mount(source: m.source.map(c), target: c(m.target), fstype: m.fstype.map(c),
                                   flags: m.flags, data: m.data.map(c), readonly: m.readonly ? 1 : 0, populate: m.populate ? 1 : 0)
        }
        let groups = plan.user.groups.map { gid_t($0) }
        let searchPath = plan.env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? ""
        var p = hive_plan()
        p.rootfs = c(plan.rootfs)
        p.overlay_data = c(plan.overlayData)
        p.readonly_rootfs = plan.readonlyRootfs ? 1 : 0
        p.hostname = c(plan.hostname)
        p.argv = UnsafePointer(argv)
        p.envp = UnsafePointer(envp)
        p.search_path = c(searchPath)
        p.cwd = c(plan.cwd)
        p.uid = plan.user.uid
        p.gid = plan.user.gid
        p.ngroups = groups.count
        p.caps = Capabilities.mask(plan.caps)
        p.cap_last = Int32(Capabilities.last)
        p.no_new_privs = plan.noNewPrivs ? 1 : 0
        switch plan.network {
        case .host: p.netns = HIVE_NETNS_HOST
        case .new: p.netns = HIVE_NETNS_NEW
        case .join(let path): p.netns = HIVE_NETNS_JOIN; p.netns_path = c(path)
        }
        p.netns_fd = -1
        p.privileged = plan.privileged ? 1 : 0
        p.masked = UnsafePointer(masked)
        p.readonly = UnsafePointer(readonly)
        p.mounts = UnsafePointer(mounts)
        p.nmounts = plan.mounts.count
        p.nofile_soft = plan.nofile.0
        p.nofile_hard = plan.nofile.1
        p.stdin_fd = plan.stdio.0
        p.stdout_fd = plan.stdio.1
        p.stderr_fd = plan.stdio.2
        p.cgroup_procs = UnsafePointer(cgroups)
        let rl = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, plan.rlimits.count * 3))
        defer { rl.deallocate() }
        for (i, r) in plan.rlimits.enumerated() { rl[3 * i] = UInt64(r.0); rl[3 * i + 1] = r.1; rl[3 * i + 2] = r.2 }
        p.rlimits = UnsafePointer(rl)
        p.nrlimits = plan.rlimits.count
        p.tty = plan.tty ? 1 : 0
        p.console_fd = -1
        (p.ipc, p.ipc_pid, p.ipc_start) = plan.ipc.c
        (p.pid_mode, p.pid_pid, p.pid_start) = plan.pid.c
        p.uts_host = plan.utsHost ? 1 : 0
        p.cgroupns_host = plan.cgroupnsHost ? 1 : 0
        p.shm_size = plan.shmSize
        p.domainname = plan.domainname.map(c)
        let sysctls = cArray(plan.sysctls)
        defer { sysctls.deallocate() }
        p.sysctls = UnsafePointer(sysctls)
        p.oom_score_adj_set = plan.oomScoreAdj == nil ? 0 : 1
        p.oom_score_adj = Int32(plan.oomScoreAdj ?? 0)
        p.ipc_fd = -1
        p.pid_fd = -1
        p.ipc_shm_fd = -1
        return groups.withUnsafeBufferPointer { gbuf in
            p.groups = gbuf.baseAddress
            if let bpf = plan.seccomp {
                return bpf.withUnsafeBytes { b in
                    p.seccomp = b.baseAddress
                    p.seccomp_len = b.count / 8
                    return body(&p)
                }
            }
            p.seccomp = nil
            return body(&p)
        }
    }

    /// Starts the container; returns the pid of its init once it has exec'd.
    public static func launch(_ plan: LaunchPlan) throws -> pid_t {
        var pid: pid_t = 0
        var code: Int32 = 125
        var err = [CChar](repeating: 0, count: 512)
        let rc = withCPlan(plan) { hive_launch($0, &pid, &code, &err, err.count) }
        guard rc == 0 else { throw LaunchError(message: String(cString: err), exitCode: code) }
        return pid
    }

    /// A container between `start` and `finish`: cloned, in its cgroups, setting up.
    public struct Starting {
        public let pid: pid_t
        let reportFD: Int32
    }

    /// The first half of `launch`: returns while the child mounts its
    /// filesystems, so the caller can record it meanwhile. `finish` must follow.
    /// With `netnsFD` (a namespace made ahead, loopback up: HiveNetwork's
    /// NetNamespace.prepare) a plan asking for a new namespace joins that one
    /// instead of cloning its own (~0.5 ms off the launch); the caller keeps the fd.
    public static func start(_ plan: LaunchPlan, netnsFD: Int32 = -1) throws -> Starting {
        var pid: pid_t = 0
        var fd: Int32 = -1
        var err = [CChar](repeating: 0, count: 512)
        let rc = withCPlan(plan) { p in
            if plan.network == .new { p.pointee.netns_fd = netnsFD }
            return hive_launch_start(p, &pid, &fd, &err, err.count)
        }
        guard rc == 0 else { throw LaunchError(message: String(cString: err), exitCode: 125) }
        return Starting(pid: pid, reportFD: fd)
    }

    /// Waits until the container's command has exec'd; throws the failed step otherwise.
    public static func finish(_ s: Starting) throws {
        var code: Int32 = 125
        var err = [CChar](repeating: 0, count: 512)
        guard hive_launch_finish(s.reportFD, s.pid, &code, &err, err.count) == 0 else {
            throw LaunchError(message: String(cString: err), exitCode: code)
        }
    }

    /// Writes the plan for the monitor (and for `hive start`).
    public static func write(_ plan: LaunchPlan, to path: String) throws {
        let rc = withCPlan(plan) { hive_plan_write(path, $0) }
        guard rc == 0 else { throw HiveError.errno("cannot write the launch plan \(path)") }
    }

    /// Launches from a plan file in this process (foreground `start -a`).
    public static func launch(planFile path: String) throws -> pid_t {
        let plan = try ReadPlan(path)
        var pid: pid_t = 0
        var code: Int32 = 125
        var err = [CChar](repeating: 0, count: 512)
        guard hive_launch(&plan.p, &pid, &code, &err, err.count) == 0 else {
            throw LaunchError(message: String(cString: err), exitCode: code)
        }
        return pid
    }

    /// With a tty: the pty master of the last launch or exec.
    public static var lastPtyMaster: Int32 { hive_last_pty_master() }

    /// Proxies this terminal to the container's pty until `pid` exits.
    public static func proxy(master: Int32, pid: pid_t) -> Int32 { hive_pty_proxy(master, pid) }

    /// The same, ended by typing `detachKeys` (exec -it): 0 then, the process runs on.
    public static func proxy(master: Int32, pid: pid_t, detachKeys: [UInt8]) -> Int32 {
        var detached: Int32 = 0
        return hive_pty_proxy_keys(master, pid, detachKeys, detachKeys.count, &detached)
    }

    /// Waits for the container's init; its exit status as a shell reports it.
    public static func wait(_ pid: pid_t, forwardSignals: Bool) -> Int32 {
        if forwardSignals { hive_forward_signals(pid) }
        return hive_wait_exit(pid)
    }
}

extension Launcher {
    /// `hive exec`: starts `argv` in the running container whose init is `target`
    /// (started at `targetStart`, /proc/PID/stat's start time, as recorded: the
    /// C side pins it by pidfd and refuses a process that is not the container's),
    /// with the container's own plan (caps, seccomp, cgroups) and these overrides.
    public static func exec(target: pid_t, targetStart: Int64?, planFile: String, argv: [String], env: [String], user: ResolvedUser?,
                            cwd: String?, stdio: (Int32, Int32, Int32) = (-1, -1, -1), tty: Bool = false,
                            privileged: Bool = false) throws -> pid_t {
        let plan = try execPlan(planFile: planFile, argv: argv, env: env, user: user, cwd: cwd, stdio: stdio, tty: tty, privileged: privileged)
        var pid: pid_t = 0
        var code: Int32 = 126
        var err = [CChar](repeating: 0, count: 512)
        guard hive_exec(target, UInt64(max(0, targetStart ?? 0)), &plan.p, &pid, &code, &err, err.count) == 0 else {
            throw LaunchError(message: String(cString: err), exitCode: code)
        }
        return pid
    }

    /// The container's plan with an exec's overrides.
    static func execPlan(planFile: String, argv: [String], env: [String], user: ResolvedUser?, cwd: String?,
                         stdio: (Int32, Int32, Int32), tty: Bool, privileged: Bool) throws -> ReadPlan {
        let plan = try ReadPlan(planFile)
        // exec --privileged: every capability, as Docker's (seccomp and no_new_privs stay the container's):
        // every one hive itself holds (a host may withhold some even from root)
        if privileged { plan.p.caps = Capabilities.callerPermitted }
        var merged: [String] = []
        var i = 0
        while let e = plan.p.envp?[i] { merged.append(String(cString: e)); i += 1 }
        for kv in env {
            let key = kv.prefix(while: { $0 != "=" })
            merged.removeAll { $0.prefix(while: { $0 != "=" }) == key }
            merged.append(kv)
        }
        plan.p.argv = plan.strings(argv)
        plan.p.envp = plan.strings(merged)
        if let path = merged.first(where: { $0.hasPrefix("PATH=") }) { plan.p.search_path = plan.string(String(path.dropFirst(5))) }
        if let cwd { plan.p.cwd = plan.string(cwd) }
        if let user {
            plan.p.uid = user.uid
            plan.p.gid = user.gid
            plan.p.groups = plan.gids(user.groups)
            plan.p.ngroups = user.groups.count
        }
        plan.p.stdin_fd = stdio.0
        plan.p.stdout_fd = stdio.1
        plan.p.stderr_fd = stdio.2
        plan.p.tty = tty ? 1 : 0
        return plan
    }
}

/// A launch plan read from its file, with what the caller put in it; all of
/// it freed with this object (the API service reads one per exec, cp and
/// update: nothing may stay behind).
final class ReadPlan {
    var p = hive_plan()
    private var owned: [UnsafeMutableRawPointer] = []

    init(_ path: String) throws {
        guard hive_plan_read(path, &p) == 0 else { throw HiveError.errno("cannot read the launch plan \(path)") }
    }

    deinit {
        for o in owned { free(o) }
        hive_plan_free(&p)
    }

    /// A C string that lives as long as the plan.
    func string(_ s: String) -> UnsafePointer<CChar> {
        let d = strdup(s)!
        owned.append(UnsafeMutableRawPointer(d))
        return UnsafePointer(d)
    }

    /// A NULL-terminated list of C strings that lives as long as the plan.
    func strings(_ a: [String]) -> UnsafePointer<UnsafePointer<CChar>?> { array(a.map { string($0) } + [nil]) }

    /// Group IDs that live as long as the plan.
    func gids(_ g: [gid_t]) -> UnsafePointer<gid_t> { array(g.isEmpty ? [0] : g) }

    /// `values` in C memory that lives as long as the plan.
    private func array<T>(_ values: [T]) -> UnsafePointer<T> {
        let raw = malloc(values.count * MemoryLayout<T>.stride)!
        owned.append(raw)
        let list = raw.bindMemory(to: T.self, capacity: values.count)
        for (i, v) in values.enumerated() { list[i] = v }
        return UnsafePointer(list)
    }
}

extension Launcher {
    /// The overlay options and rootfs mountpoint recorded in a plan file.
    public static func overlay(planFile path: String) throws -> (data: String, rootfs: String) {
        let plan = try ReadPlan(path)
        guard let d = plan.p.overlay_data, let r = plan.p.rootfs else {
            throw HiveError(.invalidArgument, "the launch plan \(path) has no root filesystem")
        }
        // a private mount (cp into a stopped container) must not be volatile: the
        // container's own mount, later, could not reuse the upper directory
        var data = String(cString: d)
        if data.hasSuffix(",volatile") { data.removeLast(",volatile".count) }
        return (data, String(cString: r))
    }

    /// `hive cp` options: -a keeps ownership (and setuid/setgid out of a container), -L follows a source symlink.
    public struct CopyOptions: Sendable {
        public var archive = false
        public var followLink = false
        public init(archive: Bool = false, followLink: Bool = false) {
            self.archive = archive
            self.followLink = followLink
        }
    }

    /// Opens a host source of `cp` without opening its content (O_PATH).
    public static func openCopySource(_ path: String, follow: Bool) throws -> Int32 {
        let fd = hive_cp_open_source(path, follow ? 1 : 0)
        guard fd >= 0 else { throw HiveError.errno("cannot open \(path)") }
        return fd
    }

    /// Runs the copy child (CHiveLaunch/copy_container.c hive_cp). `running` is the
    /// container's init, `start` its recorded start time (0: not running).
    /// Returns the bytes of regular-file content copied.
    @discardableResult
    public static func copy(running: pid_t, start: Int64, overlayData: String, rootfs: String, containerPath: String,
                            hostFD: Int32, hostName: String, toContainer: Bool, options: CopyOptions = CopyOptions()) throws -> Int64 {
        var err = [CChar](repeating: 0, count: 640)
        var copied: Int64 = 0
        let flags = (options.archive ? HIVE_CP_ARCHIVE : 0) | (options.followLink ? HIVE_CP_FOLLOW : 0)
        guard hive_cp(running, start, overlayData, rootfs, containerPath, hostFD, hostName, toContainer ? 1 : 0, Int32(flags),
                      &copied, &err, err.count) == 0 else {
            throw HiveError(.invalidArgument, String(cString: err))
        }
        return copied
    }

    /// An fd on `containerPath` inside the container, for tar streams
    /// (CHiveLaunch/copy_container.c hive_cp_open): an open directory with `directory`
    /// (a symlink to one followed inside the root), else an O_PATH fd (a
    /// symlink itself unless `follow`). The caller closes it.
    public static func openInContainer(running: pid_t, start: Int64, overlayData: String, rootfs: String, containerPath: String,
                                       directory: Bool, follow: Bool) throws -> Int32 {
        var err = [CChar](repeating: 0, count: 640)
        var fd: Int32 = -1
        let flags = (directory ? HIVE_CP_DIRECTORY : 0) | (follow ? HIVE_CP_FOLLOW : 0)
        guard hive_cp_open(running, start, overlayData, rootfs, containerPath, Int32(flags), &fd, &err, err.count) == 0 else {
            // a path that is not there is notFound (the API's 404, as Docker's)
            throw HiveError(errno == ENOENT ? .notFound : .invalidArgument, String(cString: err))
        }
        return fd
    }
}
