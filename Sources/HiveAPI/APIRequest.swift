// One Engine API request as a route sees it: the method, the path without
// its /v1.xx prefix, the query, the headers that matter and the body.
import Glibc
import HivePlatform

public struct APIRequest {
    public var method: String
    /// The path after the version prefix, percent-decoded per segment.
    public var path: String
    /// The API version the client asked for (the /v1.xx/ prefix), or the service's own.
    public var version: APIVersion
    public var query: [String: [String]]
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The body when it was too large for memory (build contexts, image archives).
    public var bodyFile: BodySpill?
    /// Path parameters of the matched route (`{id}`, `{name*}`).
    public var params: [String: String] = [:]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// A path that reads the whole body (kept in a file when it is large).
    public mutating func bodyPath() throws -> String {
        if let bodyFile { return bodyFile.path }
        guard let s = BodySpill(dir: "/tmp"), s.append(body) else {
            throw HiveError(.io, "the request body could not be kept in a file")
        }
        bodyFile = s
        return s.path
    }

    public func param(_ name: String) -> String { params[name] ?? "" }

    /// A query value (the last one given).
    public func string(_ key: String) -> String? { query[key]?.last }

    /// Go's strconv.ParseBool as the Docker API reads boolean parameters ("1", "true", "True"...).
    public func bool(_ key: String, default d: Bool = false) throws -> Bool {
        guard let v = string(key) else { return d }
        switch v {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False", "": return v.isEmpty ? d : false
        default: throw HiveError(.invalidArgument, "invalid value for \(key): \"\(v)\" is not a boolean")
        }
    }

    public func int(_ key: String) throws -> Int? {
        guard let v = string(key), !v.isEmpty else { return nil }
        guard let n = Int(v) else { throw HiveError(.invalidArgument, "invalid value for \(key): \"\(v)\" is not an integer") }
        return n
    }

    /// The body as a JSON object (an empty body: an empty object).
    public func json() throws -> [String: JSONValue] {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return [:] }
        do {
            let v = try JSONValue.parse(body)
            guard let o = v.objectValue else { throw HiveError(.invalidArgument, "the request body is not a JSON object") }
            return o
        } catch let e as HiveError {
            throw e
        } catch {
            throw HiveError(.invalidArgument, "the request body is not valid JSON: \(error)")
        }
    }

    /// A JSON query parameter (`filters`, `labels`, `buildargs`): nil when absent or empty.
    public func jsonQuery(_ key: String) throws -> JSONValue? {
        guard let v = string(key), !v.isEmpty else { return nil }
        do { return try JSONValue.parse(Array(v.utf8)) } catch {
            throw HiveError(.invalidArgument, "invalid \(key) parameter: not JSON: \(v)")
        }
    }

    /// Docker's `filters` query: `{"label":{"a=b":true}}` (API ≥ 1.22) or
    /// `{"label":["a=b"]}`; as key → values.
    public func filters() throws -> [String: [String]] {
        guard let v = try jsonQuery("filters") else { return [:] }
        guard let o = v.objectValue else { throw HiveError(.invalidArgument, "invalid filters: not a JSON object") }
        var out: [String: [String]] = [:]
        for (k, val) in o {
            switch val {
            case .array(let a): out[k] = a.compactMap(\.stringValue)
            case .object(let m): out[k] = m.compactMap { $0.value == .bool(true) ? $0.key : nil }.sorted()
            case .string(let s): out[k] = [s]
            default: throw HiveError(.invalidArgument, "invalid filter '\(k)'")
            }
        }
        return out
    }
}

/// An API version: 1.24 ... 1.44.
public struct APIVersion: Comparable, CustomStringConvertible, Sendable {
    public var major: Int, minor: Int
    public init(_ major: Int, _ minor: Int) { self.major = major; self.minor = minor }
    public init?(_ s: Substring) {
        let parts = s.split(separator: ".")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
        self.init(a, b)
    }
    public static let current = APIVersion(1, 44)
    public static let minimum = APIVersion(1, 24)
    public var description: String { "\(major).\(minor)" }
    public static func < (a: APIVersion, b: APIVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}

extension JSONValue {
    /// A boolean member (absent or null: nil).
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
}

/// Percent-decoding of a path segment or query component (`+` as space in queries).
func percentDecode<S: StringProtocol>(_ s: S, plusIsSpace: Bool) -> String {
    var out: [UInt8] = []
    var it = Array(s.utf8)[...]
    func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
    while let c = it.popFirst() {
        if c == 0x25, it.count >= 2, let h = hex(it[it.startIndex]), let l = hex(it[it.startIndex + 1]) {
            out.append(h << 4 | l)
            it = it.dropFirst(2)
        } else if c == 0x2b && plusIsSpace {
            out.append(0x20)
        } else {
            out.append(c)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// `a=1&b=2&b=3` → ["a": ["1"], "b": ["2", "3"]].
func parseQuery(_ q: Substring) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for pair in q.split(separator: "&", omittingEmptySubsequences: true) {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let k = percentDecode(kv[0], plusIsSpace: true)
        out[k, default: []].append(kv.count > 1 ? percentDecode(kv[1], plusIsSpace: true) : "")
    }
    return out
}
