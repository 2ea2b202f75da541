// The structure of a TOML document: lines, keys, table headers, arrays,
// inline tables, and which table a key may still be added to.

extension Toml {
    /// A table being read. Tables are shared by reference while the document
    /// is read (a header reopens the table a path leads to) and turned into
    /// values at the end.
    final class Table {
        enum Kind {
            case implicit  // created by a longer header ([a.b] creates a): may be defined once later
            case header    // defined by [a] or [[a]]
            case dotted    // created by a dotted key (a.b = 1 creates a): no header may define it
            case inline    // { ... }: stored as a value once read, frozen
        }

        enum Entry {
            case value(TomlValue)  // includes inline tables and arrays, which nothing may extend
            case table(Table)
            case tables([Table])   // an array of tables, [[a]]
        }

        var kind: Kind
        var entries: [String: Entry] = [:]

        init(_ kind: Kind) { self.kind = kind }

        var value: [String: TomlValue] {
            entries.mapValues {
                switch $0 {
                case .value(let v): return v
                case .table(let t): return .table(t.value)
                case .tables(let ts): return .array(ts.map { .table($0.value) })
                }
            }
        }
    }

    struct Parser {
        let b: [UInt8]
        let file: String
        var i = 0
        let root = Table(.header)
        var current: Table
        var depth = 0
        static let maxDepth = 128

        init(bytes: [UInt8], file: String) {
            b = bytes
            self.file = file
            current = root
        }

        /// The error at byte `pos` (the current one by default), naming its line.
        func fail(_ message: String, at pos: Int? = nil) -> HiveError {
            let end = min(pos ?? i, b.count)
            var line = 1
            for k in 0..<end where b[k] == 0x0A { line += 1 }
            return HiveError(.invalidArgument, "\(file):\(line): \(message)")
        }

        var peek: UInt8? { i < b.count ? b[i] : nil }
        func at(_ k: Int) -> UInt8? { i + k < b.count ? b[i + k] : nil }

        mutating func document() throws(HiveError) -> [String: TomlValue] {
            if let bad = Toml.firstInvalidUTF8(b) { throw fail("invalid UTF-8", at: bad) }
            if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            while true {
                skipSpace()
                guard let c = peek else { return root.value }
                switch c {
                case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): try endOfLine()
                case UInt8(ascii: "["): try header()
                default:
                    try keyValue(into: current)
                    try endOfLine()
                }
            }
        }

        // MARK: blanks, comments, line ends

        mutating func skipSpace() {
            while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 }
        }

        /// A comment, from `#` to the end of the line: no control characters but tab.
        mutating func comment() throws(HiveError) {
            i += 1
            while let c = peek, c != UInt8(ascii: "\n") {
                if c == UInt8(ascii: "\r") && at(1) == UInt8(ascii: "\n") { return }
                if Toml.isControl(c) { throw fail("control character \(Toml.scalarName(c)) in a comment") }
                i += 1
            }
        }

        /// A newline (LF or CRLF); a lone CR is refused.
        mutating func newline() throws(HiveError) {
            if peek == UInt8(ascii: "\r") {
                guard at(1) == UInt8(ascii: "\n") else { throw fail("a carriage return must be followed by a newline") }
                i += 1
            }
            i += 1
        }

        /// Spaces, a comment, then the end of the line or of the document.
        mutating func endOfLine(after what: String = "the value") throws(HiveError) {
            skipSpace()
            if peek == UInt8(ascii: "#") { try comment() }
            guard let c = peek else { return }
            guard c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") else { throw fail("unexpected text after \(what)") }
            try newline()
        }

        /// Inside an array: spaces, comments and newlines.
        mutating func skipBlankLines() throws(HiveError) {
            while true {
                skipSpace()
                switch peek {
                case UInt8(ascii: "#"): try comment()
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try newline()
                default: return
                }
            }
        }

        // MARK: keys

        /// A key: simple keys joined by dots, spaces allowed around the dots.
        mutating func keyPath() throws(HiveError) -> [String] {
            var parts: [String] = []
            while true {
                skipSpace()
                parts.append(try simpleKey())
                skipSpace()
                guard peek == UInt8(ascii: ".") else { return parts }
                i += 1
            }
        }

        mutating func simpleKey() throws(HiveError) -> String {
            let q = peek
            if q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") {
                guard !(at(1) == q && at(2) == q) else { throw fail("a key cannot be a multi-line string") }
                return q == UInt8(ascii: "\"") ? try basicString() : try literalString()
            }
            let start = i
            while let c = peek, Toml.isBareKey(c) { i += 1 }
            guard i > start else { throw fail("expected a key") }
            return String(decoding: b[start..<i], as: UTF8.self)
        }

        /// A key as a message names it: `a."b c"`.
        static func name(_ key: ArraySlice<String>) -> String {
            key.map { k in
                !k.isEmpty && k.utf8.allSatisfy(Toml.isBareKey) ? k : "\"" + k + "\""
            }.joined(separator: ".")
        }

        // MARK: lines

        /// `[a.b]` or `[[a.b]]`: the table the following keys go into.
        mutating func header() throws(HiveError) {
            let start = i
            i += 1
            let many = peek == UInt8(ascii: "[")
            if many { i += 1 }
            let key = try keyPath()
            guard peek == UInt8(ascii: "]") else { throw fail("expected ] after the table name") }
            i += 1
            if many {
                guard peek == UInt8(ascii: "]") else { throw fail("expected ]] after the name of the array of tables") }
                i += 1
            }
            current = try open(key, many: many, at: start)
            try endOfLine(after: "the table header")
        }

        /// The table a header names: its super-tables are created (implicit)
        /// or passed through (the last element of an array of tables); the
        /// table itself is new, or implicit until now.
        func open(_ key: [String], many: Bool, at pos: Int) throws(HiveError) -> Table {
            var t = root
            for (n, part) in key.enumerated() {
                let last = n == key.count - 1
                var name: String { Parser.name(key[...n]) }  // for errors only: built when one is thrown
                switch t.entries[part] {
                case nil:
                    let x = Table(last ? .header : .implicit)
                    t.entries[part] = last && many ? .tables([x]) : .table(x)
                    t = x
                case .table(let x)?:
                    if last {
                        if many { throw fail("[[\(name)]]: \(name) is already a table, not an array of tables", at: pos) }
                        switch x.kind {
                        case .implicit: x.kind = .header
                        case .dotted: throw fail("table [\(name)] is already defined by dotted keys", at: pos)
                        case .header, .inline: throw fail("table [\(name)] is defined twice", at: pos)
                        }
                    }
                    t = x
                case .tables(var xs)?:
                    if last {
                        guard many else { throw fail("table [\(name)] is already an array of tables", at: pos) }
                        let x = Table(.header)
                        xs.append(x)
                        t.entries[part] = .tables(xs)
                        t = x
                    } else {
                        t = xs[xs.count - 1]
                    }
                case .value?:
                    throw fail("key \(name) is already a value, not a table", at: pos)
                }
            }
            return t
        }

        /// `a.b.c = value` into table `t`: dotted keys create or extend tables
        /// that dotted keys made, never a table a header defined, an inline
        /// table or an array.
        mutating func keyValue(into t: Table) throws(HiveError) {
            let start = i
            let key = try keyPath()
            guard peek == UInt8(ascii: "=") else { throw fail("expected = after the key \(Parser.name(key[...]))") }
            i += 1
            skipSpace()
            let v = try value()
            var t = t
            for (n, part) in key.dropLast().enumerated() {
                switch t.entries[part] {
                case nil:
                    let x = Table(.dotted)
                    t.entries[part] = .table(x)
                    t = x
                case .table(let x)? where x.kind == .dotted || x.kind == .implicit:
                    x.kind = .dotted
                    t = x
                default:
                    throw fail("key \(Parser.name(key[...n])) is already defined: \(Parser.name(key[...])) cannot extend it", at: start)
                }
            }
            let last = key[key.count - 1]
            guard t.entries[last] == nil else { throw fail("key \(Parser.name(key[...])) is defined twice", at: start) }
            t.entries[last] = .value(v)
        }

        // MARK: values

        mutating func value() throws(HiveError) -> TomlValue {
            guard let c = peek else { throw fail("expected a value") }
            switch c {
            case UInt8(ascii: "\""): return .string(try basicString())
            case UInt8(ascii: "'"): return .string(try literalString())
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "{"): return try inlineTable()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"), UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"):
                throw fail("expected a value")
            default: return try scalar()
            }
        }

        mutating func nest() throws(HiveError) {
            depth += 1
            guard depth <= Parser.maxDepth else { throw fail("arrays and inline tables nested more than \(Parser.maxDepth) deep") }
        }

        /// `[ v, v, ]`: newlines and comments allowed between values, a trailing comma too.
        mutating func array() throws(HiveError) -> TomlValue {
            try nest()
            defer { depth -= 1 }
            i += 1
            var a: [TomlValue] = []
            while true {
                try skipBlankLines()
                if peek == UInt8(ascii: "]") { i += 1; return .array(a) }
                a.append(try value())
                try skipBlankLines()
                if peek == UInt8(ascii: ",") {
                    i += 1
                } else if peek == UInt8(ascii: "]") {
                    i += 1
                    return .array(a)
                } else {
                    throw fail("expected , or ] in the array")
                }
            }
        }

        /// `{ k = v, k = v }` on one line, no trailing comma; frozen once read.
        mutating func inlineTable() throws(HiveError) -> TomlValue {
            try nest()
            defer { depth -= 1 }
            i += 1
            let t = Table(.inline)
            skipSpace()
            if peek == UInt8(ascii: "}") { i += 1; return .table(t.value) }
            while true {
                try keyValue(into: t)
                skipSpace()
                if peek == UInt8(ascii: ",") {
                    i += 1
                    skipSpace()
                    if peek == UInt8(ascii: "}") { throw fail("no comma after the last key of an inline table") }
                } else if peek == UInt8(ascii: "}") {
                    i += 1
                    return .table(t.value)
                } else {
                    throw fail("expected , or } in the inline table")
                }
            }
        }
    }
}
