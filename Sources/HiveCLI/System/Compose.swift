// `hive compose [-f FILE] [-p NAME] COMMAND ...`: the real `docker compose`
// (v2) against a private Engine API service, as `podman compose` does. The
// service runs in this process, on a thread, on a socket of its own under
// the run root, for as long as compose runs; compose gets DOCKER_HOST and the
// classic builder (DOCKER_BUILDKIT=0, COMPOSE_DOCKER_CLI_BUILD=0). The exit
// status is compose's. Where no compose is installed it says how to get one.
import Glibc
import HiveAPI
import HiveEngine
import HivePlatform

/// The running compose, for the signal handler that passes SIGTERM on.
nonisolated(unsafe) private var composeChild: pid_t = 0

enum Compose {
    static let def = CommandDef(
        name: "compose", aliases: ["compose"], usage: "[OPTIONS] COMMAND [ARGS...]",
        summary: "Run docker compose (v2) against hive through a private Engine API socket",
        options: [
            .multi("file", "f", "file", "Compose configuration files"),
            .value("project-name", "p", "name", "Project name"),
            .value("project-directory", nil, "path", "Alternate working directory (default: the first file's directory)"),
            .multi("profile", nil, "name", "A profile to enable"),
            .multi("env-file", nil, "file", "An alternate environment file"),
        ], interspersed: false, run: run)

    /// Where the docker CLI looks for plugins (it has no variable for them).
    static let pluginDirs = ["/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
                             "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins"]

    static func run(_ c: Context) throws -> Int32 {
        let binary = try findCompose()
        var args = [binary]
        for f in c.args.all("file") { args += ["-f", f] }
        if let p = c.args.value("project-name") { args += ["-p", p] }
        if let d = c.args.value("project-directory") { args += ["--project-directory", d] }
        for p in c.args.all("profile") { args += ["--profile", p] }
        for e in c.args.all("env-file") { args += ["--env-file", e] }
        args += c.args.positionals

        let engine = try c.engine()
        let socket = engine.store.runroot + "/compose-\(getpid()).sock"
        var settings = APIServer.Settings(root: engine.store.root, runroot: engine.store.runroot, socketPath: socket,
                                          engineOptions: c.globals.engineOptions)
        settings.idleSeconds = 0
        let service = try PrivateService(settings)
        defer { service.stop() }
        return try spawnAndWait(args, environment: environment(socket: socket))
    }

    /// $HIVE_COMPOSE, then `docker-compose` on PATH, then the docker CLI's plugin dirs.
    static func findCompose() throws -> String {
        if let e = getenv("HIVE_COMPOSE"), e.pointee != 0 {
            let path = String(cString: e)
            guard access(path, X_OK) == 0 else {
                throw HiveError(.notFound, "HIVE_COMPOSE=\(path) is not an executable file: point it at a docker-compose (v2) binary")
            }
            return path
        }
        var candidates: [String] = []
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where dir.hasPrefix("/") { candidates.append(dir + "/docker-compose") }
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        let config = getenv("DOCKER_CONFIG").map { String(cString: $0) } ?? home + "/.docker"
        candidates.append(config + "/cli-plugins/docker-compose")
        candidates += pluginDirs.map { $0 + "/docker-compose" }
        for p in candidates {
            var st = stat()
            if stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(p, X_OK) == 0 { return p }
        }
        throw HiveError(.notFound, "docker compose (v2) is not installed: install Debian's docker-compose package "
            + "(trixie or later), run scripts/get-compose.sh from hive's source tree, or set HIVE_COMPOSE to a docker-compose binary")
    }

    /// This process's environment with compose pointed at the private socket.
    static func environment(socket: String) -> [String] {
        let replaced = ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
                        "DOCKER_BUILDKIT", "COMPOSE_DOCKER_CLI_BUILD"]
        var env: [String] = []
        var p = environ
        while let s = p.pointee {
            let entry = String(cString: s)
            let name = entry.prefix { $0 != "=" }
            if !replaced.contains(String(name)) { env.append(entry) }
            p += 1
        }
        return env + ["DOCKER_HOST=unix://" + socket, "DOCKER_BUILDKIT=0", "COMPOSE_DOCKER_CLI_BUILD=0"]
    }

    /// Runs compose on this terminal and waits for it. Ctrl-C reaches compose
    /// (the terminal's process group), which may still need the service to
    /// stop its containers: this process ignores SIGINT and SIGQUIT meanwhile,
    /// as system(3) does; compose gets them back at its default.
    static func spawnAndWait(_ argv: [String], environment: [String]) throws -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGQUIT)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))
        let oldInt = signal(SIGINT, SIG_IGN)
        let oldQuit = signal(SIGQUIT, SIG_IGN)
        defer { signal(SIGINT, oldInt); signal(SIGQUIT, oldQuit) }
        let cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let env = environment.map { strdup($0) } + [nil]
        defer { for p in env { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], nil, &attr, cargs, env)
        guard rc == 0 else {
            throw HiveError(.cannotInvoke, "cannot run \(argv[0])", cause: String(cString: strerror(rc)))
        }
        // SIGTERM and SIGHUP sent to hive (a CI runner's timeout, a closed
        // terminal) are passed on: compose ends, then the service
        composeChild = pid
        var forward = sigaction()
        forward.__sigaction_handler.sa_handler = { sig in if composeChild > 0 { kill(composeChild, sig) } }
        sigemptyset(&forward.sa_mask)
        forward.sa_flags = SA_RESTART
        var oldTerm = sigaction(), oldHup = sigaction()
        sigaction(SIGTERM, &forward, &oldTerm)
        sigaction(SIGHUP, &forward, &oldHup)
        defer {
            sigaction(SIGTERM, &oldTerm, nil)
            sigaction(SIGHUP, &oldHup, nil)
            composeChild = 0
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw HiveError.errno("waiting for \(argv[0])") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Glibc does not export to Swift
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}

/// An APIServer on a thread of this process, listening before `init`
/// returns; `stop()` ends it and waits for its thread.
final class PrivateService {
    private let server: APIServer
    /// The server thread writes "R" once listening and closes its end when run() returns.
    private let readFD: Int32
    private var failure: (any Error)?
    private var stopped = false

    init(_ settings: APIServer.Settings) throws {
        server = APIServer(settings: settings)
        var p: [Int32] = [-1, -1]
        guard Files.pipeCloexec(&p) == 0 else { throw HiveError.errno("compose: pipe") }
        readFD = p[0]
        let writeFD = p[1]
        server.onListening = {
            var b = UInt8(ascii: "R")
            _ = write(writeFD, &b, 1)
        }
        HostThread.detach { [self] in
            do { try server.run() } catch { failure = error }
            close(writeFD)
        }
        var b: UInt8 = 0
        var n: Int
        repeat { n = read(readFD, &b, 1) } while n < 0 && errno == EINTR
        if n != 1 {
            close(readFD)
            stopped = true
            throw failure ?? HiveError(.internal, "the compose service stopped before listening")
        }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        server.stop()
        var b: UInt8 = 0
        while true {
            let n = read(readFD, &b, 1)
            if n == 0 || (n < 0 && errno != EINTR) { break }
        }
        close(readFD)
    }
}
