// `hive rmi [-f] IMAGE...`: tries every name, reports each failure.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageRemove {
    static let def = CommandDef(
        name: "rmi", aliases: ["rmi", "image rm", "image remove"], usage: "[OPTIONS] IMAGE [IMAGE...]",
        summary: "Remove one or more images",
        options: [
            .flag("force", "f", "Force removal of the image"),
            .flag("no-prune", nil, "Do not delete untagged parents"),
            .value("platform", nil, "string", "Remove only the given image platform variant (a local image has one platform: it must be this one)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        var failed = false
        for name in c.args.positionals {
            do {
                try engine.checkImagePlatform(name, c.args.value("platform"))
                let r = try engine.removeImage(name, force: c.args.flag("force"), prune: !c.args.flag("no-prune"))
                ImagePrune.lines(r, untagged: "Untagged: ", deleted: "Deleted: ", to: c)
            } catch {
                failed = true
                c.out.flush()
                c.err.line("hive: " + ErrorMapping.message(error))
            }
        }
        return failed ? 1 : 0
    }
}
