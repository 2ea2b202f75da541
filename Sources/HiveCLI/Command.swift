// Command definitions and the context a verb runs with.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

struct CommandDef {
    let name: String
    /// Full invocations that reach this verb, e.g. ["images", "image ls", "image list"].
    let aliases: [String]
    let usage: String
    let summary: String
    var options: [OptionDef] = []
    /// false: options end at the first positional (`run IMAGE CMD -x`).
    var interspersed = true
    /// The exit status of every failure of this verb, when it is not
    /// ErrorMapping's (Docker's `login`, `logout` and `pull` exit 1).
    var failureStatus: Int32? = nil
    let run: (Context) throws -> Int32
}

struct GlobalOptions {
    var root = "/var/lib/hive"
    var runroot = "/run/hive"
    var logLevel = "warn"
    var config: String?
    var hooksDirs: [String]?

    static let defs: [OptionDef] = [
        .value("config", nil, "path", "Configuration file (default /etc/hive/hive.toml, or $HIVE_CONFIG)"),
        .multi("hooks-dir", nil, "path", "Site hook directory, instead of hive.toml's (or $HIVE_HOOKS_DIR)"),
        .value("root", nil, "path", "Storage root (default /var/lib/hive, or $HIVE_ROOT)"),
        .value("runroot", nil, "path", "Runtime state directory (default /run/hive, or $HIVE_RUNROOT)"),
        .value("log-level", nil, "level", "Logging level: debug, info, warn, error (default warn)"),
    ]

    static func fromEnvironment() -> GlobalOptions {
        var g = GlobalOptions()
        if let r = getenv("HIVE_ROOT"), r.pointee != 0 { g.root = String(cString: r) }
        if let r = getenv("HIVE_RUNROOT"), r.pointee != 0 { g.runroot = String(cString: r) }
        if let l = getenv("HIVE_LOG_LEVEL"), l.pointee != 0 { g.logLevel = String(cString: l) }
        if let h = getenv("HIVE_HOOKS_DIR"), h.pointee != 0 { g.hooksDirs = String(cString: h).split(separator: ":").map(String.init) }
        return g
    }

    mutating func apply(_ p: ParsedArgs) throws {
        if let r = p.value("root") { root = r }
        if let r = p.value("runroot") { runroot = r }
        if let l = p.value("log-level") {
            guard ["debug", "info", "warn", "warning", "error", "fatal", "panic", "trace"].contains(l) else {
                throw HiveError(.invalidArgument, "invalid --log-level \"\(l)\" (use debug, info, warn or error)")
            }
            logLevel = l
        }
        // the monitor's `container cleanup` inherits these through the environment
        if let c = p.value("config") {
            config = c
            setenv("HIVE_CONFIG", c, 1)
        }
        let dirs = p.all("hooks-dir")
        if !dirs.isEmpty {
            hooksDirs = dirs
            setenv("HIVE_HOOKS_DIR", dirs.joined(separator: ":"), 1)
        }
        if p.value("log-level") != nil { setenv("HIVE_LOG_LEVEL", logLevel, 1) }
    }

    var engineOptions: EngineOptions {
        var o = EngineOptions()
        o.configPath = config
        o.hooksDirs = hooksDirs
        o.logger = Logger(level: Logger.Level(logLevel), sink: Logger.standardError)
        return o
    }
}

final class Context {
    let globals: GlobalOptions
    let args: ParsedArgs
    let command: CommandDef
    let out = Output.out
    let err = Output.err
    private(set) var _engine: Engine?

    init(globals: GlobalOptions, args: ParsedArgs, command: CommandDef) {
        self.globals = globals
        self.args = args
        self.command = command
    }

    /// Opens the store on first use (help and version never touch it).
    func engine() throws -> Engine {
        if let e = _engine { return e }
        guard globals.root.hasPrefix("/") else {
            throw HiveError(.invalidArgument, "--root must be an absolute path, not \"\(globals.root)\"")
        }
        var options = globals.engineOptions
        options.authFile = args.value("authfile")  // pull's --authfile (nil for verbs without it)
        let e = try Engine(root: globals.root, runroot: globals.runroot, options: options)
        for n in e.store.notices { warn(n) }
        _engine = e
        return e
    }

    /// `-l k=v` style options as a map (`k` alone maps to "").
    func keyValues(_ option: String) -> [String: String] {
        var out: [String: String] = [:]
        for l in args.all(option) {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            guard let k = kv.first else { continue }
            out[k] = kv.count > 1 ? kv[1] : ""
        }
        return out
    }

    func warn(_ s: String) {
        if globals.logLevel != "error" { err.line("hive: warning: " + s) }
    }

    /// Checks the number of positionals.
    func expect(min: Int, max: Int? = nil) throws {
        let n = args.positionals.count
        if n < min || (max != nil && n > max!) {
            let want: String
            if let max, max == min { want = "exactly \(min) argument\(min == 1 ? "" : "s")" }
            else if let max { want = "\(min) to \(max) arguments" }
            else { want = "at least \(min) argument\(min == 1 ? "" : "s")" }
            throw UsageError(message: "\"hive \(command.aliases[0])\" requires \(want)", command: command.aliases[0])
        }
    }
}
