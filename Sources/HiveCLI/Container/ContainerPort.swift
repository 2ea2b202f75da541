// `hive port CONTAINER [PRIVATE_PORT[/PROTO]]`: a container's published ports.
import HiveEngine
import HivePlatform

enum ContainerPort {
    static let def = CommandDef(
        name: "port", aliases: ["port", "container port"], usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
        summary: "List port mappings or a specific mapping for the container", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 2)
        let name = c.args.positionals[0]
        let only = try c.args.positionals.dropFirst().first.map(parse)
        let lines = PortsText.lines(try c.engine().publishedPorts(name), only: only)
        if let only, lines.isEmpty {
            throw HiveError(.notFound, "no public port '\(only.port)/\(only.proto)' published for \(name)")
        }
        for l in lines { c.out.line(l) }
        return 0
    }

    /// `80`, `80/tcp`, `53/udp`.
    static func parse(_ text: String) throws -> (port: UInt16, proto: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
        guard let port = UInt16(parts[0]), port > 0, proto == "tcp" || proto == "udp" else {
            throw HiveError(.invalidArgument, "invalid port \"\(text)\" (use PORT or PORT/tcp|udp)")
        }
        return (port, proto)
    }
}
