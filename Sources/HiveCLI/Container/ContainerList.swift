// `hive ps` / `hive container ls`.
import Glibc
import HiveEngine
import HiveOCI

enum ContainerList {
    static let def = CommandDef(
        name: "ps", aliases: ["ps", "container ls", "container list"], usage: "[OPTIONS]",
        summary: "List containers",
        options: [
            .flag("all", "a", "Show all containers (default shows just running)"),
            .flag("quiet", "q", "Only display container IDs"),
            .flag("no-trunc", nil, "Don't truncate output"),
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
        ], run: run)

    static let headers = ["ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED",
                          "Status": "STATUS", "Ports": "PORTS", "Names": "NAMES", "State": "STATE", "CreatedAt": "CREATED AT"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let noTrunc = c.args.flag("no-trunc")
        var rows: [JSONValue] = []
        for ctr in try c.engine().listContainers() {
            if !c.args.flag("all") && ctr.state != "running" { continue }
            if c.args.flag("quiet") { c.out.line(noTrunc ? ctr.id : String(ctr.id.prefix(12))); continue }
            var cmd = ctr.command.joined(separator: " ")
            if !noTrunc && cmd.count > 20 { cmd = String(cmd.prefix(19)) + "…" }
            rows.append(.object([
                "ID": .string(noTrunc ? ctr.id : String(ctr.id.prefix(12))),
                "Image": .string(ctr.image),
                "Command": .string("\"" + cmd + "\""),
                "RunningFor": .string(Units.since(ctr.created)),
                "CreatedAt": .string(Units.goTime(ctr.created)),
                "Status": .string(ctr.status),
                "State": .string(ctr.state),
                "Ports": .string(""),
                "Names": .string(ctr.name),
            ]))
        }
        if c.args.flag("quiet") { return 0 }
        try Renderer.render(rows, format: try OutputFormat.parse(c.args.value("format"),
            defaultTemplate: "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"),
            headers: headers, to: c.out)
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
        var failed = false
        for name in c.args.positionals {
            do {
                try engine.removeContainer(name, force: c.args.flag("force"), volumes: c.args.flag("volumes"))
                c.out.line(name)
            } catch {
                failed = true
                c.out.flush()
                c.err.line("hive: " + ((error as? HiveError)?.description ?? "\(error)"))
            }
        }
        return failed ? 1 : 0
    }
}
