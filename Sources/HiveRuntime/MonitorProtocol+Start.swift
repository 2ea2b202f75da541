// Starting a detached container's monitor: spawned with a status pipe as its
// fd 3 (hive_spawn_monitor), then its one status line read and parsed.
import CHiveLaunch
import Glibc
import HivePlatform

extension MonitorProtocol {
    /// Starts the monitor (`arguments`, as `arguments(...)` makes them) and
    /// returns the pid of the container once it runs, and the monitor's own
    /// (a restart policy's stop signals it). If it did not start, throws the
    /// launch's error (its code carries the status: 126, 127...). With
    /// `attach` (one end of a socketpair; the arguments' flags have
    /// `.attached`), the monitor takes it as its first attach client before
    /// the container runs: the caller then runs the attach protocol on the
    /// other end and misses no output.
    public static func start(_ arguments: [String], attach: Int32 = -1) throws -> (pid: pid_t, monitor: pid_t) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw HiveError.errno("pipe") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let monitor = arguments[0]
        var cargs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var mpid: pid_t = 0
        let rc = cargs.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                hive_spawn_monitor(monitor, $0, fds[1], attach, &mpid)
            }
        }
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else {
            throw HiveError(.io, "cannot start the container monitor \(monitor)", cause: String(cString: strerror(rc)))
        }
        let status = readStatus(fds[0])
        if case .started(let pid) = status { return (pid, mpid) }
        var ws: Int32 = 0
        waitpid(mpid, &ws, 0)
        if case .failed(let code, let message) = status { throw LaunchError(message: message, exitCode: code).hiveError }
        throw HiveError(.io, "the container monitor exited without starting the container")
    }
}
