// `hive save [-o FILE] IMAGE...`.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageSave {
    static let def = CommandDef(
        name: "save", aliases: ["save", "image save"], usage: "[OPTIONS] IMAGE [IMAGE...]",
        summary: "Save one or more images to a tar archive (streamed to STDOUT by default)",
        options: [
            .value("output", "o", "string", "Write to a file, instead of STDOUT"),
            .value("platform", nil, "string", "Save only the given platform variant (a local image has one platform: it must be this one)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        for name in c.args.positionals { try engine.checkImagePlatform(name, c.args.value("platform")) }  // before the output is made
        try ArchiveOutput.write(to: c.args.value("output")) { try engine.save(c.args.positionals, to: $0) }
        return 0
    }
}
