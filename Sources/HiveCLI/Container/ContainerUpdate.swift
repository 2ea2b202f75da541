// `hive update [OPTIONS] CONTAINER...` (issue #14: to build).
import HiveEngine
import HivePlatform

enum ContainerUpdate {
    static let def = CommandDef(
        name: "update", aliases: ["update", "container update"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Update configuration of one or more containers",
        options: [
            .value("memory", "m", "bytes", "Memory limit"),
            .value("memory-swap", nil, "bytes", "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
            .value("cpus", nil, "decimal", "Number of CPUs"),
            .value("cpu-shares", "c", "int", "CPU shares (relative weight)"),
            .value("cpuset-cpus", nil, "string", "CPUs in which to allow execution (0-3, 0,1)"),
            .value("pids-limit", nil, "int", "Tune container pids limit (set -1 for unlimited)"),
            .value("restart", nil, "string", "Restart policy to apply when a container exits"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        throw HiveError(.unavailable, "hive update is not built yet")
    }
}
