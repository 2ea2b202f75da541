// `hive logs -f` waiting for more: inotify on the container's directory (the
// log's writes, its rotation, a new log file) and a pidfd on the container's
// init (its exit ends the follow), not a timer, so an idle follower costs no
// CPU and sees the exit at once. Where neither can be had (no pidfd: the
// process is gone or not ours), it checks the record every second.
import Glibc
import HivePlatform
import HiveStore

public final class LogFollower {
    let engine: Engine
    let id: String
    let inotify: Int32
    var pidfd: Int32 = -1
    /// The container was running when the follow began, and still is as far as this knows.
    public private(set) var running: Bool

    init(engine: Engine, record r: ContainerRecord) {
        self.engine = engine
        id = r.id
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if inotify >= 0 {
            // events on the files in it too: the log's writes, log -> log.1, a new log
            _ = inotify_add_watch(inotify, engine.containerDir(r.id),
                                  UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF))
        }
        running = engine.isAlive(r)
        if running, let pid = r.pid {
            pidfd = ProcStat.pidfd(pid, start: r.pidStart) ?? -1
        }
    }

    deinit {
        if inotify >= 0 { close(inotify) }
        if pidfd >= 0 { close(pidfd) }
    }

    /// Sleeps until the log may have changed, the container exited (then
    /// `running` is false) or `timeoutMs` passed (-1: none; the API's reader checks its client).
    public func wait(timeoutMs: Int32 = -1) {
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
        let timeout: Int32 = inotify >= 0 && pidfd >= 0 ? timeoutMs : (timeoutMs < 0 ? 1000 : min(timeoutMs, 1000))
        let n = poll(&fds, 2, timeout)
        if n > 0 && fds[0].revents != 0 {
            var buf = [UInt8](repeating: 0, count: 4096)
            while Glibc.read(inotify, &buf, buf.count) > 0 {}  // drained: what changed is read from the file
        }
        if pidfd >= 0 {
            if n > 0 && fds[1].revents != 0 { running = false }
        } else {
            running = engine.isRunning(id)
        }
        // its last output reaches the log after the exit (the monitor's or the
        // foreground run's drain), before the exit is recorded: wait for that
        if !running { engine.waitRecorded(id, seconds: 5) }
    }
}

extension Engine {
    /// `logs -f`: what waits for a container's log to grow, until it exits.
    public func followLog(_ ref: String) throws -> LogFollower { LogFollower(engine: self, record: try record(ref)) }
}
