// `hive network ls` (its filters: HiveEngine/NetworkFilter.swift).
import HiveEngine
import HiveNetwork
import HiveOCI
import HivePlatform
import HiveStore

enum NetworkList {
    static let def = CommandDef(
        name: "network ls", aliases: ["network ls", "network list"], usage: "[OPTIONS]", summary: "List networks",
        options: [
            .multi("filter", "f", "filter", "Provide filter values (e.g. \"driver=bridge\"): name, id, driver, label, type=custom|builtin, dangling, scope"),
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
            .flag("no-trunc", nil, "Do not truncate the output"),
            .flag("quiet", "q", "Only display network IDs"),
        ], failureStatus: 1, run: run)

    static let headers = ["ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv6": "IPV6",
                          "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let filter = try NetworkFilter(c.args.all("filter"), keys: ["name", "id", "driver", "label", "type", "dangling", "scope"])
        let list = try c.engine().listNetworks().filter(filter.matches)
        let truncate = !c.args.flag("no-trunc")
        if c.args.flag("quiet") {
            for n in list { c.out.line(truncate ? String(n.id.prefix(12)) : n.id) }
            return 0
        }
        try Renderer.render(list.map { NetworkInspect.row($0, truncate: truncate) },
                            format: try OutputFormat.parse(c.args.value("format"), defaultTemplate: "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"),
                            headers: headers, to: c.out)
        return 0
    }
}
