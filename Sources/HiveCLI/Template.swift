// A subset of Go's text/template, enough for Docker's --format:
// `{{.Field}}`, `{{.A.B}}`, `{{.}}`, `{{json .X}}`, `{{index .Labels "k"}}`,
// `{{upper .X}}`, `{{lower .X}}`, `{{join .X ","}}`, `{{title .X}}`,
// `{{printf "%s" .X}}`, pipes (`{{.X | json}}`), `{{range $k, $v := .Map}}` with its
// variables (`{{$k}}`, `{{$v.Field}}`), and `\t` `\n` escapes in the text.
import HiveOCI
import HivePlatform

struct Template {
    enum Part {
        case text(String)
        case action([[Arg]])  // a pipeline of commands
        indirect case range([[Arg]], [Part], [Part], [String])  // pipeline, body, else, `$k, $v :=` names
        indirect case cond([[Arg]], [Part], [Part])   // if pipeline, then, else
        indirect case with([[Arg]], [Part], [Part])
    }
    enum Arg: Equatable {
        case field([String])   // .A.B (empty: .)
        case word(String)      // function name
        case variable(String, [String])  // $name.A.B (a range's key or value)
        case literal(String)
    }

    let parts: [Part]
    /// The fields the template reads directly, in order (for table headers).
    var fieldNames: [String] {
        parts.compactMap { p -> String? in
            guard case .action(let cmds) = p, let first = cmds.first else { return nil }
            for a in first { if case .field(let f) = a { return f.joined(separator: ".") } }
            return nil
        }
    }

    init(_ source: String) throws {
        var tokens: [(isAction: Bool, text: String)] = []
        var rest = Substring(source)
        while !rest.isEmpty {
            guard let open = rest.range(of: "{{") else {
                tokens.append((false, String(rest)))
                break
            }
            if open.lowerBound > rest.startIndex { tokens.append((false, String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw HiveError(.invalidArgument, "template parsing error: unclosed action in \"\(source)\"")
            }
            var body = rest[open.upperBound..<close.lowerBound]
            if body.hasPrefix("-") { body = body.dropFirst() }
            if body.hasSuffix("-") { body = body.dropLast() }
            tokens.append((true, body.trimmed))
            rest = rest[close.upperBound...]
        }
        var i = 0
        let (parts, stop) = try Template.parseList(tokens, &i, source: source)
        if let stop { throw HiveError(.invalidArgument, "template parsing error: unexpected {{\(stop)}} in \"\(source)\"") }
        self.parts = parts
    }

    /// Parses parts until `end` / `else` (returned) or the end of input.
    private static func parseList(_ tokens: [(isAction: Bool, text: String)], _ i: inout Int, source: String) throws -> ([Part], String?) {
        var parts: [Part] = []
        while i < tokens.count {
            let t = tokens[i]
            i += 1
            guard t.isAction else { parts.append(.text(unescape(t.text))); continue }
            if t.text == "end" || t.text == "else" { return (parts, t.text) }
            let word = t.text.prefix(while: { $0 != " " })
            if word == "range" || word == "if" || word == "with" {
                var rest = String(t.text.dropFirst(word.count))
                var names: [String] = []
                if word == "range", let decl = rest.range(of: ":=") {
                    names = rest[..<decl.lowerBound].split(separator: ",").map { String($0.trimmed) }
                    guard (1...2).contains(names.count), names.allSatisfy({ $0.count > 1 && $0.hasPrefix("$") }) else {
                        throw HiveError(.invalidArgument, "template parsing error: bad range variables in \"\(source)\"")
                    }
                    rest = String(rest[decl.upperBound...])
                }
                let pipe = try pipeline(rest, source: source)
                let (body, stop) = try parseList(tokens, &i, source: source)
                var elseBody: [Part] = []
                if stop == "else" {
                    let (e, stop2) = try parseList(tokens, &i, source: source)
                    guard stop2 == "end" else { throw HiveError(.invalidArgument, "template parsing error: missing {{end}} in \"\(source)\"") }
                    elseBody = e
                } else if stop != "end" {
                    throw HiveError(.invalidArgument, "template parsing error: missing {{end}} in \"\(source)\"")
                }
                parts.append(word == "range" ? .range(pipe, body, elseBody, names) : word == "if" ? .cond(pipe, body, elseBody) : .with(pipe, body, elseBody))
                continue
            }
            parts.append(.action(try pipeline(t.text, source: source)))
        }
        return (parts, nil)
    }

    func render(_ value: JSONValue) throws -> String {
        var out = ""
        try render(parts, value, [:], into: &out)
        return out
    }

    private func render(_ parts: [Part], _ dot: JSONValue, _ vars: [String: JSONValue], into out: inout String) throws {
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .action(let cmds): out += Template.text(try run(cmds, dot, vars))
            case .range(let cmds, let body, let elseBody, let names):
                let v = try run(cmds, dot, vars)
                var items: [(key: JSONValue, value: JSONValue)] = []
                if case .array(let a) = v { items = a.enumerated().map { (.int(Int64($0.offset)), $0.element) } }
                else if case .object(let o) = v { items = o.keys.sorted().map { (.string($0), o[$0]!) } }
                if items.isEmpty { try render(elseBody, dot, vars, into: &out) }
                for item in items {
                    var inner = vars
                    if names.count == 2 { inner[names[0]] = item.key; inner[names[1]] = item.value } else if let n = names.first { inner[n] = item.value }
                    try render(body, item.value, inner, into: &out)
                }
            case .cond(let cmds, let thenBody, let elseBody):
                try render(Template.truthy(try run(cmds, dot, vars)) ? thenBody : elseBody, dot, vars, into: &out)
            case .with(let cmds, let body, let elseBody):
                let v = try run(cmds, dot, vars)
                if Template.truthy(v) { try render(body, v, vars, into: &out) } else { try render(elseBody, dot, vars, into: &out) }
            }
        }
    }

    private func run(_ cmds: [[Arg]], _ dot: JSONValue, _ vars: [String: JSONValue]) throws -> JSONValue {
        var result: JSONValue? = nil
        for cmd in cmds { result = try evaluate(cmd, dot: dot, vars: vars, piped: result) }
        return result ?? .null
    }

    static func truthy(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences("\\t", "\t").replacingOccurrences("\\n", "\n")
    }

    static func pipeline(_ body: String, source: String) throws -> [[Arg]] {
        var commands: [[Arg]] = []
        for segment in splitPipes(body) {
            var args: [Arg] = []
            var s = Substring(segment)
            while true {
                s = s.drop(while: { $0 == " " })
                guard let c = s.first else { break }
                if c == "\"" {
                    var lit = ""
                    var j = s.index(after: s.startIndex)
                    var closed = false
                    while j < s.endIndex {
                        if s[j] == "\\", s.index(after: j) < s.endIndex {
                            let n = s[s.index(after: j)]
                            lit.append(n == "t" ? "\t" : n == "n" ? "\n" : n)
                            j = s.index(j, offsetBy: 2)
                            continue
                        }
                        if s[j] == "\"" { closed = true; break }
                        lit.append(s[j])
                        j = s.index(after: j)
                    }
                    guard closed else { throw HiveError(.invalidArgument, "template parsing error: unterminated string in \"\(source)\"") }
                    args.append(.literal(lit))
                    s = s[s.index(after: j)...]
                    continue
                }
                let word = s.prefix(while: { $0 != " " })
                s = s.dropFirst(word.count)
                if word.hasPrefix(".") {
                    args.append(.field(word == "." ? [] : word.dropFirst().split(separator: ".").map(String.init)))
                } else if word.hasPrefix("$") && word.count > 1 {
                    let path = word.split(separator: ".").map(String.init)
                    args.append(.variable(path[0], Array(path.dropFirst())))
                } else if word.hasPrefix("$") {
                    args.append(.field([]))
                } else {
                    args.append(.word(String(word)))
                }
            }
            guard !args.isEmpty else { throw HiveError(.invalidArgument, "template parsing error: empty command in \"\(source)\"") }
            if case .word(let w) = args[0], !Template.functions.contains(w) {
                throw HiveError(.invalidArgument, "template parsing error: function \"\(w)\" not defined")
            }
            commands.append(args)
        }
        return commands
    }

    static let functions: Set<String> = ["not", "eq", "ne", "json", "index", "upper", "lower", "join", "title", "printf", "print", "println", "len", "truncate", "pad", "split"]

    static func splitPipes(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var inString = false
        for c in s {
            if c == "\"" { inString.toggle() }
            if c == "|" && !inString { out.append(cur); cur = ""; continue }
            cur.append(c)
        }
        out.append(cur)
        return out
    }

    private func evaluate(_ cmd: [Arg], dot: JSONValue, vars: [String: JSONValue], piped: JSONValue?) throws -> JSONValue {
        func resolve(_ a: Arg) throws -> JSONValue {
            switch a {
            case .literal(let s): return .string(s)
            case .word(let w):
                if let n = Int64(w) { return .int(n) }
                throw HiveError(.invalidArgument, "template: unexpected \"\(w)\"")
            case .variable(let name, let path):
                guard let value = vars[name] else { throw HiveError(.invalidArgument, "template: undefined variable \"\(name)\"") }
                return try walk(value, path)
            case .field(let path):
                return try walk(dot, path)
            }
        }
        func walk(_ start: JSONValue, _ path: [String]) throws -> JSONValue {
            var v = start
            for (i, k) in path.enumerated() {
                guard case .object(let o) = v else {
                    throw HiveError(.invalidArgument, "template: can't evaluate field \(k) in type \(Template.typeName(v))")
                }
                guard let next = o[k] else {
                    if i == path.count - 1 && path.count > 1 { return .null }
                    throw HiveError(.invalidArgument, "template: can't evaluate field \(k)")
                }
                v = next
            }
            return v
        }
        if case .word(let fn) = cmd[0] {
            var args = try cmd.dropFirst().map(resolve)
            if let piped { args.append(piped) }
            return try call(fn, args)
        }
        guard cmd.count == 1 else { throw HiveError(.invalidArgument, "template: can't give argument to non-function") }
        return try resolve(cmd[0])
    }

    private func call(_ fn: String, _ a: [JSONValue]) throws -> JSONValue {
        func need(_ n: Int) throws {
            guard a.count == n else { throw HiveError(.invalidArgument, "template: wrong number of args for \(fn): want \(n) got \(a.count)") }
        }
        switch fn {
        case "json":
            try need(1)
            return .string(a[0].serialized())
        case "not": try need(1); return .bool(!Template.truthy(a[0]))
        case "eq": try need(2); return .bool(Template.text(a[0]) == Template.text(a[1]))
        case "ne": try need(2); return .bool(Template.text(a[0]) != Template.text(a[1]))
        case "upper": try need(1); return .string(Template.text(a[0]).uppercased())
        case "lower": try need(1); return .string(Template.text(a[0]).lowercased())
        case "title":
            try need(1)
            let t = Template.text(a[0])
            return .string(t.prefix(1).uppercased() + t.dropFirst())
        case "len":
            try need(1)
            switch a[0] {
            case .array(let x): return .int(Int64(x.count))
            case .object(let x): return .int(Int64(x.count))
            default: return .int(Int64(Template.text(a[0]).count))
            }
        case "index":
            try need(2)
            switch (a[0], a[1]) {
            case (.object(let o), .string(let k)): return o[k] ?? .null
            case (.array(let x), .int(let i)) where i >= 0 && Int(i) < x.count: return x[Int(i)]
            default: throw HiveError(.invalidArgument, "template: error calling index: cannot index \(Template.typeName(a[0]))")
            }
        case "join":
            try need(2)
            guard case .array(let x) = a[0] else { return .string(Template.text(a[0])) }
            return .string(x.map(Template.text).joined(separator: Template.text(a[1])))
        case "split":
            try need(2)
            return .array(Template.text(a[0]).components(separatedBy: Template.text(a[1])).map { .string($0) })
        case "truncate":
            try need(2)
            guard case .int(let n) = a[1] else { return a[0] }
            return .string(String(Template.text(a[0]).prefix(Int(n))))
        case "pad":
            return .string(Template.text(a.first ?? .null))
        case "print", "println":
            return .string(a.map(Template.text).joined(separator: " ") + (fn == "println" ? "\n" : ""))
        case "printf":
            guard let f = a.first else { throw HiveError(.invalidArgument, "template: printf needs a format") }
            var args = a.dropFirst().makeIterator()
            var out = ""
            var pct = false
            for c in Template.text(f) {
                if pct {
                    pct = false
                    if c == "%" { out.append("%"); continue }
                    out += Template.text(args.next() ?? .string("%!" + String(c) + "(MISSING)"))
                    continue
                }
                if c == "%" { pct = true } else { out.append(c) }
            }
            return .string(out)
        default:
            throw HiveError(.invalidArgument, "template: function \"\(fn)\" not defined")
        }
    }

    static func typeName(_ v: JSONValue) -> String {
        switch v {
        case .string: return "string"
        case .int, .double: return "number"
        case .bool: return "bool"
        case .array: return "slice"
        case .object: return "map"
        case .null: return "nil"
        }
    }

    /// Go's default printing of a value.
    static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return "<no value>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .string(let s): return s
        case .array(let a): return "[" + a.map(text).joined(separator: " ") + "]"
        case .object(let o): return "map[" + o.keys.sorted().map { "\($0):\(text(o[$0]!))" }.joined(separator: " ") + "]"
        }
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    func components(separatedBy sep: String) -> [String] {
        guard !sep.isEmpty else { return [self] }
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension StringProtocol {
    /// Substring search without Foundation.
    func range(of needle: String) -> Range<Index>? {
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].utf8.starts(with: n) {
                let end = self.utf8.index(i, offsetBy: n.count)
                return i..<end
            }
            i = index(after: i)
        }
        return nil
    }
}
