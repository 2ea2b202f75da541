// The verbs hive-monitor runs (not for users): `container restart-run ID`
// relaunches a container under its restart policy (restart.c), `container
// health-event ID` reports a health status change (health.c). (Issue #14: to build.)
import HiveEngine
import HivePlatform

enum MonitorRestart {
    static let def = CommandDef(
        name: "container restart-run", aliases: ["container restart-run"], usage: "CONTAINER",
        summary: "Relaunch a container under its restart policy (run by hive-monitor)", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        throw HiveError(.unavailable, "container restart-run is not built yet")
    }
}

enum MonitorHealth {
    static let def = CommandDef(
        name: "container health-event", aliases: ["container health-event"], usage: "CONTAINER STATUS PREVIOUS",
        summary: "Report a container's health status change (run by hive-monitor)", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 3, max: 3)
        let engine = try c.engine()
        try engine.healthEvent(c.args.positionals[0], status: c.args.positionals[1], previous: c.args.positionals[2])
        return 0
    }
}
