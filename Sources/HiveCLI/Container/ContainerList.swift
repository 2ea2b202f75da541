// `hive ps` / `hive container ls`.
import Glibc
import HiveBuild
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
            .multi("filter", "f", "filter", "Filter output: id, name, label, status, ancestor, exited, before, since, health, volume, network, publish, expose, isolation, is-task"),
            .value("last", "n", "int", "Show n last created containers (includes all states)"),
            .flag("latest", "l", "Show the latest created container (includes all states)"),
            .flag("size", "s", "Display total file sizes"),
        ], run: run)

    static let headers = ["Size": "SIZE", "Labels": "LABELS", "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED",
                          "Status": "STATUS", "Ports": "PORTS", "Networks": "NETWORKS", "Names": "NAMES", "State": "STATE", "CreatedAt": "CREATED AT",
                          "Mounts": "MOUNTS", "LocalVolumes": "LOCAL VOLUMES", "Label": "LABEL"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let noTrunc = c.args.flag("no-trunc")
        let quiet = c.args.flag("quiet")
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
        // without --format, Docker's config.json psFormat, as the docker CLI
        let format = c.args.value("format") ?? (quiet ? nil : DockerCLIConfig.format("psFormat"))
        let parsed = try format.map { try OutputFormat.parse($0, defaultTemplate: "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
            + (c.args.flag("size") ? "\t{{.Size}}" : "")) }
        // as the docker CLI: a template that reads .Size asks for sizes (unless --size=false)
        let used = parsed?.fieldNames ?? []
        let size = !quiet && (c.args.flag("size") || (!c.args.negated.contains("size") && used.contains("Size")))
        // mounts, networks and exposed ports come from each spec: decoded only when shown or filtered on
        let needDetails = filters.needsDetails || used.contains { ["Mounts", "LocalVolumes", "Networks", "*"].contains($0) }
        let imageSizes = size ? try engine.imageSizes() : [:]
        // the default table is built as text directly: the same output as its
        // template, without a dictionary and a template evaluation per row
        var table: [String] = []
        if format == nil && !quiet {
            table.append("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES" + (size ? "\tSIZE" : ""))
        }
        // published ports and networks of running containers: one query (the PORTS column)
        let nets: (ports: [String: [NetworkInspect.PublishedPort]], networks: [String: [String]]) =
            quiet ? ([:], [:]) : try engine.containerNetworks()
        for ctr in all {
            // a restarting container counts as running, as in Docker's ps
            if !showAll && ctr.state != "running" && ctr.state != "paused" && ctr.state != "restarting" { continue }
            let details = needDetails ? engine.details(ctr) : nil
            guard filters.matches(ctr, details) else { continue }
            if quiet { c.out.line(noTrunc ? ctr.id : String(ctr.id.prefix(12))); continue }
            var cmd = ctr.command
            if !noTrunc && cmd.count > 20 { cmd = String(cmd.prefix(19)) + "…" }
            let command = GoQuote.quote(cmd)
            let running = ctr.state == "running" || ctr.state == "paused"
            let ports = running ? PortsText.column(nets.ports[ctr.id] ?? []) : ""
            let sizeText = size ? sizeColumn(engine.writableSize(ctr.id), image: imageSizes[ctr.imageID] ?? 0) : ""
            if format == nil {
                var line = (noTrunc ? ctr.id : String(ctr.id.prefix(12))) + "\t" + ctr.image + "\t" + command + "\t"
                line += Units.since(ctr.created) + "\t" + ctr.status + "\t" + ports + "\t" + ctr.name
                if size { line += "\t" + sizeText }
                table.append(line)
                continue
            }
            var row: [String: JSONValue] = [
                "ID": .string(noTrunc ? ctr.id : String(ctr.id.prefix(12))),
                "Image": .string(ctr.image),
                "Command": .string(command),
                "RunningFor": .string(Units.since(ctr.created)),
                "CreatedAt": .string(Units.goTime(ctr.created)),
                "Status": .string(ctr.status),
                "State": .string(ctr.state),
                "Ports": .string(ports),
                "Names": .string(ctr.name),
                "Size": .string(sizeText),
                "Labels": .string(ctr.labelsJSON == "{}" ? "" : ctr.labels.keys.sorted().map { "\($0)=\(ctr.labels[$0]!)" }.joined(separator: ",")),
                "Networks": .string(running ? (nets.networks[ctr.id] ?? []).joined(separator: ",") : ""),
                "Mounts": .string(""), "LocalVolumes": .string("0"),
            ]
            if let d = details {
                // Docker: a volume's name, else the mount's source, each cut to 15 unless --no-trunc
                var names = d.mounts.compactMap { m in m.name ?? (m.source.isEmpty ? nil : m.source) }
                names += d.volumes.filter { !names.contains($0) }
                row["Mounts"] = .string(names.map { noTrunc || $0.count <= 15 ? $0 : String($0.prefix(14)) + "…" }.joined(separator: ","))
                row["LocalVolumes"] = .string(String(d.volumes.count))
                row["Networks"] = .string(d.networks.sorted().joined(separator: ","))
            }
            rows.append(.object(row))
            listed.append(ctr)
        }
        if quiet { return 0 }
        guard let parsed else {
            for l in TabWriter.align(table) { c.out.line(l) }
            return 0
        }
        try Renderer.render(rows, format: parsed, headers: headers,
                            methods: ["Label": { i in Template.stringMethod("Label") { listed[i].labels[$0] ?? "" } }], to: c.out)
        return 0
    }

    /// Docker's SIZE: the writable layer, and with the image the virtual size (`2B (virtual 4.26MB)`).
    static func sizeColumn(_ rw: Int64, image: Int64) -> String {
        let total = rw + image
        return total > 0 ? Units.humanSize(rw) + " (virtual " + Units.humanSize(total) + ")" : Units.humanSize(rw)
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
