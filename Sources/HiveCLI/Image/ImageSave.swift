// `hive save [-o FILE] IMAGE...`: written to a temp file and renamed, so a
// failed save leaves no half-written archive.
import Glibc
import HiveEngine
import HiveOCI

enum ImageSave {
    static let def = CommandDef(
        name: "save", aliases: ["save", "image save"], usage: "[OPTIONS] IMAGE [IMAGE...]",
        summary: "Save one or more images to a tar archive (streamed to STDOUT by default)",
        options: [.value("output", "o", "string", "Write to a file, instead of STDOUT")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        guard let path = c.args.value("output") else {
            if isatty(1) == 1 {
                throw HiveError(.invalidArgument, "cowardly refusing to save to a terminal (use -o FILE or redirect)")
            }
            try engine.save(c.args.positionals, to: 1)
            return 0
        }
        let temp = path + ".hive-tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HiveError.errno("cannot create \(path)") }
        do {
            try engine.save(c.args.positionals, to: fd)
            guard fsync(fd) == 0 else { throw HiveError.errno("cannot write \(path)") }
            close(fd)
            guard rename(temp, path) == 0 else { throw HiveError.errno("cannot write \(path)") }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        return 0
    }
}
