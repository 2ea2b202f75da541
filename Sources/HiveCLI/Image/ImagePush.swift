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
            .value("format", nil, "string", "Manifest type: oci or v2s2 (default: the stored one, else v2s2)"),
            .value("compression-format", nil, "string", "Layer compression: gzip (default) or zstd"),
            .value("compression-level", nil, "int", "Compression level (gzip 1-9, zstd 1-19)"),
            .value("authfile", nil, "path", "Path of the registry credentials file"),
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
            let range: ClosedRange<Int32> = options.compression == .zstd ? 1...19 : 1...9
            guard let v = Int32(l), range.contains(v) else {
                throw HiveError(.invalidArgument, "invalid --compression-level \"\(l)\" (use \(range.lowerBound)-\(range.upperBound))")
            }
            options.compressionLevel = v
        }
        let name = c.args.positionals[0]
        let quiet = c.args.flag("quiet"), all = c.args.flag("all-tags")
        // the engine's credentials read $HIVE_AUTH_FILE (as --config sets $HIVE_CONFIG)
        if let a = c.args.value("authfile") { setenv("HIVE_AUTH_FILE", a, 1) }
        let engine = try c.engine()
        let view = PushView(out: c.out, tty: isatty(1) == 1, quiet: quiet)
        if !quiet && !all, (try? Reference(parsing: name, defaultTag: false))?.tag == nil, !name.contains("@") {
            c.out.line("Using default tag: latest")
        }
        let results = try engine.push(name, allTags: all, options: options) { view.show($0) }
        if quiet { for r in results { c.out.line(r.reference.familiar) } }
        return 0
    }
}

/// Docker's push output; events come from the push's threads.
final class PushView: @unchecked Sendable {
    let out: Output
    let tty: Bool
    let quiet: Bool
    private var mutex = pthread_mutex_t()
    /// Layer lines in the order they appeared (TTY: redrawn in place).
    private var ids: [String] = []
    private var shown: [String: String] = [:]
    private var lastDraw: [String: Int64] = [:]

    init(out: Output, tty: Bool, quiet: Bool) {
        self.out = out
        self.tty = tty
        self.quiet = quiet
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
            layer(e)
        case .pushed(let tag, let digest, let size):
            ids = []
            shown = [:]
            out.line("\(tag): digest: \(digest) size: \(size)")
        }
        out.flush()
    }

    private func layer(_ e: LayerPushEvent) {
        let text: String
        switch e.state {
        case .preparing: text = "Preparing"
        case .pushing(let done, let total):
            guard tty else { text = "Pushing"; break }
            let now = HostProcess.monotonicNanos()
            if done > 0 && done < total, let last = lastDraw[e.id], now - last < 100_000_000 { return }
            lastDraw[e.id] = now
            text = "Pushing " + PushView.bar(done, total)
        case .pushed: text = "Pushed"
        case .exists: text = "Layer already exists"
        case .mounted(let from): text = "Mounted from " + from
        }
        if shown[e.id] == text { return }
        shown[e.id] = text
        let line = "\(e.id): \(text)"
        guard tty, let i = ids.firstIndex(of: e.id) else {
            if !ids.contains(e.id) { ids.append(e.id) }
            out.line(line)
            return
        }
        let up = ids.count - i
        out.write("\u{1B}[\(up)A\r\u{1B}[2K" + line + "\u{1B}[\(up)B\r")
    }

    /// `[=====>     ]  1.2MB/3.4MB`, as Docker draws it.
    static func bar(_ done: Int64, _ total: Int64) -> String {
        let width = 50
        let filled = total > 0 ? min(width, Int(Double(done) / Double(total) * Double(width))) : 0
        var s = "[" + String(repeating: "=", count: filled)
        if filled < width { s += ">" + String(repeating: " ", count: width - filled - 1) }
        s += "] "
        let done = Units.humanSize(done)
        return s + String(repeating: " ", count: max(0, 8 - done.count)) + done + "/" + Units.humanSize(total)
    }
}
