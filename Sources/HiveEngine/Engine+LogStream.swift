// Reading a container's log for `hive logs` and the Engine API's
// `GET /containers/{id}/logs`: the entries in a time window (the last N),
// then, following, new ones as they come until the container exits.
import HivePlatform
import HiveRuntime

extension Engine {
    /// What to read of a log (`logs --tail --since --until -f`).
    public struct LogQuery: Sendable {
        public var tail: Int?
        /// Unix nanoseconds.
        public var since: Int64?, until: Int64?
        public var follow = false
        /// With follow: how often `emit` hears (with nothing new) that nothing came, so a reader can check its client (-1: never).
        public var idleMs: Int32 = -1
        public init() {}

        /// `--tail` / `tail=`: "all" (nil) or a count.
        public static func tail(_ t: String) throws -> Int? {
            if t == "all" || t.isEmpty { return nil }
            guard let n = Int(t), n >= 0 else { throw HiveError(.invalidArgument, "invalid --tail \"\(t)\" (a number or all)") }
            return n
        }
    }

    /// Hands the log's entries to `emit` (false from it: stop) in the
    /// query's window; following, until the container exits. The follower
    /// is made before the first read: a line written in between is not missed.
    public func readLog(_ ref: String, _ q: LogQuery, emit: ([ContainerLog.Entry]) -> Bool) throws {
        let log = try containerLog(ref)
        let follower = q.follow ? try followLog(ref) : nil
        func send(_ entries: [ContainerLog.Entry]) -> Bool {
            emit(entries.filter { e in
                let t = e.timeNanos
                return !(q.since.map { t < $0 } ?? false) && !(q.until.map { t > $0 } ?? false)
            })
        }
        guard send(log.readAll(tail: q.tail)) else { return }
        guard let follower else { return }
        // woken by inotify as the log grows, ended by the container's exit (its pidfd)
        while follower.running {
            follower.wait(timeoutMs: q.idleMs)
            guard send(log.readNew()) else { return }
        }
        _ = send(log.readNew())
    }
}
