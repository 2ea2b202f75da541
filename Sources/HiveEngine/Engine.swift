// The facade the CLI talks to (DESIGN.md): images now; containers, builds
// and hooks build on it.
import HiveHooks
import HiveNetwork
import HiveOCI
import HiveRegistry
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
    /// The registry credentials file (`--authfile`; nil: $HIVE_AUTH_FILE or hive's default).
    public var authFile: String?
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
    /// The command's registry client, made on first use (Engine+Registry.swift).
    var registryClient: RegistryClient?
    /// The command's network manager (Engine+Networking.swift), made on first use.
    var networkManager: NetworkManager?
    /// How run/create get an image that is missing (`--pull`; nil: resolved locally only).
    public var runPull: RunPull?
    /// The event log; records queued by hooks go with the next one (logEvent) or at exit (flushEvents).
    lazy var eventLog = EventLog(root: store.root)

    public init(root: String, runroot: String, options: EngineOptions = EngineOptions()) throws {
        store = try Store(root: root, runroot: runroot)
        self.options = options
    }

    var logger: Logger { options.logger }

    /// A debug line (--log-level debug), through the logger.
    func debugLog(_ s: @autoclosure () -> String) { options.logger.debug(s()) }
}

extension Engine {
    /// A tag, `name@digest`, a full ID or a unique ID prefix (HiveStore's resolveImage).
    public func resolveImage(_ text: String) throws -> ResolvedImage { try store.resolveImage(text) }

    /// The stored config of an image (what `run` needs; no manifest read).
    public func imageConfig(_ id: Digest) throws -> ImageConfig { try store.imageConfig(id) }

    /// The stored manifest and config of an image.
    public func manifestAndConfig(_ id: Digest) throws -> (ImageRecord, Manifest, ImageConfig) { try store.manifestAndConfig(id) }
}
