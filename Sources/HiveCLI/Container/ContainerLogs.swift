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
        var q = Engine.LogQuery()
        q.since = try c.args.value("since").map(HumanTime.parseFilter)
        q.until = try c.args.value("until").map(HumanTime.parseFilter)
        q.tail = try c.args.value("tail").flatMap(Engine.LogQuery.tail)
        q.follow = c.args.flag("follow")
        let stamps = c.args.flag("timestamps"), details = c.args.flag("details")
        try engine.readLog(c.args.positionals[0], q) { entries in
            for e in entries {
                let text = (stamps ? e.fixedTime + " " : "") + (details ? e.details : "") + e.log
                if e.stream == "stderr" { c.out.flush(); c.err.write(text); c.err.flush() } else { c.out.write(text) }
            }
            c.out.flush()
            return true
        }
        return 0
    }
}
