// Running an event (Hooks.swift finds and loads the files): the handlers
// that listen to it and match its subject, in order (plugins first, then
// site hooks; higher priority first), each given the context the previous
// one left; what a `pre-*` hook changed is checked against the fields it may
// change, and a denial or a failure refuses the operation.
import CHiveLua
import HiveOCI
import HivePlatform

extension Hooks {
    /// A handler of an event with the file it came from (a struct, not a
    /// tuple: tuple types are instantiated by the runtime on first use).
    struct Bound {
        var file: Int
        var script: HookScript
        var handler: HookScript.Handler
    }

    /// What `when = {image = "glob", label = {k = "v"}}` is matched against.
    public struct Subject: Sendable {
        public var image: String?
        public var labels: [String: String]
        public init(image: String? = nil, labels: [String: String] = [:]) {
            self.image = image
            self.labels = labels
        }
    }

    static func matches(_ when: JSONValue, _ subject: Subject) -> Bool {
        guard let w = when.objectValue else { return true }
        if let pattern = w["image"]?.stringValue {
            guard let image = subject.image else { return false }
            let short = image.hasPrefix("docker.io/library/") ? String(image.dropFirst(18)) : image
            if !Glob.match(pattern, image) && !Glob.match(pattern, short) && !Glob.match(pattern, short.split(separator: ":").first.map(String.init) ?? short) {
                return false
            }
        }
        if let labels = w["label"]?.objectValue {
            for (k, v) in labels {
                guard let have = subject.labels[k] else { return false }
                if let want = v.stringValue, !Glob.match(want, have) { return false }
            }
        }
        return true
    }

    /// Runs every handler of `event` on `context`. For `pre-*` events the
    /// returned context carries the hooks' changes, and a denial, an error or
    /// a spent budget throws (fails closed); for the others failures are
    /// logged and the operation goes on.
    /// The part of a context that stays the same across several events of
    /// one command (a container's identity, image, labels, env...): encoded
    /// and decoded once, each event's table a fresh copy of it plus the
    /// event's own fields.
    public struct Base {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }

        /// The whole context: this base with an event's own fields set on it.
        public func merged(_ own: JSONValue) -> JSONValue {
            guard case .object(var whole) = value, case .object(let fields) = own else { return own }
            for (k, v) in fields { whole[k] = v }
            return .object(whole)
        }
    }

    /// With `base`, `context` holds only the event's own fields, set on a copy
    /// of the base (pre-* events that may change the context get the two merged).
    public func run(_ event: HookEvent, _ context: JSONValue, base: Base? = nil, subject: Subject = Subject()) throws(HiveError) -> (context: JSONValue, changes: [Change]) {
        defer { vm?.rest() }  // no watchdog signal outlives the event
        let fs: [HookFile]
        do {
            guard try listens(event) else { return (context, []) }
            fs = try discover()
        } catch {
            if event.isPre { throw error }
            warn("hooks not run for \(event.rawValue): \(error.description)")
            return (context, [])
        }
        var handlers: [Bound] = []
        let fileMasks = try masks()
        for i in fs.indices {
            do {
                guard fileMasks[i] & Hooks.bit(event) != 0 else { continue }
                let s = try script(i)
                for h in s.handlers where h.event == event && Hooks.matches(h.when, subject) { handlers.append(Bound(file: i, script: s, handler: h)) }
            } catch {
                if event.isPre { throw error }
                warn(error.description)
            }
        }
        stats.events += 1
        stats.calls += handlers.count
        handlers.sort { a, b in
            if a.script.tier != b.script.tier { return a.script.tier < b.script.tier }
            if a.handler.priority != b.handler.priority { return a.handler.priority > b.handler.priority }
            return a.file != b.file ? a.file < b.file : a.handler.index < b.handler.index
        }
        guard !handlers.isEmpty, let vm else { return (context, []) }
        // deny-only events (pre-start) need no result: nothing they change applies
        let wantResult = event.isPre && !event.mutableFields.isEmpty
        var current = context
        let encoded: [UInt8]  // once per event
        if let base, !wantResult, holds(base, in: vm) {
            encoded = context.luaEncoded(onBase: base.key)
        } else {
            current = base?.merged(context) ?? context
            encoded = current.luaEncoded
        }
        generation += 1
        let gen = generation
        var changes: [Change] = []
        func pass(_ list: ArraySlice<Bound>) throws(HiveError) {
            for b in list {
                let s = b.script, h = b.handler
                switch vm.call(h, encoded: encoded, wantResult: wantResult, generation: gen) {
                case .unchanged:
                    continue
                case .changed(let out, let whole):
                    // the next handler gets the table this one left (what `current` takes from it)
                    try apply(out, whole: whole, from: s.path, event: event, to: &current, changes: &changes)
                case .denied(let reason):
                    if event.isPre { throw HiveError(.denied, "\(event.rawValue) denied by hook \(s.path): \(reason)") }
                    warn("hook \(s.path) (\(event.rawValue)): hive.deny has no effect after the fact (\(reason))")
                case .failed(let message):
                    let text = "hook " + Hooks.describe(message, path: s.path, event: event.rawValue)
                    if event.isPre { throw HiveError(.denied, text + " (pre-* hooks fail closed: the operation is refused)") }
                    warn(text)
                }
            }
        }
        try pass(handlers[...])
        // a site hook cannot undo a plugin's policy: the plugins see the final result again
        if event.isPre, changes.contains(where: { c in handlers.contains { $0.script.path == c.script && $0.script.tier == .site } }) {
            try pass(handlers.filter { $0.script.tier == .plugin }[...])
        }
        for c in changes { log(.info, "hook \(c.script) (\(event.rawValue)) changed \(c.summary)") }
        return (current, changes)
    }

    /// Whether the Lua state holds `base` (set there on its first use).
    private func holds(_ base: Base, in vm: LuaVM) -> Bool {
        if basesSet.contains(base.key) { return true }
        guard vm.setBase(base.key, base.value) else { return false }
        basesSet.append(base.key)
        return true
    }

    /// Takes the fields a `pre-*` hook may change; any other change is refused.
    /// `out` holds the changed fields (a removed one as null) or, with `whole`, the whole context.
    private func apply(_ out: JSONValue, whole: Bool, from script: String, event: HookEvent, to current: inout JSONValue,
                       changes: inout [Change]) throws(HiveError) {
        guard let new = out.objectValue, var cur = current.objectValue else {
            throw HiveError(.denied, "hook \(script) (\(event.rawValue)) returned a context that is not a table")
        }
        // the fields that differ (nil in Lua is an absent key), in key order
        var changed: [String] = []
        if whole {
            for (k, a) in cur where !a.sameInLua(new[k] ?? .null) { changed.append(k) }
        }
        for (k, b) in new where !(cur[k] ?? .null).sameInLua(b) && (whole ? cur[k] == nil : true) { changed.append(k) }
        for key in changed.sorted() {
            let a = cur[key], b = new[key]
            guard event.mutableFields.contains(key) else {
                throw HiveError(.denied, "hook \(script) (\(event.rawValue)) changed \(key), which \(event.rawValue) hooks may not change (they may change \(event.mutableFields.sorted().joined(separator: ", ")))")
            }
            let value: JSONValue? = if let b, case .null = b { nil } else { b }
            changes.append(Change(script: script, event: event, field: key, old: a, new: value))
            cur[key] = value
        }
        current = .object(cur)
    }

    /// `/x/10-a.lua:14: attempt to ...` -> `/x/10-a.lua:14 (post-create): attempt to ...`
    static func describe(_ message: String, path: String, event: String) -> String {
        if message.hasPrefix(path + ":") {
            let rest = message.dropFirst(path.count + 1)
            let line = rest.prefix(while: { $0.isNumber })
            if !line.isEmpty, rest.dropFirst(line.count).hasPrefix(": ") {
                return "\(path):\(line) (\(event)): " + rest.dropFirst(line.count + 2)
            }
        }
        return "\(path) (\(event)): \(message)"
    }
}
