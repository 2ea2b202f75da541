// Docker's exec instances (`POST /containers/{id}/exec`, `/exec/{id}/start`,
// `/exec/{id}/json`) without a daemon: each one is a small JSON file in its
// container's directory (DIR/exec/ID.json, gone with the container), made by
// create, updated by start (the pid, then the exit code), read by inspect.
// The process runs as `hive exec` runs one (Engine.exec's checks and user
// resolution, CHiveLaunch's hive_exec), through a helper child since the
// API service has many threads (HiveRuntime's ExecHelper).
import Glibc
import HiveArchive
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// What an exec instance was created with (Docker's ExecConfig).
    public struct ExecConfig: Sendable {
        public var argv: [String] = []
        public var env: [String] = []
        public var user: String?
        public var workdir: String?
        public var tty = false
        public var privileged = false
        public var stdin = false, stdout = true, stderr = true
        public var detachKeys = ""
        public var consoleSize: (rows: Int, columns: Int)?
        public init() {}
    }

    func execFile(_ containerID: String, _ execID: String) -> String { containerDir(containerID) + "/exec/" + execID + ".json" }

    /// `POST /containers/{id}/exec`: checks the container runs and keeps the config; the exec's ID.
    public func createExec(_ ref: String, _ c: ExecConfig) throws -> String {
        let r = try record(ref)
        guard isAlive(r) else { throw HiveError(.conflict, "Container \(r.id) is not running") }
        if isPaused(r.id) { throw HiveError(.conflict, "Container \(r.id) is paused, unpause the container before exec") }
        guard !c.argv.isEmpty else { throw HiveError(.invalidArgument, "No exec command specified") }
        if let w = c.workdir, !w.hasPrefix("/") {
            throw HiveError(.invalidArgument, "the working directory \"\(w)\" is invalid: it must be absolute")
        }
        if !c.detachKeys.isEmpty { _ = try AttachProtocol.detachKeys(c.detachKeys) }
        let id = DockerNames.randomID()
        let dir = containerDir(r.id) + "/exec"
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw HiveError.errno("cannot make \(dir)") }
        var o: [String: JSONValue] = [
            "ID": .string(id), "ContainerID": .string(r.id), "Running": .bool(false), "ExitCode": .null, "Pid": .int(0),
            "ProcessConfig": .object([
                "tty": .bool(c.tty), "entrypoint": .string(c.argv[0]), "arguments": .array(c.argv.dropFirst().map(JSONValue.string)),
                "privileged": .bool(c.privileged), "user": .string(c.user ?? ""), "workingDir": .string(c.workdir ?? ""),
            ]),
            "OpenStdin": .bool(c.stdin), "OpenStderr": .bool(c.stderr), "OpenStdout": .bool(c.stdout), "CanRemove": .bool(false),
            "DetachKeys": .string(c.detachKeys), "Env": .array(c.env.map(JSONValue.string)),
        ]
        if let cs = c.consoleSize { o["ConsoleSize"] = .array([.int(Int64(cs.rows)), .int(Int64(cs.columns))]) }
        try Files.write(execFile(r.id, id), (JSONValue.object(o)).serialized(), mode: 0o600)
        logEvent(containerEvent(r, "exec_create: " + c.argv.joined(separator: " "), ["execID": id]))
        return id
    }

    /// An exec instance's record (`GET /exec/{id}/json`: Docker's ExecInspect).
    public func execInfo(_ execID: String) throws -> JSONValue {
        let (_, path) = try findExec(execID)
        guard let bytes = Files.read(path), var o = (try? JSONValue.parse(bytes))?.objectValue else {
            throw HiveError(.notFound, "No such exec instance: \(execID)")
        }
        // a process that ended while nobody recorded it (its service went): not running, no exit code
        if o["Running"] == .bool(true), let pid = o["Pid"]?.intValue, !ProcStat.alive(pid_t(pid), start: o["PidStart"]?.intValue) {
            o["Running"] = .bool(false)
        }
        o["Env"] = nil
        o["PidStart"] = nil
        return .object(o)
    }

    /// The container an exec ID belongs to, and its record's path.
    func findExec(_ execID: String) throws -> (String, String) {
        guard !execID.isEmpty, !execID.contains("/"), !execID.hasPrefix(".") else {
            throw HiveError(.notFound, "No such exec instance: \(execID)")
        }
        for cid in Files.names(in: store.containersDir) {
            let path = execFile(cid, execID)
            if access(path, F_OK) == 0 { return (cid, path) }
        }
        throw HiveError(.notFound, "No such exec instance: \(execID)")
    }

    /// `POST /exec/{id}/start`: runs the exec's command with `stdio` (its
    /// ends: -1 for /dev/null... the caller's pipes) or, with its tty, a pty
    /// whose master the helper holds. Returns the running helper; `finishExec` records the end.
    /// `beforeLaunch` runs once every check passed, just before the process
    /// starts (the API answers `101 UPGRADED` there: a client reading the
    /// head with a buffered reader would swallow output sent with it).
    public func startExec(_ execID: String, stdio: (Int32, Int32, Int32), tty: Bool?,
                          beforeLaunch: () throws -> Void = {}) throws -> (ExecHelper, config: JSONValue) {
        let (cid, path) = try findExec(execID)
        guard let bytes = Files.read(path), var o = (try? JSONValue.parse(bytes))?.objectValue else {
            throw HiveError(.notFound, "No such exec instance: \(execID)")
        }
        if o["Running"] == .bool(true) || o["Pid"]?.intValue ?? 0 != 0 {
            throw HiveError(.conflict, "Exec \(execID) has already run (Docker runs an exec instance once)")
        }
        let r = try record(cid)
        guard isAlive(r), let target = r.pid else { throw HiveError(.conflict, "Container \(r.id) is not running") }
        if isPaused(r.id) { throw HiveError(.conflict, "Container \(r.id) is paused, unpause the container before exec") }
        let pc = o["ProcessConfig"]?.objectValue ?? [:]
        let argv = [pc["entrypoint"]?.stringValue ?? ""] + (pc["arguments"]?.arrayValue ?? []).compactMap(\.stringValue)
        let user = pc["user"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let workdir = pc["workingDir"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        var resolved: ResolvedUser? = nil
        if let user {
            let layers = try store.layers(of: r.imageID).reversed().map { store.layerDiffDir($0.chainID) }
            resolved = try UserResolver.resolve(user, layers: [containerDir(r.id) + "/upper"] + layers)
        }
        let useTTY = tty ?? (pc["tty"] == .bool(true))
        try beforeLaunch()
        let helper: ExecHelper
        do {
            helper = try Launcher.execThroughHelper(
                target: target, targetStart: r.pidStart, planFile: containerDir(r.id) + "/plan", argv: argv,
                env: (o["Env"]?.arrayValue ?? []).compactMap(\.stringValue), user: resolved, cwd: workdir, stdio: stdio,
                tty: useTTY, privileged: pc["privileged"] == .bool(true))
        } catch let e as LaunchError {
            throw e.hiveError
        }
        o["Running"] = .bool(true)
        o["Pid"] = .int(Int64(helper.pid))
        o["PidStart"] = .int(ProcStat.startTime(helper.pid) ?? 0)
        try? Files.write(path, JSONValue.object(o).serialized(), mode: 0o600)
        logEvent(containerEvent(r, "exec_start: " + argv.joined(separator: " "), ["execID": execID]))
        return (helper, .object(o))
    }

    /// The exec's process ended with `status`: its record says so (and an exec_die event).
    public func finishExec(_ execID: String, status: Int32) {
        guard let (cid, path) = try? findExec(execID), let bytes = Files.read(path),
              var o = (try? JSONValue.parse(bytes))?.objectValue else { return }
        o["Running"] = .bool(false)
        o["ExitCode"] = .int(Int64(status))
        try? Files.write(path, JSONValue.object(o).serialized(), mode: 0o600)
        if let r = try? store.container(cid) {
            logEvent(containerEvent(r, "exec_die", ["execID": execID, "exitCode": String(status)]))
        }
    }

    /// `POST /exec/{id}/resize`: the size of a running exec's terminal (its
    /// stdin is the pty: TIOCSWINSZ on it, as the monitor does for a container).
    public func resizeExec(_ execID: String, rows: Int, columns: Int) throws {
        let info = try execInfo(execID)
        guard info["Running"] == .bool(true), let pid = info["Pid"]?.intValue, pid > 0 else {
            throw HiveError(.conflict, "exec \(execID) is not running")
        }
        guard info["ProcessConfig"]?["tty"] == .bool(true) else { return }
        let fd = open("/proc/\(pid)/fd/0", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot reach the terminal of exec \(execID)") }
        defer { close(fd) }
        Terminal.setSize(fd, rows: rows, columns: columns)
    }
}
