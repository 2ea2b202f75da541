// `hive push [-q] [-a] [--format oci|v2s2] [--compression-format gzip|zstd] NAME[:TAG]`,
// with Docker's output: the repository, a line per layer (redrawn on a
// TTY, one line per state change when piped), then `TAG: digest: ... size: N`.
import Glibc
import HiveArchive
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRegistry

enum ImagePush {
    static let def = CommandDef(
        name: "push", aliases: ["push", "image push"], usage: "[OPTIONS] NAME[:TAG]",
        summary: "Upload an image to a registry",
        options: [
            .flag("all-tags", "a", "Push all tags of an image to the repository"),
            .flag("quiet", "q", "Suppress verbose output"),
            .flag("disable-content-trust", nil, "Skip image verification (default true: hive has no content trust, =false is refused)"),
            .value("format", nil, "string", "Manifest type: oci or v2s2 (default: the stored one, else v2s2)"),
            .value("compression-format", nil, "string", "Layer compression: gzip (default) or zstd"),
            .value("compression-level", nil, "int", "Compression level (gzip 1-12, zstd 1-19)"),
            .value("authfile", nil, "path", "Path of the registry credentials file"),
            .value("platform", nil, "string", "Push the given platform's image (a local image has one platform: it must be this one)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        var options = PushOptions()
        if let f = c.args.value("format") {
            guard let v = ManifestFormat(rawValue: f) else {
                throw HiveError(.invalidArgument, "invalid --format \"\(f)\" (use oci or v2s2)")
            }
            options.format = v
        }
        if let f = c.args.value("compression-format") {
            guard let v = LayerCompression(rawValue: f) else {
                throw HiveError(.invalidArgument, "invalid --compression-format \"\(f)\" (use gzip or zstd)")
            }
            options.compression = v
        }
        if let l = c.args.value("compression-level") {
            let range: ClosedRange<Int32> = options.compression == .zstd ? 1...19 : 1...12
            guard let v = Int32(l), range.contains(v) else {
                throw HiveError(.invalidArgument, "invalid --compression-level \"\(l)\" (use \(range.lowerBound)-\(range.upperBound))")
            }
            options.compressionLevel = v
        }
        if c.args.negated.contains("disable-content-trust") { throw RunRefusals.contentTrustRequested() }
        let name = c.args.positionals[0]
        let quiet = c.args.flag("quiet"), all = c.args.flag("all-tags")
        let engine = try c.engine()  // with --authfile
        if let p = c.args.value("platform") {
            guard !all else { throw HiveError(.invalidArgument, "--platform and --all-tags cannot be used together") }
            try engine.checkImagePlatform(name, p)
        }
        let view = PushView(out: c.out, tty: isatty(1) == 1, quiet: quiet)
        if !quiet && !all, (try? Reference(parsing: name, defaultTag: false))?.tag == nil, !name.contains("@") {
            c.out.line("Using default tag: latest")
        }
        let results = try engine.push(name, allTags: all, options: options) { view.show($0) }
        if quiet { for r in results { c.out.line(r.reference.familiar) } }
        return 0
    }
}

/// Docker's push output, drawn as a pull's is (LayerLines, PullRenderer's bar; on a
/// terminal every layer line redrawn in place); events come from the push's threads.
final class PushView: @unchecked Sendable {
    let out: Output
    let quiet: Bool
    private var mutex = pthread_mutex_t()
    private let layers: LayerLines<LayerPushState>

    init(out: Output, tty: Bool, quiet: Bool) {
        self.out = out
        self.quiet = quiet
        layers = LayerLines(out: out, tty: tty, isNew: { !PushView.sameState($0, $1) },
                            line: { id, state, terminal in PushView.line(id, state, bar: terminal) })
        pthread_mutex_init(&mutex, nil)
    }

    func show(_ n: PushNotice) {
        guard !quiet else { return }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        switch n {
        case .repository(let r):
            out.line("The push refers to repository [\(r)]")
        case .layer(let e):
            layers.set(e.id, e.state)
        case .pushed(let tag, let digest, let size):
            layers.reset()
            out.line("\(tag): digest: \(digest) size: \(size)")
        }
        out.flush()
    }

    /// Whether two states are the same state (more bytes pushed is not a new one).
    static func sameState(_ a: LayerPushState, _ b: LayerPushState) -> Bool {
        if case .pushing = a, case .pushing = b { return true }
        return a == b
    }

    /// `id: Pushing [==>   ]  1.2MB/3.4MB` (the bar on a terminal only), `id: Pushed`, ...
    static func line(_ id: String, _ state: LayerPushState, bar: Bool) -> String {
        if bar, case .pushing(let done, let total) = state, total > 0 {
            return "\(id): Pushing \(PullRenderer.bar(done, total))  \(Units.humanSize(done))/\(Units.humanSize(total))"
        }
        return "\(id): \(state.words)"
    }
}
