// A test's own small python3 HTTP server on 127.0.0.1 (a token server for
// the Bearer flow, or a misbehaving registry for what a real one will not
// do): the script is given as text, gets its port as argv[1] and a work
// directory as argv[2]; stopped on deinit.
#if canImport(Glibc)
import Glibc
#endif
import HivePlatform

final class PythonServer {
    static var available: Bool { access("/usr/bin/python3", X_OK) == 0 }
    let port: Int
    let dir: String
    private let pid: pid_t

    init(script: String, dir: String) throws {
        self.dir = dir
        port = try LoopbackRegistry.freePort()
        let path = dir + "/server-\(port).py"
        try LoopbackRegistry.write(path, script)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/server-\(port).log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["/usr/bin/python3", path, String(port), dir]
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        // The test runner's threads block signals; the server gets an empty mask.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var p: pid_t = 0
        let rc = posix_spawn(&p, "/usr/bin/python3", &actions, &attr, &cargs, environ)
        guard rc == 0 else { throw HiveError.errno("cannot start python3", rc) }
        pid = p
        for _ in 0..<200 {
            if LoopbackRegistry.connects(port) { return }
            usleep(25_000)
        }
        throw HiveError(.timeout, "the python server does not listen on 127.0.0.1:\(port) (see \(dir)/server-\(port).log)")
    }

    deinit {
        kill(pid, SIGKILL)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
    }
}
