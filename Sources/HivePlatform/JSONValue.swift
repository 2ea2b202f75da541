// A JSON value with a deterministic serializer (sorted keys), used for
// inspect output, `--format json` and Go-template field access.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded(): return Int64(exactly: d)
        default: return nil
        }
    }
    public var arrayValue: [JSONValue]? {
        switch self {
        case .array(let a): return a
        case .object(let o) where o.isEmpty: return []
        default: return nil
        }
    }
    public var objectValue: [String: JSONValue]? {
        switch self {
        case .object(let o): return o
        case .array(let a) where a.isEmpty: return [:]
        default: return nil
        }
    }


    /// Compact (`indent` nil) or indented output with sorted keys, Go's escaping of <, >, &.
    public func serialized(indent: String? = nil) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(into: &out, indent: indent.map { Array($0.utf8) }, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    // Written as bytes: String appends and String-ordered keys made a short
    // event record cost ~60,000 instructions. Keys sort by their UTF-8 bytes,
    // as Go's encoder sorts map keys.
    private func write(into out: inout [UInt8], indent: [UInt8]?, level: Int) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += b ? "true".utf8 : "false".utf8
        case .int(let i): appendDecimal(i, to: &out)
        case .double(let d):
            // JSON has no infinity or NaN (TOML has): null, as JavaScript writes them
            if !d.isFinite { out += "null".utf8 }
            else if d == d.rounded() && abs(d) < 1e15 { appendDecimal(Int64(d), to: &out) } else { out += "\(d)".utf8 }
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                v.write(into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            var first = true
            for k in o.keys.sorted(by: utf8Precedes) {
                let v = o[k]!
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                newline(&out, indent, level + 1)
                JSONValue.quote(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                v.write(into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ out: inout [UInt8], _ indent: [UInt8]?, _ level: Int) {
        guard let indent else { return }
        out.append(10)
        for _ in 0..<level { out += indent }
    }

    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // most strings need no escaping: appended whole
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x3C || $0 == 0x3E || $0 == 0x26 }) {
            out += s.utf8
            out.append(UInt8(ascii: "\""))
            return
        }
        func hex(_ n: UInt8) -> UInt8 { n < 10 ? UInt8(ascii: "0") + n : UInt8(ascii: "a") + n - 10 }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 10: out += "\\n".utf8
            case 13: out += "\\r".utf8
            case 9: out += "\\t".utf8
            // Go's HTML-safe escaping, and other control characters as \u00XX
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), 0..<0x20:
                out += "\\u00".utf8
                out.append(hex(b >> 4))
                out.append(hex(b & 0xf))
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Converts any Encodable through JSONEncoder.
    public static func from<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValue.parse(Array(try JSONEncoder().encode(value)))
    }
}

extension JSONValue: Codable {
    // Containers first: a failed attempt costs Foundation an error carrying
    // the coding path, so trying the scalars first at every level of a
    // nested document took 1.5 s for 500 nested arrays (JSONTestSuite).
    public init(from decoder: any Decoder) throws {
        if var a = try? decoder.unkeyedContainer() {
            var out: [JSONValue] = []
            while !a.isAtEnd { out.append(try a.decode(JSONValue.self)) }
            self = .array(out)
            return
        }
        if let o = try? decoder.container(keyedBy: AnyKey.self) {
            var out: [String: JSONValue] = [:]
            for k in o.allKeys { out[k.stringValue] = try o.decode(JSONValue.self, forKey: k) }
            self = .object(out)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// JSON coding of spec types: compact, sorted keys, unescaped slashes.
public enum JSONCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    /// Decodes strict JSON only: Foundation's reader also takes trailing
    /// commas and other non-JSON (JSONTestSuite's n_ cases), so the document
    /// is validated first by JSONValue's parser, which bounds nesting too.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if T.self == JSONValue.self { return try JSONValue.parse(bytes) as! T }
        try JSONValue.validate(bytes)
        return try JSONDecoder().decode(type, from: Data(bytes))
    }
}

/// Appends the decimal digits of `v` (with a minus sign) without building a String.
public func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
    if v < 0 { out.append(UInt8(ascii: "-")) }
    var u = v.magnitude
    if u < 10 {
        out.append(UInt8(ascii: "0") + UInt8(u))
        return
    }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
    withUnsafeMutableBytes(of: &digits) { p in
        var i = p.count
        while u > 0 {
            i -= 1
            p[i] = UInt8(ascii: "0") + UInt8(u % 10)
            u /= 10
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[i...]))
    }
}

/// Whether `a` sorts before `b` by their UTF-8 bytes (Go's and memcmp's
/// order), compared in place: UTF8View's generic comparison cost ~30 times more.
public func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { pa in
        b.withUTF8 { pb in
            let n = min(pa.count, pb.count)
            let c = n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n)
            return c != 0 ? c < 0 : pa.count < pb.count
        }
    }
}
