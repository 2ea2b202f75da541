// Restart policies (issue #14, `--restart`): the engine decides, the
// container's monitor waits and relaunches (hive-monitor's restart.c). After
// an exit the monitor runs `container cleanup` (monitorCleanup), which
// records the exit and answers "R<delay_ms>" when Docker's rules restart it;
// after the backoff it runs `container restart-run` (restartRun): pre-start
// hooks, the network, then the monitor launches the plan again. `stop`,
// `kill` and `rm -f` of a restarting container end the policy through its
// monitor; `start --all` brings back what Docker's daemon would after a reboot.
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// The container's monitor lives (its recorded pid, checked by its start time).
    func monitorAlive(_ r: ContainerRecord) -> Bool {
        guard let pid = r.monitorPid else { return false }
        return ProcStat.alive(pid, start: r.monitorStart)
    }

    /// Between two runs under its restart policy: exited, its monitor waiting out the backoff.
    func isRestarting(_ r: ContainerRecord) -> Bool {
        r.restarting && r.state != .created && !isAlive(r) && monitorAlive(r)
    }

    /// The marker of a stop by the user (`stop`, `kill` with a stopping
    /// signal, `rm -f`): on-stop's "by", no restart, and none after a reboot
    /// with unless-stopped; it stays until the user starts the container again.
    func stoppingMarker(_ id: String) -> String { containerDir(id) + "/stopping" }
    func markStopping(_ id: String) { try? Files.write(stoppingMarker(id), "\(Timestamp.now().unixNanos)\n") }
    private func backoffFile(_ id: String) -> String { containerDir(id) + "/restart-delay" }

    /// A start by the user (`start`, `restart`): a policy begins afresh.
    func startedByUser(_ id: String) {
        unlink(stoppingMarker(id))
        unlink(backoffFile(id))
    }

    /// Called by hive-monitor after the container exited: decide the restart
    /// (answered on `reply` first, so the backoff runs while this goes on),
    /// then record the exit (on-exit, on-stop, die; --rm).
    public func monitorCleanup(_ id: String, reply: Int32? = nil) throws {
        guard let r = try store.container(id) else { return }
        let dir = containerDir(r.id)
        let exit = MonitorProtocol.readExit(containerDir: dir)
        let status = exit?.status ?? -1, at = exit?.at ?? Timestamp.now().unixNanos
        let byUser = access(stoppingMarker(r.id), F_OK) == 0
        let s = spec(r)
        if let reply, let policy = s?.restartPolicy, s?.autoRemove != true,
           policy.restarts(exitCode: status, restartCount: r.restartCount, stoppedByUser: byUser) {
            let previous = Files.readText(backoffFile(r.id)).flatMap { Int64($0.trimmed) }
            let delay = RestartPolicy.nextDelayMs(previous: previous, lastRunNanos: at - (r.started ?? at))
            try? Files.write(backoffFile(r.id), "\(delay)\n")
            try store.db.transaction(durable: false) { () throws(HiveError) in try store.markRestarting(r.id, true) }
            MonitorProtocol.sendRestart(reply, delayMs: delay)
        }
        try containerExited(r, status: status, at: at, autoRemove: s?.autoRemove == true)
    }

    /// Called by hive-monitor after a backoff: pre-start hooks and the
    /// network, then the monitor launches the container again (asked on
    /// `channel`). A deny, a stop meanwhile, or an error ends the policy.
    public func restartRun(_ id: String, channel: Int32) throws {
        guard let r = try store.container(id) else { return }
        func end(_ reason: String?) {
            try? store.db.transaction(durable: false) { () throws(HiveError) in try store.markRestarting(r.id, false) }
            guard let reason else { return }
            logger.line("hive: warning: container \(r.name) not restarted: \(reason)")
            logEvent(containerEvent(r, "restart-ended", ["reason": reason]))
        }
        if access(stoppingMarker(r.id), F_OK) == 0 || isAlive(r) { return end(nil) }
        do {
            try checkDevicePolicy(r)
            try preStart(r)
            // --ipc/--pid container:NAME: that container's init now (it may have
            // restarted too); one not running leaves the plan as it is, so the
            // launch fails and counts as an exit: the policy tries again after its backoff
            try? refreshJoins(r)
            unlink(containerDir(r.id) + "/" + MonitorProtocol.exitFile)
            try attachNetwork(r)
        } catch let e as HiveError {
            detachNetwork(r.id)
            return end(e.description)
        }
        switch MonitorProtocol.relaunch(channel) {
        case .started(let pid):
            try store.db.transaction(durable: false) { () throws(HiveError) in
                let start = ProcStat.startTime(pid) ?? 0
                try store.markRestarted(r.id, pid: pid, pidStart: start, at: Timestamp.now().unixNanos)
                try holdNetwork(r.id, pid: pid, start: start)
            }
            postStart(r, pid: pid)
        case .failed(_, let message):
            // counts as an exit with its status: the monitor records it and asks again
            detachNetwork(r.id)
            try? store.db.transaction(durable: false) { () throws(HiveError) in try store.markRestarted(r.id, pid: nil, pidStart: 0, at: Timestamp.now().unixNanos) }
            logger.line("hive: warning: container \(r.name) did not restart: \(message)")
        case nil:
            detachNetwork(r.id)
            end("its monitor did not launch it")
        }
    }

    /// `stop`, `kill`, `rm -f` of a container between two runs: its monitor
    /// is told to end the policy (SIGTERM, SIGKILL after 10 s), and it
    /// counts as stopped by the user. The record as it is afterwards (the
    /// container may have been relaunched meanwhile: then it runs).
    func endRestarting(_ r: ContainerRecord) throws -> ContainerRecord {
        // restarting, or its exit not yet recorded (the monitor's cleanup is deciding)
        guard r.restarting || r.state == .running, !isAlive(r), monitorAlive(r), let monitor = r.monitorPid else { return r }
        markStopping(r.id)
        kill(monitor, SIGTERM)
        if !waitGone(pid: monitor, start: r.monitorStart, seconds: 10) { kill(monitor, SIGKILL) }
        try store.db.transaction(durable: false) { () throws(HiveError) in try store.markRestarting(r.id, false) }
        return try store.container(r.id) ?? r
    }

    /// `hive start --all [--filter restart-policy=P]`: after a reboot (the
    /// processes gone, the runroot empty), starts what Docker's daemon brings
    /// back on its start; `policies` narrows it. The containers it starts
    /// (IDs), and the ones that failed with why.
    public func startAll(policies: Set<String>? = nil) throws -> (started: [String], failed: [(String, HiveError)]) {
        var started: [String] = [], failed: [(String, HiveError)] = []
        for summary in try store.allContainers().reversed() {
            // a summary has no config: the full record only of one that may restart
            guard summary.started != nil, !isAlive(summary), !monitorAlive(summary),
                  let r = try store.container(summary.id),
                  let policy = spec(r)?.restartPolicy, policies?.contains(policy.name) ?? true,
                  policy.restartsAfterReboot(exitCode: r.state == .running ? nil : r.exitCode, restartCount: r.restartCount,
                                             stoppedByUser: access(stoppingMarker(r.id), F_OK) == 0)
            else { continue }
            do {
                started.append(try startDetached(r.id))
            } catch let e as HiveError {
                failed.append((r.name, e))
            }
        }
        return (started, failed)
    }
}
