// A strict JSON parser to JSONValue without Foundation's coders: the hot
// paths (run, create, build) read image configs with it, which saves the
// ~2 ms of generic-type instantiation a first JSONDecoder use costs per process.

extension JSONValue {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var offset: Int
        public var description: String { "invalid JSON at byte \(offset)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (b) throws(ParseError) -> JSONValue in
            var p = JSONByteParser(b: b)
            p.space()
            let v = try p.value(depth: 0)
            p.space()
            guard p.i == b.count else { throw ParseError(offset: p.i) }
            return v
        }
    }
}

struct JSONByteParser {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    func fail() -> JSONValue.ParseError { JSONValue.ParseError(offset: i) }

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
        guard i < b.count, depth < 512 else { throw fail() }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var o: [String: JSONValue] = [:]
            space()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                space()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail() }
                let k = try string()
                space()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail() }
                i += 1
                space()
                o[k] = try value(depth: depth + 1)
                space()
                guard i < b.count else { throw fail() }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                throw fail()
            }
        case UInt8(ascii: "["):
            i += 1
            var a: [JSONValue] = []
            space()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
            while true {
                space()
                a.append(try value(depth: depth + 1))
                space()
                guard i < b.count else { throw fail() }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                throw fail()
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
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        if isInt, let n = Int64(text) { return .int(n) }
        guard let d = Double(text) else { throw fail() }
        // integral values decode as integers, as JSONDecoder gives them to JSONValue
        if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
        return .double(d)
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw fail()
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func string() throws(JSONValue.ParseError) -> String {
        i += 1  // opening quote
        let start = i
        // fast path: no escapes
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        guard i < b.count else { throw fail() }
        if b[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        }
        var out = Array(b[start..<i])
        while true {
            guard i < b.count else { throw fail() }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { throw fail() }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw fail() }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if v >= 0xD800 && v < 0xDC00, i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    v = 0x10000 + ((v - 0xD800) << 10) + ((low &- 0xDC00) & 0x3FF)
                }
                let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                out += Array(String(scalar).utf8)
            default: throw fail()
            }
        }
    }
}
