// A TOML reader for hive.toml: tables, dotted and quoted keys (no arrays of
// tables), strings (basic, literal, multi-line), integers, floats, booleans,
// arrays and inline tables. Dates are kept as strings. Errors name file:line.

public enum Toml {
    public static func parse(_ text: String, file: String) throws(HiveError) -> [String: JSONValue] {
        var p = Parser(chars: Array(text.unicodeScalars), file: file)
        return try p.document()
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        let file: String
        var i = 0
        var line = 1
        var root: [String: JSONValue] = [:]
        var current: [String] = []
        var defined: Set<String> = []

        init(chars: [Unicode.Scalar], file: String) {
            self.chars = chars
            self.file = file
        }

        func fail(_ message: String) -> HiveError {
            HiveError(.invalidArgument, "\(file):\(line): \(message)")
        }

        var peek: Unicode.Scalar? { i < chars.count ? chars[i] : nil }

        mutating func advance() {
            if chars[i] == "\n" { line += 1 }
            i += 1
        }

        mutating func skipSpace() {
            while let c = peek, c == " " || c == "\t" { advance() }
        }

        mutating func skipComment() {
            if peek == "#" { while let c = peek, c != "\n" { advance() } }
        }

        mutating func skipBlank() {
            while true {
                skipSpace()
                skipComment()
                if let c = peek, c == "\n" || c == "\r" { advance() } else { return }
            }
        }

        mutating func endOfLine() throws(HiveError) {
            skipSpace()
            skipComment()
            if peek == "\r" { advance() }
            guard peek == nil || peek == "\n" else { throw fail("unexpected text after the value") }
            if peek != nil { advance() }
        }

        mutating func document() throws(HiveError) -> [String: JSONValue] {
            while true {
                skipBlank()
                guard let c = peek else { return root }
                if c == "[" {
                    advance()
                    guard peek != "[" else { throw fail("arrays of tables ([[...]]) are not used by hive.toml") }
                    skipSpace()
                    let key = try keyPath()
                    skipSpace()
                    guard peek == "]" else { throw fail("expected ] after the table name") }
                    advance()
                    let name = key.joined(separator: ".")
                    guard !defined.contains(name) else { throw fail("table [\(name)] is defined twice") }
                    defined.insert(name)
                    try ensureTable(key)
                    current = key
                    try endOfLine()
                } else {
                    let key = try keyPath()
                    skipSpace()
                    guard peek == "=" else { throw fail("expected = after the key \(key.joined(separator: "."))") }
                    advance()
                    skipSpace()
                    let v = try value()
                    try set(current + key, v)
                    try endOfLine()
                }
            }
        }

        mutating func keyPath() throws(HiveError) -> [String] {
            var parts: [String] = []
            while true {
                skipSpace()
                if peek == "\"" { parts.append(try basicString()) }
                else if peek == "'" { parts.append(try literalString()) }
                else {
                    var s = ""
                    while let c = peek, c.properties.isAlphabetic && c.isASCII || ("0"..."9").contains(c) || c == "-" || c == "_" {
                        s.unicodeScalars.append(c)
                        advance()
                    }
                    guard !s.isEmpty else { throw fail("expected a key") }
                    parts.append(s)
                }
                skipSpace()
                if peek == "." { advance() } else { return parts }
            }
        }

        mutating func value() throws(HiveError) -> JSONValue {
            guard let c = peek else { throw fail("expected a value") }
            switch c {
            case "\"": return .string(try basicString())
            case "'": return .string(try literalString())
            case "[":
                advance()
                var a: [JSONValue] = []
                while true {
                    skipBlank()
                    if peek == "]" { advance(); return .array(a) }
                    a.append(try value())
                    skipBlank()
                    if peek == "," { advance() } else if peek == "]" { advance(); return .array(a) } else { throw fail("expected , or ] in the array") }
                }
            case "{":
                advance()
                var o: [String: JSONValue] = [:]
                skipSpace()
                if peek == "}" { advance(); return .object(o) }
                while true {
                    let k = try keyPath()
                    skipSpace()
                    guard peek == "=" else { throw fail("expected = in the inline table") }
                    advance()
                    skipSpace()
                    try Parser.insert(&o, k, try value(), fail: fail)
                    skipSpace()
                    if peek == "," { advance(); skipSpace() } else if peek == "}" { advance(); return .object(o) } else { throw fail("expected , or } in the inline table") }
                }
            default:
                var s = ""
                while let c = peek, !" \t\r\n,]}#".unicodeScalars.contains(c) {
                    s.unicodeScalars.append(c)
                    advance()
                }
                if s == "true" { return .bool(true) }
                if s == "false" { return .bool(false) }
                let digits = String(s.filter { $0 != "_" })
                if let n = Int64(digits) { return .int(n) }
                if digits.hasPrefix("0x"), let n = Int64(digits.dropFirst(2), radix: 16) { return .int(n) }
                if let d = Parser.float(digits) { return .double(d) }
                if s.first?.isNumber == true, s.contains("-") || s.contains(":") { return .string(s) }  // dates, kept as text
                throw fail(s.isEmpty ? "expected a value" : "invalid value \(s) (strings need quotes)")
            }
        }

        /// A TOML float: `[+-]` digits, an optional fraction and exponent, or
        /// `inf`/`nan`. (Swift's Double() also takes "Inf", "infinity", hex.)
        static func float(_ s: String) -> Double? {
            var u = Substring(s).utf8[...]
            if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
            if u.elementsEqual("inf".utf8) || u.elementsEqual("nan".utf8) { return Double(s) }
            guard let f = u.first, f >= 48 && f <= 57,
                  u.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 101 || $0 == 69 || $0 == 43 || $0 == 45 }) else { return nil }
            return Double(s)
        }

        mutating func basicString() throws(HiveError) -> String { try string(quote: "\"") }
        mutating func literalString() throws(HiveError) -> String { try string(quote: "'") }

        /// A basic (`"`, with escapes) or literal (`'`) string, single- or multi-line (tripled quote).
        mutating func string(quote q: Unicode.Scalar) throws(HiveError) -> String {
            func tripled() -> Bool { i + 2 < chars.count && chars[i] == q && chars[i + 1] == q && chars[i + 2] == q }
            let multi = tripled()
            advance()
            if multi {
                advance(); advance()
                if peek == "\n" { advance() }
            }
            var s = ""
            while true {
                guard let c = peek else { throw fail("unterminated string") }
                if c == "\n" && !multi { throw fail("unterminated string") }
                if c == q {
                    if !multi { advance(); return s }
                    if tripled() {
                        advance(); advance(); advance()
                        return s
                    }
                }
                advance()
                if c != "\\" || q == "'" { s.unicodeScalars.append(c); continue }
                guard let e = peek else { throw fail("unterminated string") }
                advance()
                switch e {
                case "n": s += "\n"
                case "t": s += "\t"
                case "r": s += "\r"
                case "\"": s += "\""
                case "\\": s += "\\"
                case "b": s += "\u{8}"
                case "f": s += "\u{c}"
                case "u", "U":
                    let n = e == "u" ? 4 : 8
                    guard i + n <= chars.count, let v = UInt32(String(String.UnicodeScalarView(chars[i..<(i + n)])), radix: 16),
                          let u = Unicode.Scalar(v) else { throw fail("invalid \\\(e) escape") }
                    for _ in 0..<n { advance() }
                    s.unicodeScalars.append(u)
                case "\n" where multi:
                    while let w = peek, w == " " || w == "\t" || w == "\n" || w == "\r" { advance() }
                default: throw fail("invalid escape \\\(e)")
                }
            }
        }

        static func insert(_ o: inout [String: JSONValue], _ key: [String], _ v: JSONValue, fail: (String) -> HiveError) throws(HiveError) {
            if key.count == 1 {
                guard o[key[0]] == nil else { throw fail("key \(key[0]) is defined twice") }
                o[key[0]] = v
                return
            }
            var inner: [String: JSONValue]
            switch o[key[0]] {
            case nil: inner = [:]
            case .object(let x)?: inner = x
            default: throw fail("key \(key[0]) is not a table")
            }
            try insert(&inner, Array(key.dropFirst()), v, fail: fail)
            o[key[0]] = .object(inner)
        }

        mutating func set(_ key: [String], _ v: JSONValue) throws(HiveError) {
            var r = root
            let at = fail
            try Parser.insert(&r, key, v, fail: at)
            root = r
        }

        mutating func ensureTable(_ key: [String]) throws(HiveError) {
            let (file, line) = (self.file, self.line)
            func fail(_ m: String) -> HiveError { HiveError(.invalidArgument, "\(file):\(line): \(m)") }
            func walk(_ o: inout [String: JSONValue], _ k: ArraySlice<String>) throws(HiveError) {
                guard let first = k.first else { return }
                switch o[first] {
                case nil:
                    var inner: [String: JSONValue] = [:]
                    try walk(&inner, k.dropFirst())
                    o[first] = .object(inner)
                case .object(var inner)?:
                    try walk(&inner, k.dropFirst())
                    o[first] = .object(inner)
                default: throw fail("\(first) is not a table")
                }
            }
            var r = root
            try walk(&r, key[...])
            root = r
        }
    }
}
