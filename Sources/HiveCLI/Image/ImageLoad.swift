// `hive load [-i FILE]`.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageLoad {
    static let def = CommandDef(
        name: "load", aliases: ["load", "image load"], usage: "[OPTIONS]",
        summary: "Load an image from a tar archive or STDIN",
        options: [
            .value("input", "i", "string", "Read from tar archive file, instead of STDIN"),
            .flag("quiet", "q", "Suppress the load output"),
            .value("platform", nil, "string", "Load only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        var fd: Int32 = 0
        var name = "standard input"
        if let path = c.args.value("input") {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HiveError.errno("cannot open \(path)") }
            name = path
        } else if isatty(0) == 1 {
            throw HiveError(.invalidArgument, "requested load from stdin, but stdin is empty (use -i FILE or pipe an archive)")
        }
        defer { if fd != 0 { close(fd) } }
        let images = try c.engine().load(fd: fd, name: name, platform: c.args.value("platform"))
        if !c.args.flag("quiet") {
            for i in images {
                if i.tags.isEmpty { c.out.line("Loaded image ID: " + i.id.description) }
                for t in i.tags { c.out.line("Loaded image: " + familiarName(t)) }
            }
        }
        return 0
    }
}
