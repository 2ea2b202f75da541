// A small JSON Schema (draft-04) validator, enough for the OCI image-spec
// schemas: type, properties, required, items, min/maxItems, $ref across
// files, oneOf/anyOf/allOf, pattern, patternProperties, additionalProperties,
// enum, minimum/maximum.
import Foundation
@testable import HiveOCI
import HivePlatform

struct SchemaError: Error, CustomStringConvertible {
    let description: String
}

struct SchemaValidator {
    let dir: String
    var files: [String: JSONValue] = [:]

    static func corpus(_ name: String, file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("../shared/corpus/" + name).standardized.path
    }

    init(dir: String) throws {
        self.dir = dir
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".json") {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            files[name] = try JSONDecoder().decode(JSONValue.self, from: data)
        }
    }

    func validate(_ bytes: [UInt8], schema: String) throws {
        let doc = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        guard let s = files[schema] else { throw SchemaError(description: "no schema \(schema)") }
        try check(doc, s, file: schema, path: "$")
    }

    private func resolve(_ ref: String, file: String) throws -> (JSONValue, String) {
        let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let target = parts[0].isEmpty ? file : String(parts[0])
        guard var node = files[target] else { throw SchemaError(description: "unresolvable $ref \(ref)") }
        if parts.count > 1 {
            for key in parts[1].split(separator: "/") {
                guard let next = node[String(key)] else { throw SchemaError(description: "unresolvable $ref \(ref)") }
                node = next
            }
        }
        return (node, target)
    }

    private func check(_ v: JSONValue, _ s: JSONValue, file: String, path: String) throws {
        if case .string(let ref)? = s["$ref"] {
            let (target, tfile) = try resolve(ref, file: file)
            try check(v, target, file: tfile, path: path)
            return
        }
        if let t = s["type"] {
            let types: [String]
            switch t {
            case .string(let one): types = [one]
            case .array(let many): types = many.compactMap { if case .string(let x) = $0 { return x } else { return nil } }
            default: types = []
            }
            guard types.contains(where: { matches(v, $0) }) else {
                throw SchemaError(description: "\(path): expected \(types.joined(separator: "|"))")
            }
        }
        if case .array(let options)? = s["enum"], !options.contains(v) {
            throw SchemaError(description: "\(path): not one of the allowed values")
        }
        if case .string(let p)? = s["pattern"], case .string(let str) = v {
            let re = try Regex(p)
            guard str.contains(re) else { throw SchemaError(description: "\(path): \"\(str)\" does not match \(p)") }
        }
        if let minimum = number(s["minimum"]), let n = number(v), n < minimum {
            throw SchemaError(description: "\(path): below minimum \(minimum)")
        }
        if let maximum = number(s["maximum"]), let n = number(v), n > maximum {
            throw SchemaError(description: "\(path): above maximum \(maximum)")
        }
        if case .object(let o) = v {
            if case .array(let req)? = s["required"] {
                for case .string(let k) in req where o[k] == nil {
                    throw SchemaError(description: "\(path): missing required \(k)")
                }
            }
            let props: [String: JSONValue]
            if case .object(let p)? = s["properties"] { props = p } else { props = [:] }
            var patternProps: [(Regex<AnyRegexOutput>, JSONValue)] = []
            if case .object(let pp)? = s["patternProperties"] {
                for (k, sub) in pp { patternProps.append((try Regex(k), sub)) }
            }
            for (k, sub) in o {
                var matched = false
                if let ps = props[k] { try check(sub, ps, file: file, path: path + "." + k); matched = true }
                for (re, ps) in patternProps where k.contains(re) {
                    try check(sub, ps, file: file, path: path + "." + k)
                    matched = true
                }
                if !matched, let ap = s["additionalProperties"] {
                    if case .bool(false) = ap { throw SchemaError(description: "\(path): unexpected property \(k)") }
                    if case .object = ap { try check(sub, ap, file: file, path: path + "." + k) }
                }
            }
        }
        if case .array(let a) = v {
            if let m = number(s["minItems"]), Double(a.count) < m { throw SchemaError(description: "\(path): fewer than \(Int(m)) items") }
            if let m = number(s["maxItems"]), Double(a.count) > m { throw SchemaError(description: "\(path): more than \(Int(m)) items") }
            if let items = s["items"], case .object = items {
                for (i, x) in a.enumerated() { try check(x, items, file: file, path: path + "[\(i)]") }
            }
        }
        if case .array(let all)? = s["allOf"] { for sub in all { try check(v, sub, file: file, path: path) } }
        if case .array(let any)? = s["anyOf"] {
            guard any.contains(where: { (try? check(v, $0, file: file, path: path)) != nil }) else {
                throw SchemaError(description: "\(path): matches none of anyOf")
            }
        }
        if case .array(let one)? = s["oneOf"] {
            let n = one.filter { (try? check(v, $0, file: file, path: path)) != nil }.count
            guard n == 1 else { throw SchemaError(description: "\(path): matches \(n) of oneOf, expected 1") }
        }
    }

    private func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    private func matches(_ v: JSONValue, _ type: String) -> Bool {
        switch (type, v) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d == d.rounded()
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }
}
