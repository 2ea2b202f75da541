// `hive import FILE|- [REPOSITORY[:TAG]]`.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageImport {
    static let def = CommandDef(
        name: "import", aliases: ["import", "image import"], usage: "[OPTIONS] file|- [REPOSITORY[:TAG]]",
        summary: "Import the contents from a tarball to create a filesystem image",
        options: [
            .multi("change", "c", "list", "Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)"),
            .value("message", "m", "string", "Set commit message for imported image"),
            .value("platform", nil, "string", "Set platform if server is multi-platform capable"),
            .flag("quiet", "q", "Suppress output"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 2)
        var opts = ImportOptions(source: c.args.positionals[0], reference: c.args.positionals.count > 1 ? c.args.positionals[1] : nil)
        opts.changes = c.args.all("change")
        opts.message = c.args.value("message")
        if let p = c.args.value("platform"), !p.hasPrefix("linux") {
            throw HiveError(.invalidArgument, "unsupported --platform \"\(p)\" (hive runs linux images)")
        }
        let id = try c.engine().importImage(opts)
        if !c.args.flag("quiet") { c.out.line(id.description) }
        return 0
    }
}
