// The tagged encoding values cross the Lua boundary in (CHiveLua/lua.c):
// `-` nil, `t`/`f`, `i<int>;`, `d<double>;`, `s<len>:<bytes>`, `[...]`, `{k v ...}`.
import HiveOCI
import HivePlatform

extension JSONValue {
    /// This object set on the table kept under `base` (LuaVM.setBase): the
    /// decoded value is a fresh copy of that table with these pairs set.
    func luaEncoded(onBase base: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "@")]
        out.reserveCapacity(256)
        JSONValue.putString(base, into: &out)
        encodeLua(into: &out)
        return out
    }

    /// This value in the boundary encoding.
    public var luaEncoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        encodeLua(into: &out)
        return out
    }

    private func encodeLua(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(UInt8(ascii: "-"))
        case .bool(let b): out.append(UInt8(ascii: b ? "t" : "f"))
        case .int(let i): JSONValue.putDecimal(i, tag: UInt8(ascii: "i"), end: UInt8(ascii: ";"), into: &out)
        case .double(let d) where d == d.rounded() && abs(d) < 1e15:  // as C's %.17g writes it
            JSONValue.putDecimal(Int64(d), tag: UInt8(ascii: "d"), end: UInt8(ascii: ";"), into: &out)
        case .double(let d): out += Array("d\(d);".utf8)
        case .string(let s): JSONValue.putString(s, into: &out)
        case .array(let a) where a.isEmpty:
            out += [UInt8(ascii: "{"), UInt8(ascii: "}")]  // what Lua gives back for an empty table
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for v in a { v.encodeLua(into: &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // keys in byte order, as CHiveLua sorts them (memcmp), so that an
            // unchanged table comes back as the very same bytes
            for k in o.keys.sorted(by: utf8Precedes) {
                let v = o[k]!
                if case .null = v { continue }  // nil: an absent key
                JSONValue.putString(k, into: &out)
                v.encodeLua(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `tag`, the decimal digits of `v`, `end`, without building a String.
    private static func putDecimal(_ v: Int64, tag: UInt8, end: UInt8, into out: inout [UInt8]) {
        out.append(tag)
        appendDecimal(v, to: &out)
        out.append(end)
    }

    private static func putString(_ s: String, into out: inout [UInt8]) {
        putDecimal(Int64(s.utf8.count), tag: UInt8(ascii: "s"), end: UInt8(ascii: ":"), into: &out)
        out.append(contentsOf: s.utf8)
    }

    /// Decodes the boundary encoding; nil if it is malformed.
    public static func luaDecoded(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var i = 0
        func number(_ tag: UInt8) -> JSONValue? {
            var j = i
            while j < bytes.count && bytes[j] != UInt8(ascii: ";") { j += 1 }
            guard j < bytes.count else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self)
            i = j + 1
            if tag == UInt8(ascii: "i") { return Int64(text).map(JSONValue.int) }
            return Double(text).map(JSONValue.double)
        }
        func value(_ depth: Int) -> JSONValue? {
            guard i < bytes.count, depth < 64 else { return nil }
            let tag = bytes[i]
            i += 1
            switch tag {
            case UInt8(ascii: "-"): return .null
            case UInt8(ascii: "t"): return .bool(true)
            case UInt8(ascii: "f"): return .bool(false)
            case UInt8(ascii: "i"), UInt8(ascii: "d"): return number(tag)
            case UInt8(ascii: "s"):
                var n = 0
                while i < bytes.count, bytes[i] != UInt8(ascii: ":") {
                    guard bytes[i] >= 48 && bytes[i] <= 57 else { return nil }
                    n = n * 10 + Int(bytes[i] - 48)
                    i += 1
                }
                guard i < bytes.count, bytes.count - i - 1 >= n else { return nil }
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<(i + 1 + n)]), as: UTF8.self)
                i += 1 + n
                return .string(s)
            case UInt8(ascii: "["):
                var a: [JSONValue] = []
                while i < bytes.count && bytes[i] != UInt8(ascii: "]") {
                    guard let v = value(depth + 1) else { return nil }
                    a.append(v)
                }
                guard i < bytes.count else { return nil }
                i += 1
                return .array(a)
            case UInt8(ascii: "{"):
                var o: [String: JSONValue] = [:]
                while i < bytes.count && bytes[i] != UInt8(ascii: "}") {
                    guard case .string(let k)? = value(depth + 1), let v = value(depth + 1) else { return nil }
                    o[k] = v  // nil only comes from a changed-fields result: a removed field
                }
                guard i < bytes.count else { return nil }
                i += 1
                return .object(o)
            default: return nil
            }
        }
        let v = value(0)
        return i == bytes.count ? v : nil
    }

    public static func luaDecoded(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBufferPointer { luaDecoded($0) }
    }

    /// The value as Lua sees it: empty arrays and empty tables are the same table.
    public func sameInLua(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.array(let a), .object(let o)), (.object(let o), .array(let a)): return a.isEmpty && o.isEmpty
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.sameInLua($1) }
        case (.object(let a), .object(let b)):
            // an absent key and a null one are the same to Lua
            for (k, v) in a where !v.sameInLua(b[k] ?? .null) { return false }
            for (k, v) in b where a[k] == nil && !JSONValue.null.sameInLua(v) { return false }
            return true
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        default: return self == other
        }
    }
}

