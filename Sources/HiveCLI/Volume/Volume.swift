// `hive volume create|ls|inspect|rm|prune`.
import HiveEngine
import HiveOCI
import HivePlatform

enum VolumeCreate {
    static let def = CommandDef(
        name: "volume create", aliases: ["volume create"], usage: "[OPTIONS] [VOLUME]", summary: "Create a volume",
        options: [.multi("label", nil, "list", "Set metadata for a volume"), .value("driver", "d", "string", "Volume driver (local)"),
                  .multi("opt", "o", "map", "Set driver specific options: type=, device=, o= (tmpfs, or o=bind for a host path)")],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 1)
        if let d = c.args.value("driver"), d != "local" { throw HiveError(.invalidArgument, "volume driver \"\(d)\" is not available (local)") }
        let labels = c.keyValues("label")
        c.out.line(try c.engine().createVolume(c.args.positionals.first, labels: labels, options: c.keyValues("opt")))
        return 0
    }
}

enum VolumeList {
    static let def = CommandDef(
        name: "volume ls", aliases: ["volume ls", "volume list"], usage: "[OPTIONS]", summary: "List volumes",
        options: [.flag("quiet", "q", "Only display volume names"), .value("format", nil, "string", "Format output: table, json, or a Go template"),
                  .multi("filter", "f", "filter", "Provide filter values (dangling=true|false, name=, driver=, label=KEY[=VALUE], label!=)")],
        run: run)

    static let headers = ["Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
                          "Links": "LINKS", "Size": "SIZE", "Group": "GROUP", "Availability": "AVAILABILITY", "Status": "STATUS"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let filters = try FilterArgs(c.args.all("filter"), accepted: Engine.volumeListFilters)
        let vols = try c.engine().listVolumes(filters: filters)
        if c.args.flag("quiet") { for v in vols { c.out.line(v.record.name) }; return 0 }
        // as Docker's volume formatter: Links and Size need usage data `volume ls` does not ask for
        let rows: [JSONValue] = vols.map { v in
            .object(["Driver": .string("local"), "Name": .string(v.record.name), "Scope": .string("local"), "Mountpoint": .string(v.mountpoint),
                     "Labels": .string(v.labels.keys.sorted().map { "\($0)=\(v.labels[$0]!)" }.joined(separator: ",")),
                     "Links": .string("N/A"), "Size": .string("N/A"), "Group": .string("N/A"), "Availability": .string("N/A"), "Status": .string("N/A")])
        }
        try Renderer.render(rows, format: try OutputFormat.parse(c.args.value("format"), defaultTemplate: "{{.Driver}}\t{{.Name}}"),
                            headers: headers, methods: ["Label": { i in Template.stringMethod("Label") { vols[i].labels[$0] ?? "" } }], to: c.out)
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
        options: [.flag("all", "a", "Remove all unused volumes, not just anonymous ones"), .flag("force", "f", "Do not prompt for confirmation"),
                  .multi("filter", nil, "filter", "Provide filter values (label=KEY[=VALUE], label!=KEY[=VALUE], all=true)")],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let filters = try FilterArgs(c.args.all("filter"), accepted: Engine.volumePruneFilters)
        let all = try c.args.flag("all") || filters.bool("all") == true
        if !c.args.flag("force") {
            let what = all ? "all local volumes" : "anonymous local volumes"
            guard ImagePrune.confirm("WARNING! This will remove \(what) not used by at least one container.\nAre you sure you want to continue? [y/N] ", c) else { return 0 }
        }
        let (removed, reclaimed) = try c.engine().pruneVolumes(all: all, filters: filters)
        if !removed.isEmpty {
            c.out.line("Deleted Volumes:")
            for r in removed { c.out.line(r) }
            c.out.line("")
        }
        c.out.line("Total reclaimed space: " + Units.humanSize(reclaimed))
        return 0
    }
}
