// The hook engine (DESIGN.md "Hooks"): finds the enabled plugins and the site
// hooks, refuses files anyone but root could have written, loads each into
// its own sandboxed state only when one of its events fires, and runs the
// handlers in a fixed order: plugins first (in hive.toml's order), then site
// hooks by file name; within that, higher priority first.
//
// A bundle in the store's cache (HookBundle) records which events each file
// listens to and keeps each file compiled, keyed by every file's inode, size
// and times: an event nobody listens to costs a few stat calls and no Lua at
// all, and the files are not parsed again until one changes.
import CHiveLua
import Glibc
import HiveOCI
import HivePlatform

public final class Hooks {
    /// --log-level's levels (HivePlatform's Logger).
    public typealias LogLevel = Logger.Level

    /// The Lua the hooks run on ("Lua 5.4.6"), for `hive version`.
    public static var luaVersion: String { String(cString: hive_lua_release()) }

    /// One change a `pre-*` hook made, for the log and the event log.
    public struct Change: Sendable {
        public var script: String
        public var event: HookEvent
        public var field: String
        public var old: JSONValue?
        public var new: JSONValue?
        public var summary: String {
            "\(field): \(old.map { $0.serialized() } ?? "(none)") -> \(new.map { $0.serialized() } ?? "(none)")"
        }
    }

    /// A hook file that passed the ownership checks.
    struct HookFile {
        var path: String
        var tier: HookTier
        var allowExec: Bool
        var config: JSONValue
        /// Path, inode, size and times: what the bundle is keyed by.
        var signature: [UInt8]
    }

    public let config: HiveConfig
    let siteDirs: [String]
    /// Where the bundles live (`$ROOT/cache/hooks`; nil: nothing is kept).
    let bundleDir: String?
    public weak var host: HookHost?
    /// Where `hive.log` and the hooks' warnings go: the hooks' own logger
    /// (`hive hooks test` turns it to debug and collects its lines).
    public let logger: Logger
    public var logLevel: LogLevel {
        get { logger.level }
        set { logger.level = newValue }
    }
    /// Where log lines go (the logger's sink: stderr unless given one).
    public var write: (String) -> Void {
        get { logger.sink }
        set { logger.sink = newValue }
    }
    /// `hive hooks test`: hive.exec does nothing and says what it would run.
    public var dryRun = false

    private var files: [HookFile]?
    /// What the cache held for these files (nil: nothing yet, or stale), and where it is.
    private var bundle: HookBundle?
    /// The compiled bundle of this hook set, once known (gc keeps it).
    public private(set) var bundlePath: String?
    /// Each file once loaded, by its place in `files`.
    private var scripts: [HookScript?] = []
    var vm: LuaVM?
    /// Context bases the Lua state holds (Base), by key.
    var basesSet: [String] = []
    private var fileMasks: [UInt32]?
    /// Bumped per event: the handlers of one event share one decoded context, each seeing what the previous left.
    var generation: Int64 = 0
    /// How many hook files this engine has loaded into Lua.
    var loadedScripts: Int { scripts.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
    /// Events run and handler calls made by this process (the engine times them).
    public internal(set) var stats = (events: 0, calls: 0)

    /// `hooksDirs` replaces the configured site hook directories (`--hooks-dir`).
    public init(config: HiveConfig, hooksDirs: [String]? = nil, cacheDir: String?, logLevel: LogLevel = .warn) {
        self.config = config
        self.siteDirs = hooksDirs ?? config.hookDirs
        self.bundleDir = cacheDir.map { $0 + "/hooks" }
        self.logger = Logger(level: logLevel)
    }

    // MARK: - Discovery

    /// The hook files in run order. Throws if a file is refused or a plugin is missing.
    func discover() throws(HiveError) -> [HookFile] {
        if let files { return files }
        var out: [HookFile] = []
        out.reserveCapacity(16)
        var checkedDirs = Set<String>()
        for name in config.enabledPlugins {
            guard let path = config.pluginDirs.map({ $0 + "/" + name + ".lua" }).first(where: { access($0, F_OK) == 0 }) else {
                throw HiveError(.notFound, "plugin \(name) is enabled in \(config.path ?? "hive.toml") but not found in \(config.pluginDirs.joined(separator: ", ")) (make install installs the shipped plugins)")
            }
            if let root = config.pluginDirs.first(where: { path.hasPrefix($0 + "/") }), !checkedDirs.contains(root) {
                _ = try Hooks.checkOwnership(root, what: "plugin directory")  // a writable root could swap the group directory
                checkedDirs.insert(root)
            }
            let sig = try Hooks.checkedFile(path, checkedDirs: &checkedDirs)
            out.append(HookFile(path: path, tier: .plugin, allowExec: !name.hasPrefix("policy/"),
                                config: config.pluginConfig[name] ?? .object([:]), signature: sig))
        }
        // (a struct, not a tuple: tuple types are instantiated by the runtime on first use)
        struct SiteFile { var name: String; var path: String }
        var site: [SiteFile] = []
        site.reserveCapacity(16)
        for dir in siteDirs {
            for name in Files.names(in: dir) where name.hasSuffix(".lua") && !name.hasPrefix(".") {
                site.append(SiteFile(name: name, path: dir + "/" + name))
            }
        }
        for s in site.sorted(by: { $0.name != $1.name ? $0.name < $1.name : $0.path < $1.path }) {
            let sig = try Hooks.checkedFile(s.path, checkedDirs: &checkedDirs)
            let name = s.name, path = s.path
            let stem = String(name.dropLast(4))
            out.append(HookFile(path: path, tier: .site, allowExec: true, config: config.pluginConfig[stem] ?? .object([:]),
                                signature: sig))
        }
        files = out
        scripts = Array(repeating: nil, count: out.count)
        return out
    }

    // MARK: - Who listens to what

    static func bit(_ e: HookEvent) -> UInt32 { 1 << UInt32(e.ordinal) }

    /// Each file's events as a bit set: from the bundle, or (a file was
    /// added, removed or changed) by loading every file once and keeping
    /// what they registered and their compiled chunks in a new bundle.
    func masks() throws(HiveError) -> [UInt32] {
        if let fileMasks { return fileMasks }
        let fs = try discover()
        // no hook files: nothing to cache or read
        if fs.isEmpty {
            fileMasks = []
            return []
        }
        let key = HookBundle.key(fs.map(\.signature), luaRelease: Hooks.luaRelease, registration: registrationInputs(fs))
        let path = bundleDir.map { HookBundle.path(dir: $0, key: key) }
        bundlePath = path
        if let path, let b = HookBundle.read(path, key: key, count: fs.count) {
            bundle = b
            fileMasks = b.masks
            return b.masks
        }
        var masks: [UInt32] = []
        var chunks: [[UInt8]] = []
        for i in fs.indices {
            // a file that does not load: every event tries it and reports why
            var compiled: [UInt8] = []
            var volatile = false
            if let s = try? script(i, keep: &compiled, volatile: &volatile) {
                // a file whose registration read the clock, the store or a module: loaded for every event
                masks.append(volatile ? .max : s.handlers.reduce(UInt32(0)) { $0 | Hooks.bit($1.event) })
            } else {
                masks.append(.max)
            }
            chunks.append(compiled)
        }
        vm?.rest()
        if let path { HookBundle.write(path, key: key, masks: masks, chunks: chunks) }
        fileMasks = masks
        return masks
    }

    /// Everything besides the files' bytes that can change what loading them
    /// registers, for the bundle's key: each file's tier, hive.exec and
    /// hive.config (its table from hive.toml or --config: a policy switched
    /// on there must not wait for a hook file to change), the configuration
    /// file, the plugin list and directories, the hook directories, the
    /// limits, the events hive fires and the engine's revision.
    func registrationInputs(_ fs: [HookFile]) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(256)
        func add(_ s: String) {
            k += s.utf8
            k.append(0)
        }
        for f in fs {
            add(f.tier == .plugin ? "plugin" : "site")
            add(f.allowExec ? "exec" : "-")
            if case .object(let o) = f.config, o.isEmpty { add("{}") } else { add(f.config.serialized()) }
        }
        add(config.path ?? "-")
        add(config.enabledPlugins.joined(separator: ","))
        add(config.pluginDirs.joined(separator: ":"))
        add(siteDirs.joined(separator: ":"))
        var limits: [UInt8] = []
        appendDecimal(config.limits.instructions, to: &limits)
        limits.append(UInt8(ascii: "/"))
        appendDecimal(config.limits.timeoutNanos, to: &limits)
        limits.append(UInt8(ascii: "/"))
        appendDecimal(config.limits.memory, to: &limits)
        k += limits
        k.append(0)
        add(Hooks.eventNames)
        add(HIVE_LUA_ENGINE)
        return k
    }

    private static let eventNames = HookEvent.ordered.map(\.rawValue).joined(separator: ",")

    /// Whether any hook listens to `event` (no Lua unless a hook file changed).
    public func listens(_ event: HookEvent) throws(HiveError) -> Bool {
        try masks().contains { $0 & Hooks.bit(event) != 0 }
    }

    /// The file at `i` of `files`, loaded once: from its compiled chunk in
    /// the bundle, or from its text (compiled into `keep` for a new bundle).
    func script(_ i: Int) throws(HiveError) -> HookScript {
        var unused: [UInt8] = []
        return try script(i, keep: &unused)
    }

    private func script(_ i: Int, keep: inout [UInt8]) throws(HiveError) -> HookScript {
        var volatile = false
        return try script(i, keep: &keep, volatile: &volatile)
    }

    private func script(_ i: Int, keep: inout [UInt8], volatile: inout Bool) throws(HiveError) -> HookScript {
        if let s = scripts[i] { return s }
        let f = files![i]
        log(.debug, "loading hook file \(f.path)")
        let machine: LuaVM
        if let vm { machine = vm } else { machine = try LuaVM(limits: config.limits, hooks: self) }
        vm = machine
        let source = { () throws(HiveError) -> [UInt8] in
            guard let bytes = Files.read(f.path) else { throw HiveError.errno("cannot read hook file \(f.path)") }
            return bytes
        }
        let loaded: LuaVM.Loaded
        if let b = bundle, b.lengths[i] > 0 {
            loaded = try machine.load(path: f.path, source: source, tier: f.tier, allowExec: f.allowExec, config: f.config,
                                      chunk: b.data, chunkStart: b.starts[i], chunkLength: b.lengths[i])
            // a chunk that does not load (a damaged cache): from the text, and a new bundle next time
            if loaded.recompiled, let bundlePath { unlink(bundlePath) }
        } else {
            loaded = try machine.load(path: f.path, source: source, tier: f.tier, allowExec: f.allowExec, config: f.config,
                                      keepCompiled: bundleDir != nil)
            keep = loaded.compiled
        }
        volatile = loaded.volatile
        let s = loaded.script
        scripts[i] = s
        return s
    }

    /// The Lua release compiled chunks belong to (part of a bundle's key).
    private static let luaRelease = Array(String(cString: hive_lua_release()).utf8)

    // MARK: - Listing

    public struct Listing: Sendable {
        public var file: String
        public var tier: HookTier
        public var event: HookEvent
        public var priority: Int64
        public var when: JSONValue
        public var exec: Bool
    }

    /// Every registration of every hook file (loads them all).
    public func listing() throws(HiveError) -> [Listing] {
        var out: [Listing] = []
        defer { vm?.rest() }
        let fs = try discover()
        for (i, f) in fs.enumerated() {
            let s = try script(i)
            for h in s.handlers {
                out.append(Listing(file: f.path, tier: f.tier, event: h.event, priority: h.priority, when: h.when, exec: f.allowExec))
            }
        }
        return out
    }
}
