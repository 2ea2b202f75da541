// `hive logs [-f] [--tail N] [--since T] [--until T] [-t] [--details] CONTAINER`:
// the JSON-lines log (hive-monitor's, or the foreground run's), each line back
// to its stream, across the rotated files (log.N[.gz] ... log.1[.gz], then
// log; read by HiveRuntime's ContainerLog); --details puts each record's
// attrs (--log-opt labels=/env=) before it as Docker does. A line the
// monitor split into records comes back whole: only its last record ends
// in "\n". -f waits on inotify and the container's pidfd (HiveEngine's
// LogFollower), no polling.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerLogs {
    static let def = CommandDef(
        name: "logs", aliases: ["logs", "container logs"], usage: "[OPTIONS] CONTAINER",
        summary: "Fetch the logs of a container",
        options: [
            .flag("follow", "f", "Follow log output"),
            .value("tail", "n", "string", "Number of lines to show from the end of the logs (default \"all\")"),
            .value("since", nil, "string", "Show logs since timestamp or relative (e.g. 42m)"),
            .value("until", nil, "string", "Show logs before a timestamp or relative (e.g. 42m)"),
            .flag("timestamps", "t", "Show timestamps"),
            .flag("details", nil, "Show extra details provided to logs"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let engine = try c.engine()
        let log = try engine.containerLog(c.args.positionals[0])
        let since = try c.args.value("since").map(HumanTime.parseFilter)
        let until = try c.args.value("until").map(HumanTime.parseFilter)
        var tail: Int? = nil
        if let t = c.args.value("tail"), t != "all" {
            guard let n = Int(t), n >= 0 else { throw HiveError(.invalidArgument, "invalid --tail \"\(t)\" (a number or all)") }
            tail = n
        }
        let stamps = c.args.flag("timestamps"), details = c.args.flag("details")
        func emit(_ entries: [ContainerLog.Entry]) {
            for e in entries {
                let t = e.timeNanos
                if let since, t < since { continue }
                if let until, t > until { continue }
                let text = (stamps ? e.fixedTime + " " : "") + (details ? e.details : "") + e.log
                if e.stream == "stderr" { c.out.flush(); c.err.write(text); c.err.flush() } else { c.out.write(text) }
            }
            c.out.flush()
        }
        // the follower first: a line written between the read and its watch is not missed
        let follower = c.args.flag("follow") ? try engine.followLog(c.args.positionals[0]) : nil
        emit(log.readAll(tail: tail))
        if let follower {
            // woken by inotify as the log grows, ended by the container's exit (its pidfd)
            while follower.running {
                follower.wait()
                emit(log.readNew())
            }
            emit(log.readNew())
        }
        return 0
    }
}
