// `hive attach`: this terminal to a detached container through its monitor's
// attach socket (AttachProtocol; hive-monitor's attach.c serves it).
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Attaches to a running detached container until it exits (its status),
    /// the user detaches, or this client is signalled.
    public func attach(_ ref: String, options: AttachProtocol.Options) throws -> AttachProtocol.Outcome {
        let r = try record(ref)
        guard isAlive(r), let pid = r.pid else {
            throw HiveError(.conflict, "You cannot attach to a stopped container, start it first")
        }
        if isPaused(r.id) {
            throw HiveError(.conflict, "You cannot attach to a paused container, unpause it first")
        }
        let s = spec(r)
        var o = options
        if s?.interactive != true { o.stdin = false }
        if o.stdin && s?.tty == true && isatty(0) == 0 {
            throw HiveError(.invalidArgument, "the input device is not a TTY: attach with --no-stdin, or from a terminal")
        }
        let sock = try AttachProtocol.connect(containerDir: containerDir(r.id), name: r.name)
        // signals go to this init only: pinned by a pidfd, checked against its start time after
        var pidfd: Int32 = -1
        if o.sigProxy && s?.tty != true {
            pidfd = AttachProtocol.pidfd(pid)
            if pidfd >= 0 && !ProcStat.alive(pid, start: r.pidStart) { close(pidfd); pidfd = -1 }
        }
        defer { if pidfd >= 0 { close(pidfd) } }
        let outcome = AttachProtocol.run(sock, options: o, pidfd: pidfd)
        if outcome == .protocolError {
            throw HiveError(.corrupt, "the monitor of container \(r.name) does not speak this hive's attach protocol (it was started by another version of hive); restart the container to attach to it")
        }
        guard outcome == .lost else { return outcome }
        // the monitor ended the connection without the status: the container
        // exited as it closed, or the monitor is gone while it runs
        if let now = try store.container(r.id), isAlive(now), now.pidStart == r.pidStart {
            throw HiveError(.unavailable, "lost the connection to the monitor of container \(r.name); it still runs (hive attach \(r.name) again, or hive logs)")
        }
        return .exited(try wait(r.id))
    }
}
