// A helper command run to completion with its output captured and a
// deadline: hooks' hive.exec, and next the registry's docker-credential-NAME
// helpers. posix_spawn, so nothing of this process is copied.
import CHivePlatform
import Glibc

extension HostProcess {
    public struct RunResult: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `argv[0]` (a path: no shell, no PATH search) with `environment`,
    /// `stdin` as its standard input (at most a pipe's 64 KiB; /dev/null
    /// when nil), its output captured (1 MiB each) and a deadline after which
    /// it is killed. `what` prefixes every error ("hive.exec").
    public static func run(_ argv: [String], environment: [String], stdin: [UInt8]? = nil, timeoutNanos: Int64,
                           what: String) throws(HiveError) -> RunResult {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard Files.pipeCloexec(&outPipe) == 0 else { throw HiveError.errno("\(what): pipe") }
        guard Files.pipeCloexec(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw HiveError.errno("\(what): pipe")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var inPipe: [Int32] = [-1, -1]
        if let stdin {
            guard stdin.count <= 65536, Files.pipeCloexec(&inPipe) == 0 else {
                close(outPipe[0]); close(outPipe[1]); close(errPipe[0]); close(errPipe[1])
                throw HiveError(.io, "\(what): cannot pass \(stdin.count) bytes of input to \(argv[0])")
            }
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var pid: pid_t = 0
        let cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let env = environment.map { strdup($0) } + [nil]
        defer { for p in env { free(p) } }
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cargs, env)
        close(outPipe[1])
        close(errPipe[1])
        if stdin != nil { close(inPipe[0]) }
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            if stdin != nil { close(inPipe[1]) }
            throw HiveError(.io, "\(what): cannot run \(argv[0])", cause: String(cString: strerror(rc)))
        }
        if let stdin {
            // fits the pipe's buffer: written whole before any output is read
            stdin.withUnsafeBytes { b in _ = write(inPipe[1], b.baseAddress, b.count) }
            close(inPipe[1])
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
        if timedOut { throw HiveError(.io, "\(what): \(argv[0]) did not finish within \(timeoutNanos / 1_000_000) ms and was killed") }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return RunResult(status: code, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}
