// `hive cp SRC DST` (one side CONTAINER:PATH; `-` for a tar stream on
// stdout or stdin, as Docker). Docker's summary line goes to stderr
// ("Successfully copied 2.56kB to /tmp/x") when stdout is a terminal and
// neither -q nor a stream was asked for.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRuntime

enum ContainerCopy {
    static let def = CommandDef(
        name: "cp", aliases: ["cp", "container cp"],
        usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|- | SRC_PATH|- CONTAINER:DEST_PATH",
        summary: "Copy files/folders between a container and the local filesystem",
        options: [
            .flag("archive", "a", "Archive mode (copy all uid/gid information)"),
            .flag("follow-link", "L", "Always follow symbol link in SRC_PATH"),
            .flag("quiet", "q", "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached"),
        ],
        run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2, max: 2)
        let src = c.args.positionals[0], dst = c.args.positionals[1]
        guard !src.isEmpty else { throw HiveError(.invalidArgument, "source can not be empty") }
        guard !dst.isEmpty else { throw HiveError(.invalidArgument, "destination can not be empty") }
        let archive = c.args.flag("archive"), follow = c.args.flag("follow-link")
        // Docker: without -q, progress only when stdout is a terminal
        let quiet = c.args.flag("quiet") || isatty(1) == 0
        let engine = try c.engine()
        if src == "-" && dst == "-" { throw HiveError(.invalidArgument, "must specify at least one container source") }
        if dst == "-" {
            c.out.flush()
            try engine.copyOut(src, to: 1, followLink: follow)
            return 0
        }
        if src == "-" {
            let n = try engine.copyIn(from: 0, to: dst, archive: archive)
            if !quiet { summary(n, to: dst, c) }
            return 0
        }
        let n = try engine.copy(src, dst, archive: archive, followLink: follow)
        if !quiet { summary(n, to: CopyPaths.split(dst) == nil ? absolute(dst) : dst, c) }
        return 0
    }

    /// Docker's line, sizes as its progressHumanSize (3 significant digits, powers of 1000).
    static func summary(_ bytes: Int64, to dest: String, _ c: Context) {
        c.err.line("Successfully copied \(Units.humanSize(bytes)) to \(dest)")
    }

    /// A host path made absolute, a trailing `/` or `/.` kept (Docker's resolveLocalPath).
    static func absolute(_ p: String) -> String {
        guard !p.hasPrefix("/") else { return p }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return p }
        let cwd = String(cString: buf)
        var rel = Substring(p)
        while rel.hasPrefix("./") { rel = rel.dropFirst(2) }
        if rel == "." { return cwd }
        return (cwd == "/" ? "" : cwd) + "/" + rel
    }
}
