// `hive events` following the event log ($ROOT/events.log): it waits on
// inotify, not a timer, so an idle follower costs no CPU. It watches the
// file (writes, its rename when the log rotates to events.log.1) and the
// store's directory for a new events.log; after a rotation it reads the rest
// of the old file, then the new one from its start.
import Glibc
import HivePlatform
import HiveStore

public final class EventFollower {
    let log: EventLog
    let inotify: Int32
    var fileWatch: Int32 = -1
    /// The file being read (its inode) and how far.
    var inode: ino_t = 0
    private var offset = 0

    init(log: EventLog) throws(HiveError) {
        self.log = log
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw HiveError.errno("cannot watch the event log \(log.path) (inotify)") }
        let dir = String(log.path[..<(log.path.lastIndex(of: "/") ?? log.path.endIndex)])
        guard inotify_add_watch(inotify, dir.isEmpty ? "/" : dir, UInt32(IN_CREATE | IN_MOVED_TO)) >= 0 else {
            close(inotify)
            throw HiveError.errno("cannot watch the event log's directory \(dir) (inotify)")
        }
        watchFile()
    }

    deinit { close(inotify) }

    /// (Re)watches the log file as it is now (none yet: the directory's watch sees it come).
    private func watchFile() {
        if fileWatch >= 0 { inotify_rm_watch(inotify, fileWatch) }
        fileWatch = inotify_add_watch(inotify, log.path, UInt32(IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF))
        var st = stat()
        inode = stat(log.path, &st) == 0 ? st.st_ino : 0
    }

    /// What the log gained since the last read; after a rotation, first the
    /// rest of the file it was.
    public func read() -> [EventRecord] {
        var out: [EventRecord] = []
        var st = stat()
        let now = stat(log.path, &st) == 0 ? st.st_ino : 0
        if now != inode {
            var old = stat()
            if inode != 0, stat(log.path + ".1", &old) == 0, old.st_ino == inode {
                out = log.read(from: offset, file: log.path + ".1").0
            }
            offset = 0
            watchFile()
        }
        let (events, next) = log.read(from: offset)
        offset = next
        return out + events
    }

    /// Skips what the log holds now: the next read gives only what comes after.
    public func skipToEnd() {
        var st = stat()
        if stat(log.path, &st) == 0 && st.st_ino == inode { offset = Int(st.st_size) }
    }

    /// Sleeps until the log may have changed or `timeoutMs` passed (-1: no timeout).
    public func wait(timeoutMs: Int32) {
        var p = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) > 0 else { return }
        var buf = [UInt8](repeating: 0, count: 4096)
        while Glibc.read(inotify, &buf, buf.count) > 0 {}  // drained: what changed is read from the file
    }
}

extension Engine {
    /// `hive events`: a reader of the event log from its start that can wait for more.
    public func followEvents() throws(HiveError) -> EventFollower { try EventFollower(log: eventLog) }
}

extension Engine {
    /// `hive events` and the Engine API's `GET /events`: the log's events
    /// from `since` (nil: from the log's start) that pass `filters`, in
    /// batches to `emit` (false from it: stop), then new ones as they come,
    /// until `until` (nil: for ever). `idleMs`: how often `emit` hears, with
    /// nothing, that nothing came (so a reader can check its client; -1: never).
    public func streamEvents(since: Int64?, until: Int64?, filters: [String: [String]], idleMs: Int32 = -1,
                             emit: ([EventRecord]) throws -> Bool) throws {
        let follower = try followEvents()
        while true {
            var batch: [EventRecord] = [], past = false
            for e in follower.read() {
                if let since, e.timeNano < since { continue }
                if let until, e.timeNano > until { past = true; break }
                if e.matches(filters) { batch.append(e) }
            }
            guard try emit(batch), !past else { return }
            let now = Timestamp.now().unixNanos
            if let until, now > until { return }
            // woken by inotify when the log changes; with until, at that time at the latest
            var timeout = until.map { Int32(clamping: ($0 - now) / 1_000_000 + 1) } ?? -1
            if idleMs >= 0 { timeout = timeout < 0 ? idleMs : min(timeout, idleMs) }
            follower.wait(timeoutMs: timeout)
        }
    }
}
