// `hive attach [--no-stdin] [--sig-proxy] [--detach-keys] CONTAINER` (issue #14: to build).
import HiveEngine
import HivePlatform

enum ContainerAttach {
    static let def = CommandDef(
        name: "attach", aliases: ["attach", "container attach"], usage: "[OPTIONS] CONTAINER",
        summary: "Attach local standard input, output, and error streams to a running container",
        options: [
            .value("detach-keys", nil, "string", "Override the key sequence for detaching a container"),
            .flag("no-stdin", nil, "Do not attach STDIN"),
            .value("sig-proxy", nil, "bool", "Proxy all received signals to the process (default true)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        throw HiveError(.unavailable, "hive attach is not built yet")
    }
}
