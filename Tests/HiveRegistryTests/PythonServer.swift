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
        let p = try LoopbackRegistry.spawn(["/usr/bin/python3", path, String(port), dir], log: dir + "/server-\(port).log")
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
