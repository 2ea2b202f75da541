// `hive commit` and `hive export`.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerCommit {
    static let def = CommandDef(
        name: "commit", aliases: ["commit", "container commit"], usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
        summary: "Create a new image from a container's changes",
        options: [
            .multi("change", "c", "list", "Apply Dockerfile instruction to the created image"),
            .value("message", "m", "string", "Commit message"),
            .value("author", "a", "string", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"),
            .flag("pause", "p", "Pause container during commit (default true)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 2)
        var o = Engine.CommitOptions()
        o.reference = c.args.positionals.count > 1 ? c.args.positionals[1] : nil
        o.changes = c.args.all("change")
        o.message = c.args.value("message")
        o.author = c.args.value("author")
        o.pause = !c.args.negated.contains("pause")
        c.out.line(try c.engine().commit(c.args.positionals[0], o).description)
        return 0
    }
}

enum ContainerExport {
    static let def = CommandDef(
        name: "export", aliases: ["export", "container export"], usage: "[OPTIONS] CONTAINER",
        summary: "Export a container's filesystem as a tar archive",
        options: [.value("output", "o", "string", "Write to a file, instead of STDOUT")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let engine = try c.engine()
        try ArchiveOutput.write(to: c.args.value("output")) { try engine.export(c.args.positionals[0], to: $0) }
        return 0
    }
}
