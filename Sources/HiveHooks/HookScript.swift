// Hook files in the process's sandboxed Lua state (CHiveLua owns every Lua call).
import CHiveLua
import Glibc
import HiveOCI
import HivePlatform

/// The events hive fires. Documented in docs/hooks.md.
public enum HookEvent: String, CaseIterable, Sendable {
    case preBuild = "pre-build", postBuild = "post-build"
    case preCreate = "pre-create", postCreate = "post-create"
    case preStart = "pre-start", postStart = "post-start"
    case onExit = "on-exit", onStop = "on-stop", onRemove = "on-remove"
    case prePrune = "pre-prune", prePull = "pre-pull"
    case postPull = "post-pull"
    // networks (issue #13): a network made or removed, a container joining or leaving one
    case onNetworkCreate = "on-network-create", onNetworkRemove = "on-network-remove"
    case onConnect = "on-connect", onDisconnect = "on-disconnect"
    // services (issue #14): a container's health status changed
    case onHealth = "on-health"

    /// Every event in declaration order (`allCases` builds a new array per use).
    public static let ordered: [HookEvent] = allCases

    /// Its place in `ordered` (the events index stores a bit per event).
    /// A search of twelve cases: a Dictionary or Set keyed by HookEvent would
    /// make the runtime look up its Hashable conformance on first use (a scan
    /// of every conformance in the binary, ~50 us per command).
    public var ordinal: Int { HookEvent.ordered.firstIndex(of: self)! }

    /// `pre-*` hooks may change the context or deny; they fail closed.
    public var isPre: Bool { rawValue.hasPrefix("pre-") }

    private static let createFields: Set<String> = ["name", "image", "replace", "labels", "env", "mounts", "resources", "network", "extra_hosts", "security",
                                                          "network_aliases", "ports", "dns"]
    private static let buildFields: Set<String> = ["tags", "labels", "build_args", "network"]
    private static let pruneFields: Set<String> = ["candidates"]
    private static let pullFields: Set<String> = ["reference"]

    /// The context fields a hook may change.
    public var mutableFields: Set<String> {
        switch self {
        case .preCreate: return HookEvent.createFields
        case .preBuild: return HookEvent.buildFields
        case .prePrune: return HookEvent.pruneFields
        case .prePull: return HookEvent.pullFields
        default: return []
        }
    }
}

/// Where a hook file came from: plugins run first; site hooks cannot override them.
public enum HookTier: Int, Sendable, Comparable {
    case plugin = 0, site = 1
    public static func < (a: HookTier, b: HookTier) -> Bool { a.rawValue < b.rawValue }
}

/// What the script asks of hive while it runs (queries, logging, exec).
public protocol HookHost: AnyObject {
    func hookQuery(_ op: String, _ arg: JSONValue) throws -> JSONValue
}

/// One hook file loaded into the shared state: where it came from and what it registered.
struct HookScript {
    struct Handler {
        var event: HookEvent
        var priority: Int64
        var when: JSONValue
        var index: Int32
    }

    let path: String
    let tier: HookTier
    let allowExec: Bool
    let handlers: [Handler]
}

/// The Lua state every hook file of this process shares, each file in an
/// environment of its own (CHiveLua owns every Lua call).
final class LuaVM {
    enum Outcome {
        /// A pre-* handler changed the context: the fields it changed (a
        /// removed one as null) or, with `whole`, the context as it left it.
        case changed(JSONValue, whole: Bool)
        /// Nothing to take back: the handler left the context as it was, or
        /// the event wants no result.
        case unchanged
        case denied(String)
        case failed(String)
    }

    /// The object the C side calls back into.
    final class Bridge {
        weak var hooks: Hooks?
        var paths: [String] = []
        var event: HookEvent?
        /// The state, for the time a host call may take (hive.exec ends by the call's deadline).
        var state: OpaquePointer?
        init(hooks: Hooks) { self.hooks = hooks }
    }

    private let state: OpaquePointer
    private static let emptyTable = JSONValue.object([:]).luaEncoded
    private let bridge: Bridge

    init(limits: HiveConfig.Limits, hooks: Hooks) throws(HiveError) {
        bridge = Bridge(hooks: hooks)
        let lim = hive_lua_limits(instructions: limits.instructions, deadline_ns: limits.timeoutNanos, memory: Int(limits.memory))
        let events = HookEvent.allCases.map(\.rawValue).joined(separator: ",")
        guard let s = hive_lua_new(lim, hookHostTrampoline, Unmanaged.passUnretained(bridge).toOpaque(), events) else {
            throw HiveError(.io, "cannot create the hooks' Lua state within the memory limit of \(limits.memory) bytes")
        }
        state = s
        bridge.state = s
    }

    deinit { hive_lua_free(state) }

    /// After an event's handlers or a round of loads: the watchdog's timer stops.
    func rest() { hive_lua_rest(state) }

    /// A hook file loaded: what it registered, its compiled form when asked
    /// for, and whether a compiled chunk given did not load (it came from the text).
    struct Loaded {
        var script: HookScript
        var compiled: [UInt8] = []
        var recompiled = false
        /// It read the clock, the store or a module while it loaded: what it registers may vary.
        var volatile = false
    }

    /// Runs a hook file's top level in a new environment; returns what it
    /// registered. `chunk`: its compiled form (from a bundle: compiled by hive
    /// from these very bytes), taken instead of the text; `keepCompiled`: the
    /// text's compiled form comes back for a bundle.
    func load(path: String, source: () throws(HiveError) -> [UInt8], tier: HookTier, allowExec: Bool, config: JSONValue,
              chunk: [UInt8]? = nil, chunkStart: Int = 0, chunkLength: Int = 0, keepCompiled: Bool = false) throws(HiveError) -> Loaded {
        let file = Int32(bridge.paths.count)
        bridge.paths.append(path)
        let before = hive_lua_handler_count(state)
        // most files have no settings in hive.toml
        let cfg: [UInt8]
        if case .object(let o) = config, o.isEmpty { cfg = LuaVM.emptyTable } else { cfg = config.luaEncoded }
        func run(_ bytes: [UInt8], _ start: Int, _ count: Int, mode: Int32) -> Int32 {
            bytes.withUnsafeBytes { src in
                cfg.withUnsafeBytes { c in
                    hive_lua_load_mode(state, file, src.baseAddress.map { ($0 + start).assumingMemoryBound(to: CChar.self) }, count,
                                       "@" + path, c.baseAddress?.assumingMemoryBound(to: CChar.self), c.count, allowExec ? 1 : 0, mode)
                }
            }
        }
        func fromText(keep: Bool) throws(HiveError) -> Int32 {
            let text = try source()
            return run(text, 0, text.count, mode: keep ? 1 : 0)
        }
        var out = Loaded(script: HookScript(path: path, tier: tier, allowExec: allowExec, handlers: []))
        var status: Int32
        if let chunk {
            status = run(chunk, chunkStart, chunkLength, mode: 2)
            if status == Int32(HIVE_LUA_BADCHUNK) {
                out.recompiled = true
                status = try fromText(keep: false)
            }
        } else {
            status = try fromText(keep: keepCompiled)
            if status == Int32(HIVE_LUA_OK) && keepCompiled {
                var len = 0
                if let p = hive_lua_compiled(state, &len), len > 0 {
                    out.compiled = Array(UnsafeRawBufferPointer(start: p, count: len))
                }
            }
        }
        if status != Int32(HIVE_LUA_OK) {
            throw HiveError(.invalidArgument, Hooks.describe(String(cString: hive_lua_message(state)), path: path, event: "load"))
        }
        var handlers: [HookScript.Handler] = []
        handlers.reserveCapacity(Int(hive_lua_handler_count(state) - before))
        for i in before..<hive_lua_handler_count(state) {
            var priority: Int64 = 0
            var when: UnsafePointer<CChar>? = nil
            var whenLen = 0
            var owner: Int32 = -1
            var eventIndex: Int32 = -1
            guard hive_lua_handler(state, i, &priority, &when, &whenLen, &owner, &eventIndex) != 0, owner == file,
                  eventIndex >= 0, Int(eventIndex) < HookEvent.ordered.count else { continue }
            let event = HookEvent.ordered[Int(eventIndex)]
            let w = whenLen > 1 || when?.pointee != 45 /* "-" */ ? (when.flatMap { p in p.withMemoryRebound(to: UInt8.self, capacity: whenLen) { JSONValue.luaDecoded(UnsafeBufferPointer(start: $0, count: whenLen)) } } ?? .null) : .null
            handlers.append(HookScript.Handler(event: event, priority: priority, when: w, index: i))
        }
        out.script = HookScript(path: path, tier: tier, allowExec: allowExec, handlers: handlers)
        out.volatile = hive_lua_load_volatile(state) != 0
        return out
    }

    /// Keeps `value` (a table) under `key` for contexts encoded on it (`JSONValue.luaEncoded(onBase:)`).
    func setBase(_ key: String, _ value: JSONValue) -> Bool {
        let enc = value.luaEncoded
        let k = Array(key.utf8)
        return enc.withUnsafeBufferPointer { e in
            k.withUnsafeBufferPointer { kp in
                e.withMemoryRebound(to: CChar.self) { e2 in
                    kp.withMemoryRebound(to: CChar.self) { hive_lua_set_base(state, $0.baseAddress, $0.count, e2.baseAddress, e2.count) }
                }
            }
        } == Int32(HIVE_LUA_OK)
    }

    /// Calls a handler with an encoded context; with `wantResult` (pre-* events)
    /// what the handler changed comes back, otherwise `.unchanged`.
    func call(_ h: HookScript.Handler, encoded: [UInt8], wantResult: Bool, generation: Int64 = 0) -> Outcome {
        bridge.event = h.event
        defer { bridge.event = nil }
        let status = encoded.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { hive_lua_call(state, h.index, $0.baseAddress, $0.count, wantResult ? 1 : 0, generation) }
        }
        switch status {
        case Int32(HIVE_LUA_OK):
            guard wantResult else { return .unchanged }
            if hive_lua_unchanged(state) != 0 { return .unchanged }
            var len = 0
            let p = hive_lua_result(state, &len)!
            let v = p.withMemoryRebound(to: UInt8.self, capacity: len) { JSONValue.luaDecoded(UnsafeBufferPointer(start: $0, count: len)) }
            return v.map { .changed($0, whole: hive_lua_result_is_delta(state) == 0) } ?? .failed("the context came back malformed")
        case Int32(HIVE_LUA_DENIED):
            return .denied(String(cString: hive_lua_message(state)))
        default:
            return .failed(String(cString: hive_lua_message(state)))
        }
    }
}

/// Called by CHiveLua when a script calls hive.log/images/exec/...; answers
/// in a malloc'd buffer. Never raises: C raises on a non-zero return.
private func hookHostTrampoline(_ ctx: UnsafeMutableRawPointer?, _ file: Int32, _ op: UnsafePointer<CChar>?, _ arg: UnsafePointer<CChar>?, _ argLen: Int,
                                _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ outLen: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let ctx, let op, let out, let outLen else { return 1 }
    let bridge = Unmanaged<LuaVM.Bridge>.fromOpaque(ctx).takeUnretainedValue()
    let path = file >= 0 && Int(file) < bridge.paths.count ? bridge.paths[Int(file)] : "?"
    func reply(_ bytes: [UInt8]) {
        let p = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
        bytes.withUnsafeBytes { if $0.count > 0 { memcpy(p, $0.baseAddress!, $0.count) } }
        out.pointee = p
        outLen.pointee = bytes.count
    }
    let argument = arg.flatMap { a in a.withMemoryRebound(to: UInt8.self, capacity: argLen) { JSONValue.luaDecoded(UnsafeBufferPointer(start: $0, count: argLen)) } } ?? .null
    guard let hooks = bridge.hooks else {
        reply(Array("hive is shutting down".utf8))
        return 1
    }
    do {
        let left = bridge.state.map { hive_lua_time_left($0) } ?? Int64.max
        let v = try hooks.answer(String(cString: op), argument, script: path, event: bridge.event, timeLeft: left)
        reply(v.luaEncoded)
        return 0
    } catch let e as HiveError {
        reply(Array(e.message.utf8))
        return 1
    } catch {
        reply(Array("\(error)".utf8))
        return 1
    }
}
