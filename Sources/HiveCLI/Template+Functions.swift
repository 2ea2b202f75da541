// The functions a template calls: Go's builtins (funcs.go: and, or, not,
// len, index, slice, print, printf, println, html, js, urlquery, eq, ne,
// lt, le, gt, ge) and Docker's (templates.go: json, split, join, title,
// lower, upper, pad, truncate), with Go's argument checks and errors.
import HivePlatform

extension Template {
    struct Signature {
        let fixed: [ArgType]
        let variadic: ArgType?
    }

    static let signatures: [String: Signature] = {
        let any1 = Signature(fixed: [.any], variadic: nil), any2 = Signature(fixed: [.any, .any], variadic: nil)
        let anyMore = Signature(fixed: [.any], variadic: .any), none = Signature(fixed: [], variadic: .any)
        let string1 = Signature(fixed: [.string], variadic: nil)
        return [
            "and": anyMore, "or": anyMore, "not": any1, "len": any1, "index": anyMore, "slice": anyMore, "call": anyMore,
            "print": none, "println": none, "printf": Signature(fixed: [.string], variadic: .any),
            "html": none, "js": none, "urlquery": none,
            "eq": anyMore, "ne": any2, "lt": any2, "le": any2, "gt": any2, "ge": any2,
            "json": any1, "split": Signature(fixed: [.string, .string], variadic: nil),
            "join": Signature(fixed: [.strings, .string], variadic: nil),
            "title": string1, "lower": string1, "upper": string1,
            "pad": Signature(fixed: [.string, .int, .int], variadic: nil),
            "truncate": Signature(fixed: [.string, .int], variadic: nil),
        ]
    }()

    /// Docker's header functions: a table's header passes its titles through these.
    static let headerSignatures: [String: Signature] = [
        "json": Signature(fixed: [.string], variadic: nil), "split": Signature(fixed: [.string, .string], variadic: nil),
        "join": Signature(fixed: [.string, .string], variadic: nil), "title": Signature(fixed: [.string], variadic: nil),
        "lower": Signature(fixed: [.string], variadic: nil), "upper": Signature(fixed: [.string], variadic: nil),
        "truncate": Signature(fixed: [.string, .int], variadic: nil),
    ]

    /// A function's own error: reported as "error calling NAME: message".
    struct CallFailure: Error { let message: String }
}

extension Template.Exec {
    mutating func call(_ name: String, _ cmd: Template.Command, dot: JSONValue?, isRoot: Bool,
                       final: JSONValue?, hasFinal: Bool) throws -> JSONValue? {
        let ident = cmd.args[0]
        let headerFunction = headers == nil ? nil : Template.headerSignatures[name]
        let sig = headerFunction ?? Template.signatures[name]!
        let args = cmd.args.dropFirst()
        let numIn = args.count + (hasFinal ? 1 : 0)
        if sig.variadic != nil {
            if numIn < sig.fixed.count {
                throw fail(ident.pos, ident, "wrong number of args for \(name): want at least \(sig.fixed.count) got \(args.count)")
            }
        } else if numIn != sig.fixed.count {
            throw fail(ident.pos, ident, "wrong number of args for \(name): want \(sig.fixed.count) got \(numIn)")
        }
        func type(_ k: Int) -> Template.ArgType { k < sig.fixed.count ? sig.fixed[k] : sig.variadic! }
        if name == "and" || name == "or" {  // short-circuit: the deciding value
            var v: JSONValue? = nil
            for a in args {
                v = try argument(a, .any, dot: dot, isRoot: isRoot)
                if Template.truth(v) == (name == "or") { return v }
            }
            return hasFinal ? final : v
        }
        var values: [JSONValue?] = []
        values.reserveCapacity(numIn)
        for (k, a) in args.enumerated() { values.append(try argument(a, type(k), dot: dot, isRoot: isRoot)) }
        if hasFinal { values.append(try validate(final, type(numIn - 1), at: ident)) }
        if headerFunction != nil { return values[0] }
        do {
            if name == "call" {
                let what = args.first.map(\.description) ?? "value"
                throw Template.CallFailure(message: values[0] == nil ? "call of nil" : "non-function \(what) of type \(GoFormat.typeName(values[0]))")
            }
            return try Template.builtin(name, values)
        } catch let e as Template.CallFailure {
            throw fail(cmd.pos, cmd, "error calling \(name): \(e.message)")
        }
    }
}

extension Template {
    static func builtin(_ name: String, _ a: [JSONValue?]) throws -> JSONValue? {
        func str(_ k: Int) -> String { if case .string(let s)? = a[k] { return s } else { return "" } }
        func int(_ k: Int) -> Int64 { if case .int(let i)? = a[k] { return i } else { return 0 } }
        switch name {
        case "not": return .bool(!truth(a[0]))
        case "len": return try length(a[0])
        case "index": return try index(a[0], a.dropFirst())
        case "slice": return try slice(a[0], a.dropFirst())
        case "print": return .string(GoFormat.sprint(a))
        case "println": return .string(GoFormat.sprintln(a))
        case "printf": return .string(GoFormat.sprintf(str(0), Array(a.dropFirst())))
        case "html": return .string(htmlEscape(printed(a)))
        case "js": return .string(jsEscape(printed(a)))
        case "urlquery": return .string(queryEscape(printed(a)))
        case "eq": return .bool(try eq(a[0], a.dropFirst()))
        case "ne": return .bool(try !eq(a[0], a[1...]))
        case "lt": return .bool(try lt(a[0], a[1]))
        case "le": return .bool(try le(a[0], a[1]))
        case "gt": return .bool(try !le(a[0], a[1]))
        case "ge": return .bool(try !lt(a[0], a[1]))
        case "json": return .string(json(a[0]))
        case "split": return .array(split(str(0), str(1)).map { .string($0) })
        case "join":
            guard case .array(let items)? = a[0] else { return .string("") }
            return .string(items.map { if case .string(let s) = $0 { return s } else { return "" } }.joined(separator: str(1)))
        case "title": return .string(title(str(0)))
        case "lower": return .string(str(0).lowercased())
        case "upper": return .string(str(0).uppercased())
        case "pad":
            guard int(1) >= 0, int(2) >= 0 else { throw CallFailure(message: "strings: negative Repeat count") }
            if str(0).isEmpty { return .string("") }
            return .string(String(repeating: " ", count: Int(int(1))) + str(0) + String(repeating: " ", count: Int(int(2))))
        case "truncate":
            let s = str(0), n = int(1)
            if n < 0 { throw CallFailure(message: "runtime error: slice bounds out of range [:\(n)]") }
            if s.utf8.count < n { return .string(s) }
            return .string(String(decoding: s.utf8.prefix(Int(n)), as: UTF8.self))
        default:
            throw CallFailure(message: "function \"\(name)\" not defined")
        }
    }

    // MARK: len, index, slice

    static func length(_ v: JSONValue?) throws -> JSONValue {
        switch v {
        case nil: throw CallFailure(message: "reflect: call of reflect.Value.Type on zero Value")
        case .null?: throw CallFailure(message: "len of nil pointer")
        case .string(let s)?: return .int(Int64(s.utf8.count))
        case .array(let a)?: return .int(Int64(a.count))
        case .object(let o)?: return .int(Int64(o.count))
        case let other: throw CallFailure(message: "len of type \(GoFormat.typeName(other))")
        }
    }

    /// An index of a slice or string: an int in 0...cap.
    static func indexArg(_ v: JSONValue?, cap: Int) throws -> Int {
        switch v {
        case .int(let x)?:
            if x < 0 || x > Int64(cap) { throw CallFailure(message: "index out of range: \(x)") }
            return Int(x)
        case nil, .null?: throw CallFailure(message: "cannot index slice/array with nil")
        case let other: throw CallFailure(message: "cannot index slice/array with type \(GoFormat.typeName(other))")
        }
    }

    /// The value a missing key of `o` gives: the zero value of its elements
    /// when they all have one type (Docker's maps of strings give ""), else none.
    static func zeroValue(of o: [String: JSONValue]) -> JSONValue? {
        guard let first = o.values.first else { return .string("") }
        func zero(_ v: JSONValue) -> JSONValue? {
            switch v {
            case .string: return .string("")
            case .int: return .int(0)
            case .double: return .double(0)
            case .bool: return .bool(false)
            default: return nil
            }
        }
        guard let z = zero(first) else { return nil }
        for v in o.values where zero(v) != z { return nil }
        return z
    }

    static func index(_ item: JSONValue?, _ keys: ArraySlice<JSONValue?>) throws -> JSONValue? {
        guard var cur = item, cur != .null else { throw CallFailure(message: "index of untyped nil") }
        for key in keys {
            switch cur {
            case .array(let a):
                let x = try indexArg(key, cap: a.count)
                if x == a.count { throw CallFailure(message: "reflect: slice index out of range") }
                cur = a[x]
            case .string(let s):
                let bytes = Array(s.utf8)
                let x = try indexArg(key, cap: bytes.count)
                if x == bytes.count { throw CallFailure(message: "reflect: string index out of range") }
                cur = .int(Int64(bytes[x]))
            case .object(let o):
                guard case .string(let k)? = key else {
                    if key == nil || key == .null { throw CallFailure(message: "value is nil; should be of type string") }
                    throw CallFailure(message: "value has type \(GoFormat.typeName(key)); should be string")
                }
                guard let v = o[k] ?? zeroValue(of: o) else { cur = .null; continue }
                cur = v
            case .null: throw CallFailure(message: "index of nil pointer")
            default: throw CallFailure(message: "can't index item of type \(GoFormat.typeName(cur))")
            }
        }
        return cur
    }

    static func slice(_ item: JSONValue?, _ indexes: ArraySlice<JSONValue?>) throws -> JSONValue? {
        guard let item, item != .null else { throw CallFailure(message: "slice of untyped nil") }
        if indexes.count > 3 { throw CallFailure(message: "too many slice indexes: \(indexes.count)") }
        let count: Int
        switch item {
        case .string(let s):
            if indexes.count == 3 { throw CallFailure(message: "cannot 3-index slice a string") }
            count = s.utf8.count
        case .array(let a): count = a.count
        default: throw CallFailure(message: "can't slice item of type \(GoFormat.typeName(item))")
        }
        var idx = [0, count, count]
        for (k, i) in indexes.enumerated() { idx[k] = try indexArg(i, cap: count) }
        if idx[0] > idx[1] { throw CallFailure(message: "invalid slice index: \(idx[0]) > \(idx[1])") }
        if indexes.count == 3 && idx[1] > idx[2] { throw CallFailure(message: "invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .array(let a): return .array(Array(a[idx[0]..<idx[1]]))
        default: return nil
        }
    }

    // MARK: comparisons

    enum Kind { case invalid, bool, int, float, string }

    static func kind(_ v: JSONValue?) -> Kind {
        switch v {
        case .bool?: return .bool
        case .int?: return .int
        case .double?: return .float
        case .string?: return .string
        default: return .invalid
        }
    }

    static func isNil(_ v: JSONValue?) -> Bool { v == nil || v == .null }

    static func eq(_ a1: JSONValue?, _ rest: ArraySlice<JSONValue?>) throws -> Bool {
        if rest.isEmpty { throw CallFailure(message: "missing argument for comparison") }
        let k1 = kind(a1)
        for a2 in rest {
            let k2 = kind(a2)
            var truth = false
            if k1 != k2 {
                if !isNil(a1) && !isNil(a2) { throw CallFailure(message: "incompatible types for comparison") }
            } else {
                switch (a1, a2) {
                case (.bool(let x)?, .bool(let y)?): truth = x == y
                case (.int(let x)?, .int(let y)?): truth = x == y
                case (.double(let x)?, .double(let y)?): truth = x == y
                case (.string(let x)?, .string(let y)?): truth = x == y
                default:
                    if isNil(a1) || isNil(a2) {
                        truth = isNil(a1) == isNil(a2)
                    } else if GoFormat.typeName(a1) != GoFormat.typeName(a2) {
                        throw CallFailure(message: "non-comparable types \(GoFormat.sprint([a1])): \(GoFormat.typeName(a1)), \(GoFormat.typeName(a2)): \(GoFormat.sprint([a2]))")
                    } else {
                        throw CallFailure(message: "non-comparable type \(GoFormat.sprint([a2])): \(GoFormat.typeName(a2))")
                    }
                }
            }
            if truth { return true }
        }
        return false
    }

    static func lt(_ a: JSONValue?, _ b: JSONValue?) throws -> Bool {
        let k1 = kind(a), k2 = kind(b)
        if k1 == .invalid || k2 == .invalid { throw CallFailure(message: "invalid type for comparison") }
        if k1 != k2 { throw CallFailure(message: "incompatible types for comparison") }
        switch (a, b) {
        case (.int(let x)?, .int(let y)?): return x < y
        case (.double(let x)?, .double(let y)?): return x < y
        case (.string(let x)?, .string(let y)?): return utf8Precedes(x, y)
        default: throw CallFailure(message: "invalid type for comparison")
        }
    }

    static func le(_ a: JSONValue?, _ b: JSONValue?) throws -> Bool {
        try lt(a, b) || eq(a, [b])
    }
}
