// `hive tag SOURCE TARGET`.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageTag {
    static let def = CommandDef(
        name: "tag", aliases: ["tag", "image tag"], usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
        summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2, max: 2)
        try c.engine().tag(c.args.positionals[0], c.args.positionals[1])
        return 0
    }
}
