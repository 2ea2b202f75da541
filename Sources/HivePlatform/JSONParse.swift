// A strict JSON parser (RFC 8259) to JSONValue without Foundation's coders:
// the hot paths (run, create, build) read image configs with it, which saves
// the ~2 ms of generic-type instantiation a first JSONDecoder use costs per
// process. It also validates every document JSONCoding.decode hands to
// Foundation, whose reader accepts what JSON does not (`[1,]`).
// Checked against JSONTestSuite (Tests/HivePlatformTests/JSONTestSuiteTests.swift).

extension JSONValue {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var offset: Int
        public var reason: String
        public init(offset: Int, reason: String = "") {
            self.offset = offset
            self.reason = reason
        }
        public var description: String { "invalid JSON at byte \(offset)" + (reason.isEmpty ? "" : ": " + reason) }
    }

    /// The largest manifest, index or config a reader should accept (what
    /// containerd allows); callers reading one from a file or blob cap it so.
    public static let maxDocumentBytes = 4 << 20

    /// Arrays and objects nest at most this deep (Foundation's and Go's readers
    /// stop at 512 and 10,000): the parser, `==` and the serializer recurse.
    public static let maxDepth = 512

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (b) throws(ParseError) -> JSONValue in
            var p = JSONByteParser(b: b, build: true)
            return try p.document()
        }
    }

    /// Checks that `bytes` are one JSON document, building nothing.
    public static func validate(_ bytes: [UInt8]) throws(ParseError) {
        try bytes.withUnsafeBufferPointer { (b) throws(ParseError) in
            var p = JSONByteParser(b: b, build: false)
            _ = try p.document()
        }
    }
}

struct JSONByteParser {
    let b: UnsafeBufferPointer<UInt8>
    /// false: validate only (values come back as .null)
    let build: Bool
    var i = 0

    func fail(_ reason: String = "") -> JSONValue.ParseError { JSONValue.ParseError(offset: i, reason: reason) }

    mutating func document() throws(JSONValue.ParseError) -> JSONValue {
        space()
        let v = try value(depth: 0)
        space()
        guard i == b.count else { throw fail("unexpected data after the document") }
        return v
    }

    mutating func space() {
        while i < b.count, b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13 { i += 1 }
    }

    mutating func literal(_ s: StaticString, _ v: JSONValue) throws(JSONValue.ParseError) -> JSONValue {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail() }
        for k in 0..<n where b[i + k] != s.utf8Start[k] { throw fail() }
        i += n
        return v
    }

    mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard i < b.count else { throw fail("unexpected end of the document") }
        switch b[i] {
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maxDepth else { throw fail("nested deeper than \(JSONValue.maxDepth) levels") }
            i += 1
            var o: [String: JSONValue] = [:]
            space()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                space()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let k = try string()
                space()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                space()
                let v = try value(depth: depth + 1)
                if build { o[k] = v }
                space()
                guard i < b.count else { throw fail("unexpected end of the document") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            guard depth < JSONValue.maxDepth else { throw fail("nested deeper than \(JSONValue.maxDepth) levels") }
            i += 1
            var a: [JSONValue] = []
            space()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
            while true {
                space()
                let v = try value(depth: depth + 1)
                if build { a.append(v) }
                space()
                guard i < b.count else { throw fail("unexpected end of the document") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = i
        var isInt = true
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 48, b[i] <= 57 else { throw fail() }
        if b[i] == 48 { i += 1 } else { while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            isInt = false
            i += 1
            guard i < b.count, b[i] >= 48, b[i] <= 57 else { throw fail() }
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            isInt = false
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, b[i] >= 48, b[i] <= 57 else { throw fail() }
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        }
        // validating: short integers need no conversion (longer ones may overflow a Double)
        if !build && isInt && i - start <= 18 { return .null }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        if isInt, let n = Int64(text) { return .int(n) }
        // 1e400 would be infinity, which no JSON can say back
        guard let d = Double(text), d.isFinite else { throw JSONValue.ParseError(offset: start, reason: "number out of range") }
        // integral values decode as integers, as JSONDecoder gives them to JSONValue
        if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
        return .double(d)
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A string (at its opening quote). Invalid UTF-8 and lone surrogates
    /// become U+FFFD, as Go's reader does.
    mutating func string() throws(JSONValue.ParseError) -> String {
        i += 1  // opening quote
        let start = i
        // fast path: no escapes
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        guard i < b.count else { throw fail("unterminated string") }
        if b[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return build ? String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) : ""
        }
        var out = build ? Array(b[start..<i]) : []
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return build ? String(decoding: out, as: UTF8.self) : "" }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") { if build { out.append(c) }; i += 1; continue }
            i += 1
            guard i < b.count else { throw fail("unterminated string") }
            let e = b[i]
            i += 1
            let byte: UInt8
            switch e {
            case UInt8(ascii: "\""): byte = 0x22
            case UInt8(ascii: "\\"): byte = 0x5C
            case UInt8(ascii: "/"): byte = 0x2F
            case UInt8(ascii: "b"): byte = 0x08
            case UInt8(ascii: "f"): byte = 0x0C
            case UInt8(ascii: "n"): byte = 0x0A
            case UInt8(ascii: "r"): byte = 0x0D
            case UInt8(ascii: "t"): byte = 0x09
            case UInt8(ascii: "u"):
                var v = try hex4()
                // a high surrogate pairs only with a low one that follows it
                if v >= 0xD800 && v < 0xDC00, i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let low = try hex4()
                    if low >= 0xDC00 && low < 0xE000 {
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = save  // the next escape stands on its own
                    }
                }
                if build {
                    let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                    out += Array(String(scalar).utf8)
                }
                continue
            default: throw fail("invalid escape")
            }
            if build { out.append(byte) }
        }
    }
}
