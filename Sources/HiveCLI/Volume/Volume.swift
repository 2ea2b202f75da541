// `hive volume create|ls|inspect|rm|prune`.
import HiveEngine
import HiveOCI
import HivePlatform

enum VolumeCreate {
    static let def = CommandDef(
        name: "volume create", aliases: ["volume create"], usage: "[OPTIONS] [VOLUME]", summary: "Create a volume",
        options: [.multi("label", nil, "list", "Set metadata for a volume"), .value("driver", "d", "string", "Volume driver (local)")],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 1)
        if let d = c.args.value("driver"), d != "local" { throw HiveError(.invalidArgument, "volume driver \"\(d)\" is not available (local)") }
        let labels = c.keyValues("label")
        c.out.line(try c.engine().createVolume(c.args.positionals.first, labels: labels))
        return 0
    }
}

enum VolumeList {
    static let def = CommandDef(
        name: "volume ls", aliases: ["volume ls", "volume list"], usage: "[OPTIONS]", summary: "List volumes",
        options: [.flag("quiet", "q", "Only display volume names"), .value("format", nil, "string", "Format output: table, json, or a Go template")],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        let vols = try c.engine().listVolumes()
        if c.args.flag("quiet") { for v in vols { c.out.line(v.name) }; return 0 }
        let rows: [JSONValue] = vols.map { .object(["Driver": .string("local"), "Name": .string($0.name), "Scope": .string("local")]) }
        try Renderer.render(rows, format: try OutputFormat.parse(c.args.value("format"), defaultTemplate: "{{.Driver}}\t{{.Name}}"),
                            headers: ["Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE"], to: c.out)
        return 0
    }
}

enum VolumeInspect {
    static let def = CommandDef(
        name: "volume inspect", aliases: ["volume inspect"], usage: "[OPTIONS] VOLUME [VOLUME...]",
        summary: "Display detailed information on one or more volumes",
        options: [.value("format", "f", "string", "Format output using a Go template or json")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        return try Inspect.render(c) { engine, name in try engine.volumeInfo(name) }
    }
}

enum VolumeRemove {
    static let def = CommandDef(
        name: "volume rm", aliases: ["volume rm", "volume remove"], usage: "[OPTIONS] VOLUME [VOLUME...]",
        summary: "Remove one or more volumes", options: [.flag("force", "f", "Force the removal of one or more volumes")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        return eachContainer(c) { try engine.removeVolume($0, force: c.args.flag("force")) }
    }
}

enum VolumePrune {
    static let def = CommandDef(
        name: "volume prune", aliases: ["volume prune"], usage: "[OPTIONS]", summary: "Remove unused local volumes",
        options: [.flag("all", "a", "Remove all unused volumes, not just anonymous ones"), .flag("force", "f", "Do not prompt for confirmation")],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        if !c.args.flag("force") {
            guard ImagePrune.confirm("WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ", c) else { return 0 }
        }
        let removed = try c.engine().pruneVolumes(all: c.args.flag("all"))
        if !removed.isEmpty {
            c.out.line("Deleted Volumes:")
            for r in removed { c.out.line(r) }
            c.out.line("")
        }
        c.out.line("Total reclaimed space: 0B")
        return 0
    }
}
