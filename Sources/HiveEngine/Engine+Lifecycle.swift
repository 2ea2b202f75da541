// Detached containers and their lifecycle: start (through hive-monitor),
// the monitor's cleanup callback, stop, kill, wait, logs.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    func containerDir(_ id: String) -> String { store.containersDir + "/" + id }

    func record(_ ref: String) throws -> ContainerRecord {
        guard let r = try store.container(ref) else {
            throw HiveError(.notFound, "no such container: \(ref) (hive ps -a lists them)")
        }
        return r
    }

    func spec(_ r: ContainerRecord) -> ContainerSpec? {
        if let s = decodedSpecs[r.config] { return s }
        let s = try? JSONCoding.decode(ContainerSpec.self, from: Array(r.config.utf8))
        decodedSpecs[r.config] = s
        return s
    }

    /// A container's (or image's) labels from their JSON text.
    public func labels(_ json: String) -> [String: String] {
        if json == "{}" || json.isEmpty { return [:] }
        if let l = decodedLabels[json] { return l }
        let l = ((try? JSONValue.parse(Array(json.utf8)))?.objectValue ?? [:]).compactMapValues(\.stringValue)
        decodedLabels[json] = l
        return l
    }

    /// The executable next to this one (hive-monitor, hive-init), or $HIVE_MONITOR.
    static func siblingExecutable(_ name: String) -> String {
        if let env = getenv("HIVE_MONITOR"), name == "hive-monitor" { return String(cString: env) }
        let exe = HostProcess.executable
        guard let slash = exe.lastIndex(of: "/") else { return name }
        return String(exe[..<slash]) + "/" + name
    }

    /// A container is started again only inside its device cgroup: one made
    /// without it (by a hive before the policy existed) is refused, not run
    /// with every host device open to it.
    func checkDevicePolicy(_ r: ContainerRecord) throws {
        if spec(r)?.privileged == true { return }
        guard Cgroups.hasDevicePolicy(cgroupDirs(r.id)) else {
            throw HiveError(.invalidArgument, "container \(r.name) has no device cgroup (made by an older hive, or its cgroups are gone): remove it and create it again")
        }
    }

    /// Starts a created or exited container under its own monitor; returns once it runs.
    /// With `attach` (a socket: `runSupervised`), the monitor takes it as its
    /// first attach client before the container's first output.
    public func startDetached(_ ref: String, attach: Int32 = -1) throws -> String {
        let r = try record(ref)
        if isAlive(r) || isRestarting(r) { return r.id }
        // the previous run's monitor may still be finishing (its cleanup): two
        // monitors of one container would share its attach socket and log
        if let monitor = r.monitorPid, !waitGone(pid: monitor, start: r.monitorStart, seconds: 10) {
            throw HiveError(.conflict, "container \(ref) is still being cleaned up after its last run: try again")
        }
        let dir = containerDir(r.id)
        try checkDevicePolicy(r)
        try refreshJoins(r)
        try preStart(r)
        unlink(dir + "/" + MonitorProtocol.exitFile)
        startedByUser(r.id)
        try store.db.transaction(durable: false) { () throws(HiveError) in try store.markCreated(r.id) }
        let logs = logLimits(r)
        // an Engine API attach waiting for this start becomes the starting client (Engine+AttachWait)
        let waiter = attach < 0 ? takeAttachWaiter(dir) : -1
        defer { if waiter >= 0 { close(waiter) } }
        let attach = attach >= 0 ? attach : waiter
        try attachNetwork(r)
        let pid: pid_t, monitor: pid_t
        do {
            (pid, monitor) = try MonitorProtocol.start(MonitorProtocol.arguments(
                monitor: Engine.siblingExecutable("hive-monitor"), id: r.id, containerDir: dir, hive: HostProcess.executable,
                root: store.root, runroot: store.runroot, logMaxSize: logs.maxSize, logMaxFile: logs.maxFile,
                flags: monitorFlags(r).union(attach >= 0 ? .attached : [])), attach: attach)
        } catch {
            detachNetwork(r.id)
            throw error
        }
        try store.db.transaction(durable: false) { () throws(HiveError) in
            let start = ProcStat.startTime(pid) ?? 0
            try store.markRunning(r.id, pid: pid, pidStart: start, at: Timestamp.now().unixNanos, onlyIfCreated: true)
            try holdNetwork(r.id, pid: pid, start: start)
            try store.setMonitor(r.id, pid: monitor, start: ProcStat.startTime(monitor) ?? 0)
        }
        postStart(r, pid: pid)
        return r.id
    }

    /// Waits (up to `seconds`) until the container's init is gone.
    func waitGone(_ r: ContainerRecord, seconds: Double) -> Bool {
        guard let pid = r.pid else { return true }
        return waitGone(pid: pid, start: r.pidStart, seconds: seconds)
    }

    /// Waits (up to `seconds`) until process `pid` that started at `start` is gone.
    func waitGone(pid: pid_t, start: Int64?, seconds: Double) -> Bool {
        // `stop -t` / `?t=` is anyone's number: past 30 years Int64 nanoseconds trap
        let deadline = Timestamp.now().unixNanos + Int64(min(max(seconds, 0), 1e9) * 1e9)
        while ProcStat.alive(pid, start: start) {
            guard Timestamp.now().unixNanos < deadline else { return false }
            usleep(1000)
        }
        return true
    }

    /// Waits briefly for the monitor to record the exit, so `ps` right after is right.
    func waitRecorded(_ id: String, seconds: Double = 5) {
        let deadline = Timestamp.now().unixNanos + Int64(seconds * 1e9)
        while Timestamp.now().unixNanos < deadline {
            guard let r = try? store.container(id), r.state == .running else { return }
            usleep(2000)
        }
    }

    /// `stop`: the stop signal, then SIGKILL after `timeout` seconds.
    /// (`signal`: `stop -s`, else the container's stop signal, else SIGTERM.)
    public func stop(_ ref: String, timeout: Int?, signal: String? = nil) throws {
        let r = try endRestarting(try record(ref))
        guard isAlive(r), let pid = r.pid else { return }
        if isPaused(r.id) { try? Cgroups.freeze(cgroupDirs(r.id), false) }
        let s = spec(r)
        let sig = try Signals.number(signal ?? s?.stopSignal ?? "SIGTERM")
        let t = timeout ?? s?.stopTimeout ?? 10
        markStopping(r.id)
        Glibc.kill(pid, sig)
        if !waitGone(r, seconds: Double(t)) {
            Glibc.kill(pid, SIGKILL)
            _ = waitGone(r, seconds: 10)
        }
        waitRecorded(r.id)
    }

    public func killContainer(_ ref: String, signal: String) throws {
        var r = try record(ref)
        // a restarting container: its policy ends (Docker's kill does that too)
        if isRestarting(r) {
            r = try endRestarting(r)
            if !isAlive(r) { return }
        }
        guard isAlive(r), let pid = r.pid else {
            throw HiveError(.conflict, "cannot kill container \(ref): container is not running")
        }
        let sig = try Signals.number(signal)
        // a stopping signal: if it ends the container, on-stop says the user stopped it
        if [SIGKILL, SIGTERM, SIGINT, SIGQUIT].contains(sig) {
            markStopping(r.id)
        }
        guard Glibc.kill(pid, sig) == 0 else { throw HiveError.errno("cannot signal container \(ref)") }
    }

    /// `wait`: blocks until the container exits; its exit code.
    public func wait(_ ref: String) throws -> Int32 {
        // a detached container's monitor writes its status to `exit`, then
        // records it (`hive container cleanup`, which may take a while on a
        // loaded machine): either one tells; a --rm one's `die` event, once it is gone
        let watch = try ExitWatch(self, ref)
        var r = watch.first
        while isAlive(r) {
            usleep(5000)
            guard let n = try store.container(r.id) else { return watch.status() ?? -1 }
            r = n
        }
        let deadline = Timestamp.now().unixNanos + 30_000_000_000
        while Timestamp.now().unixNanos < deadline {
            if let code = watch.exitFile() { return code }
            guard let n = try store.container(r.id) else { return watch.status() ?? -1 }
            if n.state != .running { return n.exitCode ?? (n.state == .created ? 0 : -1) }  // Docker: 0 for one never started
            usleep(2000)
        }
        return (try store.container(r.id))?.exitCode ?? -1
    }

    public func logPath(_ ref: String) throws -> (String, ContainerRecord) {
        let r = try record(ref)
        return (containerDir(r.id) + "/log", r)
    }

    public func isRunning(_ ref: String) -> Bool {
        (try? store.container(ref)).flatMap { $0 }.map(isAlive) ?? false
    }
}

extension Engine {
    /// `start -a`: launches in this process from the stored plan and waits
    /// (`stdin`: `-i`, this process's stdin is the container's). A container
    /// with a restart policy or a health check starts under its monitor
    /// instead, this command attached to it (`runSupervised`).
    public func startAttached(_ ref: String, stdin: Bool = false, detachKeys: [UInt8]? = nil) throws -> Int32 {
        let r = try record(ref)
        guard !isAlive(r), !isRestarting(r) else { throw HiveError(.conflict, "container \(ref) is already running") }
        if let s = spec(r), needsMonitor(s) || detachKeys != nil {
            let streams = AttachStreams(stdin: stdin && s.interactive == true, stdout: true, stderr: true)
            return try runSupervised(r, streams: streams, detachKeys: detachKeys)
        }
        try checkDevicePolicy(r)
        try refreshJoins(r)
        try preStart(r)
        startedByUser(r.id)
        try store.lockShared()
        try attachNetwork(r)
        let pid: pid_t
        do { pid = try Launcher.launch(planFile: containerDir(r.id) + "/plan") } catch let e as LaunchError {
            detachNetwork(r.id)
            try markLaunchFailed(r.id, e.exitCode)
            throw e.hiveError
        }
        try store.db.transaction(durable: false) { () throws(HiveError) in
            let start = ProcStat.startTime(pid) ?? 0
            try store.markRunning(r.id, pid: pid, pidStart: start, at: Timestamp.now().unixNanos)
            try holdNetwork(r.id, pid: pid, start: start)
        }
        store.unlock()
        postStart(r, pid: pid)
        // a container created with -t talks through its terminal: proxy it
        let master = Launcher.lastPtyMaster
        let status = master >= 0 ? Launcher.proxy(master: master, pid: pid) : Launcher.wait(pid, forwardSignals: true)
        try containerExited(r, status: status, at: Timestamp.now().unixNanos, autoRemove: spec(r)?.autoRemove == true)
        return status
    }
}

extension Engine {
    /// `hive exec`: runs `argv` in a running container; its exit status (or 0 with `detach`).
    /// `privileged`: every capability for this process (Docker's exec --privileged);
    /// `detachKeys`: with a tty, typing them leaves the process running (Docker's default ctrl-p,ctrl-q).
    public func exec(_ ref: String, argv: [String], env: [String], user: String?, workdir: String?, detach: Bool, tty: Bool = false,
                     privileged: Bool = false, detachKeys: [UInt8] = AttachProtocol.Options().detachKeys) throws -> Int32 {
        let r = try record(ref)
        guard isAlive(r), let target = r.pid else {
            throw HiveError(.conflict, "container \(ref) is not running (hive start \(ref) starts it)")
        }
        guard !argv.isEmpty else { throw HiveError(.invalidArgument, "exec needs a command") }
        if isPaused(r.id) { throw HiveError(.conflict, "container \(ref) is paused, unpause the container before exec") }
        if let w = workdir, !w.hasPrefix("/") { throw HiveError(.invalidArgument, "the working directory \"\(w)\" is invalid: it must be absolute") }
        var resolved: ResolvedUser? = nil
        if let user {
            let layers = try store.layers(of: r.imageID).reversed().map { store.layerDiffDir($0.chainID) }
            resolved = try UserResolver.resolve(user, layers: [containerDir(r.id) + "/upper"] + layers)
        }
        var expanded: [String] = []
        for e in env {
            if e.contains("=") { expanded.append(e) } else if let v = getenv(e) { expanded.append(e + "=" + String(cString: v)) }
        }
        var stdio: (Int32, Int32, Int32) = (-1, -1, -1)
        if detach {
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            stdio = (null, null, null)
        }
        let pid: pid_t
        do {
            pid = try Launcher.exec(target: target, targetStart: r.pidStart, planFile: containerDir(r.id) + "/plan", argv: argv, env: expanded,
                                    user: resolved, cwd: workdir, stdio: stdio, tty: tty && !detach, privileged: privileged)
        } catch let e as LaunchError {
            throw e.hiveError
        }
        if detach { return 0 }
        if tty, Launcher.lastPtyMaster >= 0 { return Launcher.proxy(master: Launcher.lastPtyMaster, pid: pid, detachKeys: detachKeys) }
        return Launcher.wait(pid, forwardSignals: true)
    }
}
