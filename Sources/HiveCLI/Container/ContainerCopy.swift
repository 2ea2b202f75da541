// `hive cp SRC DST` (one side CONTAINER:PATH).
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerCopy {
    static let def = CommandDef(
        name: "cp", aliases: ["cp", "container cp"], usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH",
        summary: "Copy files/folders between a container and the local filesystem",
        options: [.flag("archive", "a", "Archive mode (copy all uid/gid information)"), .flag("follow-link", "L", "Always follow symbol link in SRC_PATH")],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2, max: 2)
        try c.engine().copy(c.args.positionals[0], c.args.positionals[1], archive: c.args.flag("archive"),
                            followLink: c.args.flag("follow-link"))
        return 0
    }
}
