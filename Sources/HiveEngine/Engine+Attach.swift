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
        // signals go to this init only: pinned by a pidfd, checked against its start time
        let proxied = o.sigProxy && s?.tty != true ? r.pidStart : nil
        let outcome = AttachProtocol.run(sock, options: o, pid: proxied != nil ? pid : 0, pidStart: proxied ?? 0)
        try checkAttachEnd(outcome, r)
        return outcome == .lost ? .exited(try wait(r.id)) : outcome
    }

    /// An attach that ended without the container's status: the monitor
    /// speaks another protocol (an error), or the connection ended while the
    /// container still runs (an error); else the container exited as the
    /// connection closed, and the caller finds its status.
    func checkAttachEnd(_ outcome: AttachProtocol.Outcome, _ r: ContainerRecord) throws {
        if outcome == .protocolError {
            throw HiveError(.corrupt, "the monitor of container \(r.name) does not speak this hive's attach protocol (it was started by another build of hive); restart the container to attach to it")
        }
        if outcome == .lost, let now = try store.container(r.id), isAlive(now), now.pidStart == r.pidStart {
            throw HiveError(.unavailable, "lost the connection to the monitor of container \(r.name); it still runs (hive attach \(r.name) follows it, hive logs shows its output)")
        }
    }
}

extension Engine {
    /// Whether a container runs under its monitor even when started in the
    /// foreground: its restart policy or its health check is the monitor's work.
    func needsMonitor(_ s: ContainerSpec) -> Bool {
        s.restartPolicy?.restarts == true || s.healthcheck != nil
    }

    /// `run` without -d, and `start -a`, of a container that needs its
    /// monitor: it starts under its own monitor with this command attached
    /// through a socketpair the monitor takes before the container runs, so
    /// no output is missed and a slow terminal holds the container's output
    /// back, as a foreground run's pipe would. Returns the status of the
    /// container's first exit (a restart policy then goes on without this
    /// command, as Docker's), 0 when the user detaches (ctrl-p ctrl-q with a
    /// tty), 128+N when this command is ended by signal N.
    func runSupervised(_ r: ContainerRecord, streams: AttachStreams, detachKeys: [UInt8]? = nil, sigProxy: Bool = true) throws -> Int32 {
        let s = spec(r)
        if streams.stdin && s?.tty == true && isatty(0) == 0 {
            throw HiveError(.invalidArgument, "the input device is not a TTY: run without -t, or from a terminal")
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw HiveError.errno("socketpair")
        }
        do {
            _ = try startDetached(r.id, attach: pair[1])
            close(pair[1])
        } catch {
            close(pair[0])
            close(pair[1])
            throw error
        }
        let started = try store.container(r.id)
        var o = AttachProtocol.Options()
        o.stdin = streams.stdin
        o.stdinOnce = true
        o.dropStdout = !streams.stdout
        o.dropStderr = !streams.stderr
        o.sigProxy = sigProxy
        if let detachKeys { o.detachKeys = detachKeys }
        let proxied = sigProxy && s?.tty != true
        let outcome = AttachProtocol.run(pair[0], options: o, pid: proxied ? started?.pid ?? 0 : 0, pidStart: started?.pidStart ?? 0)
        try checkAttachEnd(outcome, started ?? r)
        switch outcome {
        case .exited(let status):
            // the monitor records the exit (and removes an --rm container) right after it sent it
            waitRecorded(r.id, seconds: 10)
            return status
        case .detached:
            return 0
        case .signalled(let sig):
            return 128 + sig
        case .lost, .protocolError:  // (checkAttachEnd threw for a protocol error, or a container that still runs)
            waitRecorded(r.id, seconds: 10)
            if let exit = MonitorProtocol.readExit(containerDir: containerDir(r.id)) { return exit.status }
            return try store.container(r.id)?.exitCode ?? 125
        }
    }
}
