// The facade the CLI talks to (DESIGN.md): images now; containers, builds
// and hooks build on it.
import Glibc
import HiveHooks
import HiveOCI
import HivePlatform
import HiveStore

/// What the engine needs from the command line besides the store.
public struct EngineOptions: Sendable {
    /// hive.toml (nil: $HIVE_CONFIG or /etc/hive/hive.toml).
    public var configPath: String?
    /// Replaces the configured site hook directories (`--hooks-dir`).
    public var hooksDirs: [String]?
    /// Where the engine (and the hooks, through it) says things: the CLI makes
    /// it from --log-level; the engine never writes to stderr itself.
    public var logger = Logger()
    /// The logger's level as --log-level names it.
    public var logLevel: String { logger.level.name }
    public init() {}
}

public final class Engine {
    public let store: Store
    public let options: EngineOptions
    /// Loaded on the first event (a verb that fires none never reads hive.toml).
    var hookEngine: Hooks?
    var hookSetupError: HiveError?
    var configuration: HiveConfig?
    /// Decoded container specs and labels, by the JSON text they came from
    /// (one run fires several events about the same container).
    var decodedSpecs: [String: ContainerSpec] = [:]
    var decodedLabels: [String: [String: String]] = [:]
    /// The parts of a container's hook context that do not change within a command.
    var contextBase: [String: [String: JSONValue]] = [:]
    /// Time spent on hooks (set-up, contexts, handlers) by this command.
    var hookNanos: Int64 = 0
    /// The event log; records queued by hooks go with the next one (logEvent) or at exit (flushEvents).
    lazy var eventLog = EventLog(root: store.root)

    public init(root: String, runroot: String, options: EngineOptions = EngineOptions()) throws {
        store = try Store(root: root, runroot: runroot)
        self.options = options
    }

    var logger: Logger { options.logger }

    /// A debug line (--log-level debug), through the logger.
    func debugLog(_ s: @autoclosure () -> String) { options.logger.debug(s()) }

    /// The platform hive runs images for.
    public static var hostArchitecture: String {
        var u = utsname()
        uname(&u)
        let m = withUnsafeBytes(of: u.machine) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
        switch m {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        case "i386", "i686": return "386"
        case "armv7l": return "arm"
        default: return m
        }
    }
}

/// An image resolved from what the user typed.
public struct ResolvedImage {
    public var id: Digest
    /// The tag the user named, fully qualified, if they named one.
    public var tag: String?
}

extension Engine {
    /// Resolves a name as Docker does: a tag (`busybox`, `busybox:1`), a full
    /// ID (`sha256:...`), or a unique ID prefix.
    public func resolveImage(_ text: String) throws -> ResolvedImage {
        let lowered = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        let parsed = Result { () throws(ReferenceError) -> Reference in try Reference(parsing: text) }
        if case .success(let ref) = parsed {
            if let digest = ref.digest {
                // name@digest: match the manifest digest of an image in that repository.
                for r in try store.allImages() where r.manifestDigest == digest || r.id == digest {
                    if r.tags.contains(where: { $0.hasPrefix(ref.repository + ":") }) || ref.tag == nil {
                        return ResolvedImage(id: r.id, tag: nil)
                    }
                }
            } else if let id = try store.imageID(forTag: ref.description) {
                return ResolvedImage(id: id, tag: ref.description)
            }
        }
        if !lowered.isEmpty, lowered.utf8.count <= 64, lowered.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            let ids = try store.imageIDs(prefix: lowered)
            if ids.count == 1 { return ResolvedImage(id: ids[0], tag: nil) }
            if ids.count > 1 {
                throw HiveError(.conflict, "image ID prefix \"\(text)\" is ambiguous: it matches \(ids.count) images (give more digits)")
            }
        }
        if case .failure(let e) = parsed, !text.hasPrefix("sha256:") {
            throw HiveError(.invalidArgument, "\(e)")
        }
        throw HiveError(.notFound, "image \"\(text)\" not found locally (hive images lists them)")
    }

    /// The stored config of an image (what `run` needs; no manifest read).
    public func imageConfig(_ id: Digest) throws -> ImageConfig {
        try store.imageConfig(id)
    }

    /// The stored manifest and config of an image.
    public func manifestAndConfig(_ id: Digest) throws -> (ImageRecord, Manifest, ImageConfig) {
        guard let rec = try store.image(id) else {
            throw HiveError(.notFound, "image \(id.shortID) not found locally (hive images lists them)")
        }
        let manifest = try JSONCoding.decode(Manifest.self, from: try store.readBlob(rec.manifestDigest, limit: JSONValue.maxDocumentBytes))
        let config = try JSONCoding.decode(ImageConfig.self, from: try store.readBlob(id, limit: JSONValue.maxDocumentBytes))
        return (rec, manifest, config)
    }
}

/// Shows a fully qualified tag name as Docker does (`busybox:latest`).
public func familiarName(_ full: String) -> String {
    // one command names the same image in every event it logs: parse it once
    if full == FamiliarNames.lastFull { return FamiliarNames.lastFamiliar }
    let f = (try? Reference(parsing: full))?.familiar ?? full
    FamiliarNames.lastFull = full
    FamiliarNames.lastFamiliar = f
    return f
}

private enum FamiliarNames {
    nonisolated(unsafe) static var lastFull = ""
    nonisolated(unsafe) static var lastFamiliar = ""
}
