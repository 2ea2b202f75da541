// hive.exec for hooks in root-owned system directories: argv only (no shell,
// no PATH search), stdin from /dev/null, output captured (1 MiB each), and a
// timeout after which the command is killed.
import Glibc
import HiveOCI
import HivePlatform

enum HookExec {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ argv: [String], timeoutNanos: Int64) throws(HiveError) -> Result {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard Files.pipeCloexec(&outPipe) == 0 else { throw HiveError.errno("hive.exec: pipe") }
        guard Files.pipeCloexec(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw HiveError.errno("hive.exec: pipe")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var pid: pid_t = 0
        let cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { free(env[0]) }
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cargs, env)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw HiveError(.io, "hive.exec: cannot run \(argv[0])", cause: String(cString: strerror(rc)))
        }
        var out: [UInt8] = [], err: [UInt8] = []
        var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0), pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
        let deadline = HostProcess.monotonicNanos() + timeoutNanos
        var open = 2
        var buf = [UInt8](repeating: 0, count: 65536)
        var timedOut = false
        while open > 0 {
            let left = deadline - HostProcess.monotonicNanos()
            if left <= 0 { timedOut = true; break }
            let n = poll(&fds, 2, Int32(min(left / 1_000_000 + 1, 1000)))
            if n < 0 && errno == EINTR { continue }
            for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                let r = read(fds[i].fd, &buf, buf.count)
                if r > 0 {
                    if i == 0 { if out.count < 1 << 20 { out += buf[0..<r] } } else if err.count < 1 << 20 { err += buf[0..<r] }
                } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[i].fd)
                    fds[i].fd = -1
                    open -= 1
                }
            }
        }
        for f in fds where f.fd >= 0 { close(f.fd) }
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut { throw HiveError(.io, "hive.exec: \(argv[0]) did not finish within \(timeoutNanos / 1_000_000) ms and was killed") }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}
