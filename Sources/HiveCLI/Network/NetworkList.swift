// `hive network ls` and the network filters of ls and prune (Docker's: the
// same key OR-ed, different keys AND-ed).
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

/// `network ls --filter` and `network prune --filter`.
struct NetworkFilter {
    var values: [String: [String]] = [:]
    var until: Int64?

    init(_ args: [String], keys: [String]) throws {
        for a in args {
            guard let eq = a.firstIndex(of: "=") else { throw HiveError(.invalidArgument, "bad format of filter \"\(a)\" (expected name=value)") }
            var k = String(a[..<eq])
            var v = String(a[a.index(after: eq)...])
            if k == "label", v.hasPrefix("!") { k = "label!"; v.removeFirst() }  // `label!=k` splits at its `=`
            if k.hasSuffix("!") && k != "label!" || !keys.contains(k) {
                throw HiveError(.invalidArgument, "invalid filter \"\(k)\" (\(keys.joined(separator: ", ")))")
            }
            switch k {
            case "type" where v != "custom" && v != "builtin":
                throw HiveError(.invalidArgument, "invalid filter \"type=\(v)\" (custom or builtin)")
            case "dangling" where !["true", "false", "1", "0"].contains(v):
                throw HiveError(.invalidArgument, "invalid filter \"dangling=\(v)\" (true or false)")
            case "until":
                until = min(until ?? .max, try HumanTime.parseFilter(v))
            default: break
            }
            values[k, default: []].append(v)
        }
    }

    func matches(_ n: NetworkInspect.Listing) -> Bool {
        if let names = values["name"], !names.contains(where: { n.name.contains($0) }) { return false }
        if let ids = values["id"], !ids.contains(where: { n.id.hasPrefix($0) }) { return false }
        if let drivers = values["driver"], !drivers.contains(n.driver) { return false }
        if let scopes = values["scope"], !scopes.contains("local") { return false }
        if let types = values["type"], !types.contains(n.isBuiltin ? "builtin" : "custom") { return false }
        if let d = values["dangling"] {
            let dangling = !n.isBuiltin && n.containers == 0
            if !d.contains(where: { ($0 == "true" || $0 == "1") == dangling }) { return false }
        }
        // every label= must hold, no label!= may
        if !LabelFilter.holds(values, n.labels) { return false }
        if let until, n.created >= until { return false }
        return true
    }
}
