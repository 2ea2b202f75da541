// `hive ps` / `hive container ls`.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerList {
    static let def = CommandDef(
        name: "ps", aliases: ["ps", "container ls", "container list"], usage: "[OPTIONS]",
        summary: "List containers",
        options: [
            .flag("all", "a", "Show all containers (default shows just running)"),
            .flag("quiet", "q", "Only display container IDs"),
            .flag("no-trunc", nil, "Don't truncate output"),
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
            .multi("filter", "f", "filter", "Filter output: id, name, label, status, ancestor, exited, before, since, health"),
            .value("last", "n", "int", "Show n last created containers (includes all states)"),
            .flag("latest", "l", "Show the latest created container (includes all states)"),
            .flag("size", "s", "Display total file sizes"),
        ], run: run)

    static let headers = ["Size": "SIZE", "Labels": "LABELS", "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED",
                          "Status": "STATUS", "Ports": "PORTS", "Networks": "NETWORKS", "Names": "NAMES", "State": "STATE", "CreatedAt": "CREATED AT"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let noTrunc = c.args.flag("no-trunc")
        var rows: [JSONValue] = []
        var listed: [ContainerSummary] = []  // each row's container, for the template method .Label "key"
        let engine = try c.engine()
        var all = try engine.listContainers()
        var showAll = c.args.flag("all")
        if let n = c.args.value("last") {
            guard let k = Int(n), k >= 0 else { throw HiveError(.invalidArgument, "invalid --last \"\(n)\"") }
            all = Array(all.prefix(k)); showAll = true
        }
        if c.args.flag("latest") { all = Array(all.prefix(1)); showAll = true }
        let filters = try ContainerFilter(c.args.all("filter"), engine: engine, all: all)
        if filters.impliesAll { showAll = true }
        let size = c.args.flag("size")
        // the default table is built as text directly: the same output as its
        // template, without a dictionary and a template evaluation per row
        // without --format, Docker's config.json psFormat, as the docker CLI
        let format = c.args.value("format") ?? (c.args.flag("quiet") ? nil : DockerCLIConfig.format("psFormat"))
        var table: [String] = []
        if format == nil && !c.args.flag("quiet") {
            table.append("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES" + (size ? "\tSIZE" : ""))
        }
        // published ports and networks of running containers: one query (the PORTS column)
        let nets: (ports: [String: [NetworkInspect.PublishedPort]], networks: [String: [String]]) =
            c.args.flag("quiet") ? ([:], [:]) : try engine.containerNetworks()
        for ctr in all where filters.matches(ctr) {
            // a restarting container counts as running, as in Docker's ps
            if !showAll && ctr.state != "running" && ctr.state != "paused" && ctr.state != "restarting" { continue }
            if c.args.flag("quiet") { c.out.line(noTrunc ? ctr.id : String(ctr.id.prefix(12))); continue }
            var cmd = ctr.command
            if !noTrunc && cmd.count > 20 { cmd = String(cmd.prefix(19)) + "…" }
            let running = ctr.state == "running" || ctr.state == "paused"
            let ports = running ? PortsText.column(nets.ports[ctr.id] ?? []) : ""
            if format == nil {
                var line = (noTrunc ? ctr.id : String(ctr.id.prefix(12))) + "\t" + ctr.image + "\t\"" + cmd + "\"\t"
                line += Units.since(ctr.created) + "\t" + ctr.status + "\t" + ports + "\t" + ctr.name
                if size { line += "\t" + Units.humanSize(engine.writableSize(ctr.id)) }
                table.append(line)
                continue
            }
            rows.append(.object([
                "ID": .string(noTrunc ? ctr.id : String(ctr.id.prefix(12))),
                "Image": .string(ctr.image),
                "Command": .string("\"" + cmd + "\""),
                "RunningFor": .string(Units.since(ctr.created)),
                "CreatedAt": .string(Units.goTime(ctr.created)),
                "Status": .string(ctr.status),
                "State": .string(ctr.state),
                "Ports": .string(ports),
                "Networks": .string(running ? (nets.networks[ctr.id] ?? []).joined(separator: ",") : ""),
                "Names": .string(ctr.name),
                "Size": .string(size ? Units.humanSize(engine.writableSize(ctr.id)) : ""),
                "Labels": .string(ctr.labelsJSON == "{}" ? "" : ctr.labels.keys.sorted().map { "\($0)=\(ctr.labels[$0]!)" }.joined(separator: ",")),
            ]))
            listed.append(ctr)
        }
        if c.args.flag("quiet") { return 0 }
        if format == nil {
            for l in TabWriter.align(table) { c.out.line(l) }
            return 0
        }
        try Renderer.render(rows, format: try OutputFormat.parse(format,
            defaultTemplate: "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
                + (c.args.flag("size") ? "\t{{.Size}}" : "")),
            headers: headers, methods: ["Label": { i in Template.stringMethod("Label") { listed[i].labels[$0] ?? "" } }], to: c.out)
        return 0
    }
}

enum ContainerRemove {
    static let def = CommandDef(
        name: "rm", aliases: ["rm", "container rm", "container remove"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Remove one or more containers",
        options: [
            .flag("force", "f", "Force the removal of a running container (uses SIGKILL)"),
            .flag("volumes", "v", "Remove anonymous volumes associated with the container"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        return eachContainer(c) { try engine.removeContainer($0, force: c.args.flag("force"), volumes: c.args.flag("volumes")) }
    }
}

/// `ps --filter`: same keys OR-ed, different keys AND-ed (Docker's rule).
struct ContainerFilter {
    var values: [String: [String]] = [:]
    var beforeTime: Int64?
    var sinceTime: Int64?
    var ancestors: Set<String> = []
    var impliesAll: Bool { values["status"] != nil || values["exited"] != nil }

    init(_ args: [String], engine: Engine, all: [ContainerSummary]) throws {
        let keys: Set<String> = ["id", "name", "label", "status", "ancestor", "exited", "before", "since", "health"]
        for a in args {
            guard let eq = a.firstIndex(of: "=") else { throw HiveError(.invalidArgument, "bad format of filter \"\(a)\" (expected name=value)") }
            let k = String(a[..<eq])
            guard keys.contains(k) else { throw HiveError(.invalidArgument, "invalid filter \"\(k)\" (id, name, label, status, ancestor, exited, before, since, health)") }
            values[k, default: []].append(String(a[a.index(after: eq)...]))
        }
        func find(_ ref: String) throws -> ContainerSummary {
            guard let c = all.first(where: { $0.id == ref || $0.name == ref || $0.id.hasPrefix(ref) }) else {
                throw HiveError(.notFound, "no such container: \(ref)")
            }
            return c
        }
        beforeTime = try values["before"]?.map { try find($0).created }.min()
        sinceTime = try values["since"]?.map { try find($0).created }.max()
        for s in values["status"] ?? [] where !["created", "running", "exited", "paused", "restarting", "removing", "dead"].contains(s) {
            throw HiveError(.invalidArgument, "invalid filter \"status=\(s)\" (created, running, restarting, exited, paused)")
        }
        for h in values["health"] ?? [] where !["starting", "healthy", "unhealthy", "none"].contains(h) {
            throw HiveError(.invalidArgument, "invalid filter \"health=\(h)\" (starting, healthy, unhealthy, none)")
        }
        for a in values["ancestor"] ?? [] {
            if let id = try? engine.resolveImage(a).id { ancestors.insert(id.hex) } else { ancestors.insert("-") }
        }
    }

    func matches(_ c: ContainerSummary) -> Bool {
        if let ids = values["id"], !ids.contains(where: { c.id.hasPrefix($0) }) { return false }
        if let names = values["name"], !names.contains(where: { c.name.contains($0) }) { return false }
        if let st = values["status"], !st.contains(c.state) { return false }
        if let h = values["health"], !h.contains(c.health) { return false }
        if let ex = values["exited"], !(c.state == "exited" && ex.contains(String(c.exitCode ?? -1))) { return false }
        if let labels = values["label"] {
            let have = c.labels
            for l in labels {
                let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 ? have[kv[0]] != kv[1] : have[kv[0]] == nil { return false }
            }
        }
        if !ancestors.isEmpty && !ancestors.contains(c.imageID) { return false }
        if let b = beforeTime, c.created >= b { return false }
        if let s = sinceTime, c.created <= s { return false }
        return true
    }
}
