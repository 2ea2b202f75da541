// `hive container inspect`, `rename`, `diff`, `top`, `container prune`, `pause`, `unpause`.
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerInspect {
    static let def = CommandDef(
        name: "container inspect", aliases: ["container inspect"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Display detailed information on one or more containers",
        options: [.value("format", "f", "string", "Format output using a Go template or json"),
                  .flag("size", "s", "Display total file sizes (SizeRw, SizeRootFs)")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let size = c.args.flag("size")
        return try Inspect.render(c) { engine, name in try engine.inspectContainer(name, size: size) }
    }
}

enum ContainerRename {
    static let def = CommandDef(
        name: "rename", aliases: ["rename", "container rename"], usage: "CONTAINER NEW_NAME", summary: "Rename a container", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2, max: 2)
        try c.engine().renameContainer(c.args.positionals[0], to: c.args.positionals[1])
        return 0
    }
}

enum ContainerDiff {
    static let def = CommandDef(
        name: "diff", aliases: ["diff", "container diff"], usage: "CONTAINER",
        summary: "Inspect changes to files or directories on a container's filesystem", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        for (kind, path) in try c.engine().diff(c.args.positionals[0]) { c.out.line("\(kind) \(path)") }
        return 0
    }
}

enum ContainerTop {
    static let def = CommandDef(
        name: "top", aliases: ["top", "container top"], usage: "CONTAINER [ps OPTIONS]",
        summary: "Display the running processes of a container", interspersed: false, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        if c.args.positionals.count > 1 {
            for l in try c.engine().top(c.args.positionals[0], psOptions: Array(c.args.positionals.dropFirst())) { c.out.line(l) }
            return 0
        }
        var lines = ["UID\tPID\tCMD"]
        for (uid, pid, cmd) in try c.engine().top(c.args.positionals[0]) { lines.append("\(uid)\t\(pid)\t\(cmd)") }
        for l in TabWriter.align(lines) { c.out.line(l) }
        return 0
    }
}

enum ContainerPrune {
    static let def = CommandDef(
        name: "container prune", aliases: ["container prune"], usage: "[OPTIONS]", summary: "Remove all stopped containers",
        options: [
            .multi("filter", nil, "filter", "Provide filter values (e.g. \"until=24h\", \"label=k=v\", \"label!=k\")"),
            .flag("force", "f", "Do not prompt for confirmation"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let filters = try FilterArgs(c.args.all("filter"), accepted: Engine.containerPruneFilters)
        if !c.args.flag("force") {
            guard ImagePrune.confirm("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ", c) else { return 0 }
        }
        let removed = try c.engine().pruneContainers(filters: filters)
        if !removed.isEmpty {
            c.out.line("Deleted Containers:")
            for r in removed { c.out.line(r) }
            c.out.line("")
        }
        c.out.line("Total reclaimed space: 0B")
        return 0
    }
}

enum ContainerPause {
    static let def = CommandDef(
        name: "pause", aliases: ["pause", "container pause"], usage: "CONTAINER [CONTAINER...]",
        summary: "Pause all processes within one or more containers", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        return eachContainer(c) { try engine.pause($0, true) }
    }
}

enum ContainerUnpause {
    static let def = CommandDef(
        name: "unpause", aliases: ["unpause", "container unpause"], usage: "CONTAINER [CONTAINER...]",
        summary: "Unpause all processes within one or more containers", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        return eachContainer(c) { try engine.pause($0, false) }
    }
}
