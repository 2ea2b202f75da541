// `hive pull [-q] [--platform OS/ARCH[/VARIANT]] [-a] [--authfile F] NAME[:TAG|@DIGEST]`,
// printed as Docker prints it (progress: PullRenderer). A failure exits 1, as Docker's.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRegistry

enum ImagePull {
    static let def = CommandDef(
        name: "pull", aliases: ["pull", "image pull"], usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
        summary: "Download an image from a registry",
        options: [
            .flag("all-tags", "a", "Download all tagged images in the repository"),
            .value("platform", nil, "string", "Set platform if server is multi-platform capable (OS/ARCH[/VARIANT])"),
            .flag("quiet", "q", "Suppress verbose output"),
            .flag("disable-content-trust", nil, "Skip image verification (default true: hive has no content trust, =false is refused)"),
            .value("authfile", nil, "path", "Registry credentials file (default $HIVE_AUTH_FILE or hive's own)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        if c.args.negated.contains("disable-content-trust") { throw RunRefusals.contentTrustRequested() }
        let text = c.args.positionals[0]
        let quiet = c.args.flag("quiet")
        let platform = c.args.value("platform")
        let engine = try c.engine()
        let renderer = PullRenderer(out: c.out, tty: isatty(1) == 1, quiet: quiet)
        if c.args.flag("all-tags") {
            let ref = try engine.pullReference(text)
            guard ref.digest == nil, !text.contains("@"), !lastComponent(text).contains(":") else {
                throw HiveError(.invalidArgument, "tag can't be used with --all-tags/-a")
            }
            let tags = try engine.repositoryTags(text)
            guard !tags.isEmpty else { throw HiveError(.notFound, "repository \(ref.familiarRepository) has no tags") }
            var last: PullResult?
            for t in tags {
                let r = try engine.pull(ref.withTag(t).description, platform: platform) { renderer.update($0) }
                if !quiet { c.out.line("Digest: " + r.digest.description) }
                last = r
            }
            if !quiet, let last { c.out.line("Status: Downloaded newer image for " + last.reference.familiarRepository) }
            c.out.line(ref.repository)
            return 0
        }
        if !quiet, !text.contains("@"), !lastComponent(text).contains(":") {
            c.out.line("Using default tag: latest")
            c.out.flush()
        }
        let r = try engine.pull(text, platform: platform) { renderer.update($0) }
        report(r, out: c.out, quiet: quiet)
        return 0
    }

    /// `Digest:`, `Status:` (unless quiet) and the full reference, as Docker ends a pull.
    static func report(_ r: PullResult, out: Output, quiet: Bool) {
        if !quiet { status(r, out: out) }
        out.line(r.reference.description)
    }

    /// `Digest: sha256:...` and `Status: ...` (run's implicit pulls print these on stderr).
    static func status(_ r: PullResult, out: Output) {
        out.line("Digest: " + r.digest.description)
        out.line("Status: " + (r.upToDate ? "Image is up to date for " : "Downloaded newer image for ") + r.reference.familiar)
    }

    /// The last path component of a reference as typed (a `:` there is a tag, not a port).
    static func lastComponent(_ text: String) -> Substring {
        text.split(separator: "/").last ?? Substring(text)
    }
}
