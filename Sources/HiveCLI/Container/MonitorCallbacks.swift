// The verbs hive-monitor runs (not for users): `container cleanup ID`
// records a container's exit and decides its restart (monitorCleanup),
// `container restart-run ID` relaunches a container under its restart policy
// (restart.c; the engine's side is Engine+Restart.swift), `container
// health-event ID` reports a health status change (health.c).
import HiveEngine
import HivePlatform
import HiveRuntime

enum ContainerCleanup {
    static let def = CommandDef(
        name: "container cleanup", aliases: ["container cleanup"], usage: "CONTAINER",
        summary: "Record a container's exit (run by hive-monitor)", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let reply = MonitorProtocol.replyChannel()  // before anything else opens a file
        try c.engine().monitorCleanup(c.args.positionals[0], reply: reply)
        return 0
    }
}

enum MonitorRestart {
    static let def = CommandDef(
        name: "container restart-run", aliases: ["container restart-run"], usage: "CONTAINER",
        summary: "Relaunch a container under its restart policy (run by hive-monitor)", run: run)

    static func run(_ c: Context) throws -> Int32 {
        let channel = MonitorProtocol.replyChannel()  // before anything else opens a file
        try c.expect(min: 1, max: 1)
        guard let channel else {
            throw HiveError(.invalidArgument, "container restart-run is run by hive-monitor (its fd 3 is the monitor's socket): use hive start")
        }
        try c.engine().restartRun(c.args.positionals[0], channel: channel)
        return 0
    }
}

enum MonitorHealth {
    static let def = CommandDef(
        name: "container health-event", aliases: ["container health-event"], usage: "CONTAINER STATUS PREVIOUS [PID]",
        summary: "Report a container's health status change (run by hive-monitor)", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 3, max: 4)
        let engine = try c.engine()
        let p = c.args.positionals
        try engine.healthEvent(p[0], status: p[1], previous: p[2], run: p.count > 3 ? Int32(p[3]) : nil)
        return 0
    }
}
