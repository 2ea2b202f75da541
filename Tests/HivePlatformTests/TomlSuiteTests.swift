// toml-test (github.com/toml-lang/toml-test), the TOML 1.0.0 cases its
// files-toml-1.0.0 list names, read from ../shared/corpus/toml-test: every
// valid/X.toml must read equal to valid/X.json (the suite's tagged form:
// {"type": ..., "value": "<text>"} for every scalar), compared by type and
// value (floats numerically, nan and signed infinities included; dates by
// kind and text); every invalid/X.toml must be refused naming X.toml:LINE.
import Testing

@testable import HivePlatform

enum TomlSuite {
    static let dir: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)  // Tests/HiveHooksTests/<file>
        return parts.joined(separator: "/") + "/../shared/corpus/toml-test"
    }()

    /// The .toml files of the 1.0.0 list under `prefix` ("valid/" or "invalid/").
    static func cases(_ prefix: String) -> [String] {
        guard let list = Files.readText(dir + "/files-toml-1.0.0") else { return [] }
        return list.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".toml") }
    }

    /// Where `got` differs from the tagged JSON `want`, or nil.
    static func mismatch(_ got: TomlValue, _ want: JSONValue, _ path: String) -> String? {
        switch (got, want) {
        case (.table(let t), .object(let o)) where !isTagged(o):
            guard Set(t.keys) == Set(o.keys) else { return "\(path): keys \(t.keys.sorted()) != \(o.keys.sorted())" }
            for (k, v) in t { if let m = mismatch(v, o[k]!, path + "." + k) { return m } }
            return nil
        case (.array(let a), .array(let w)):
            guard a.count == w.count else { return "\(path): \(a.count) elements, want \(w.count)" }
            for (n, (x, y)) in zip(a, w).enumerated() { if let m = mismatch(x, y, "\(path)[\(n)]") { return m } }
            return nil
        case (_, .object(let o)) where isTagged(o):
            let type = o["type"]!.stringValue!, text = o["value"]!.stringValue!
            return scalarMatches(got, type, text) ? nil : "\(path): \(got) != \(type) \(text)"
        default:
            return "\(path): \(got) != \(want.serialized())"
        }
    }

    static func isTagged(_ o: [String: JSONValue]) -> Bool {
        o.count == 2 && o["type"]?.stringValue != nil && o["value"]?.stringValue != nil
    }

    static func scalarMatches(_ got: TomlValue, _ type: String, _ text: String) -> Bool {
        switch (got, type) {
        case (.string(let s), "string"): return s == text
        case (.integer(let i), "integer"): return Int64(text) == i
        case (.bool(let b), "bool"): return String(b) == text
        case (.float(let d), "float"):
            switch text {
            case "nan", "+nan", "-nan": return d.isNaN
            case "inf", "+inf": return d == .infinity
            case "-inf": return d == -.infinity
            default: return Double(text).map { $0 == d && $0.sign == d.sign } ?? false
            }
        case (.datetime(let t), _): return t.kind.rawValue == type && normalized(t.text) == normalized(text)
        default: return false
        }
    }

    /// RFC 3339 text compared as instants are written: upper case, `T`, no
    /// trailing zeros in the fraction of a second (`56.600Z` is `56.6Z`).
    static func normalized(_ s: String) -> String {
        var u = Array(s.uppercased().replacingOccurrences(" ", "T").utf8)
        if let dot = u.firstIndex(of: UInt8(ascii: ".")) {
            var end = dot + 1
            while end < u.count && Toml.isDigit(u[end]) { end += 1 }
            var cut = end
            while cut > dot + 1 && u[cut - 1] == UInt8(ascii: "0") { cut -= 1 }
            if cut == dot + 1 { cut = dot }
            u.removeSubrange(cut..<end)
        }
        return String(decoding: u, as: UTF8.self)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}

@Suite struct TomlSuiteTests {
    @Test func validCasesReadAsTheirJSON() throws {
        let cases = TomlSuite.cases("valid/")
        #expect(cases.count == 210)
        var passed = 0
        for name in cases {
            let base = TomlSuite.dir + "/" + name
            let bytes = try #require(Files.read(base))
            let json = try #require(Files.read(String(base.dropLast(5)) + ".json"), "\(name): no .json")
            let want = try JSONValue.parse(json)
            do {
                let got = try Toml.read(bytes, file: name)
                if let m = TomlSuite.mismatch(.table(got), want, name) { Issue.record("\(m)") } else { passed += 1 }
            } catch {
                Issue.record("\(name) refused: \(error.message)")
            }
        }
        print("toml-test 1.0.0 valid: \(passed)/\(cases.count) equal to their JSON")
        #expect(passed == cases.count)
    }

    @Test func invalidCasesAreRefusedWithFileAndLine() throws {
        let cases = TomlSuite.cases("invalid/")
        #expect(cases.count == 499)
        var refused = 0
        for name in cases {
            let bytes = try #require(Files.read(TomlSuite.dir + "/" + name))
            do {
                let got = try Toml.read(bytes, file: name)
                Issue.record("\(name) accepted: \(TomlValue.table(got).json.serialized())")
            } catch {
                let rest = error.message.dropFirst(name.count + 1)
                let line = rest.prefix { $0.isNumber }
                if error.message.hasPrefix(name + ":") && !line.isEmpty && rest.dropFirst(line.count).hasPrefix(": ") {
                    refused += 1
                } else {
                    Issue.record("\(name): message without file:line: \(error.message)")
                }
            }
        }
        print("toml-test 1.0.0 invalid: \(refused)/\(cases.count) refused with file:line")
        #expect(refused == cases.count)
    }
}
