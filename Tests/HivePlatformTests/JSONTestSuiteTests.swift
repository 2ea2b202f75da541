// JSONTestSuite (github.com/nst/JSONTestSuite, test_parsing/), read from
// ../shared/corpus/json-test-suite: y_ must be accepted, n_ refused, i_
// (implementation-defined) may go either way but must neither crash nor hang.
// Both readers are held to it: JSONValue.parse (image configs) and
// JSONCoding.decode (manifests, indexes, archive manifests).
import Glibc
import HivePlatform
import Testing

enum JSONSuite {
    static let dir: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)  // Tests/HivePlatformTests/<file>
        return parts.joined(separator: "/") + "/../shared/corpus/json-test-suite/test_parsing"
    }()

    static func cases() -> [(String, [UInt8])] {
        Files.names(in: dir).filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            Files.read(dir + "/" + name).map { (name, $0) }
        }
    }

    static func nanos() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}

@Suite struct JSONTestSuiteTests {
    typealias Reader = (String, ([UInt8]) -> Bool)
    static let readers: [Reader] = [
        ("JSONValue.parse", { (try? JSONValue.parse($0)) != nil }),
        ("JSONValue.validate", { (try? JSONValue.validate($0)) != nil }),
        ("JSONCoding.decode", { (try? JSONCoding.decode(JSONValue.self, from: $0)) != nil }),
        // Foundation's decoder through JSONValue's Codable init (a JSONValue inside a Codable type)
        ("JSONValue(from: Decoder)", { (try? JSONCoding.decode(Wrapped.self, from: $0)) != nil }),
    ]

    struct Wrapped: Decodable {
        let v: JSONValue
        init(from d: any Decoder) throws { v = try JSONValue(from: d) }
    }

    @Test func everyCaseGetsTheRightAnswer() throws {
        let cases = JSONSuite.cases()
        #expect(cases.count >= 318, "JSONTestSuite not found at \(JSONSuite.dir)")
        for (reader, accepts) in JSONTestSuiteTests.readers {
            var wrong: [String] = []
            var slow: [String] = []
            for (name, bytes) in cases {
                let t0 = JSONSuite.nanos()
                let ok = accepts(bytes)
                let ms = (JSONSuite.nanos() - t0) / 1_000_000
                if ms > 200 { slow.append("\(reader): \(name) (\(ms) ms)") }
                if name.hasPrefix("y_") && !ok { wrong.append("\(reader) refused \(name)") }
                if name.hasPrefix("n_") && ok { wrong.append("\(reader) accepted \(name)") }
            }
            #expect(wrong == [])
            #expect(slow == [])
        }
    }

    @Test func acceptedCasesRoundTrip() throws {
        for (name, bytes) in JSONSuite.cases() where !name.hasPrefix("n_") {
            guard let v = try? JSONValue.parse(bytes) else { continue }
            #expect((try? JSONValue.parse(Array(v.serialized().utf8))) == v, "\(name)")
            #expect((try? JSONValue.parse(Array(v.serialized(indent: "  ").utf8))) == v, "\(name)")
        }
    }

    @Test func nestingIsBoundedWithAClearError() throws {
        let ok = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        #expect((try? JSONValue.parse(Array(ok.utf8))) != nil)
        for open in ["[", "{\"a\":"] {
            let deep = Array(String(repeating: open, count: 100_000).utf8)
            do {
                _ = try JSONValue.parse(deep)
                Issue.record("100,000 levels of \(open) accepted")
            } catch {
                #expect(error.description == "invalid JSON at byte \(JSONValue.maxDepth * open.utf8.count): nested deeper than 512 levels")
            }
            #expect(throws: JSONValue.ParseError.self) { try JSONCoding.decode(JSONValue.self, from: deep) }
        }
        let over = String(repeating: "[", count: JSONValue.maxDepth + 1) + String(repeating: "]", count: JSONValue.maxDepth + 1)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(over.utf8)) }
    }

    @Test func numbersOutOfRangeAreRefused() {
        for text in ["1e400", "-1e400", "[123123e100000]", "1" + String(repeating: "0", count: 400)] {
            #expect(throws: JSONValue.ParseError.self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
            #expect(throws: JSONValue.ParseError.self, "\(text)") { try JSONValue.validate(Array(text.utf8)) }
        }
        #expect((try? JSONValue.parse(Array("123456789012345678901234567890".utf8))) == .double(1.2345678901234568e29))
    }

    @Test func surrogatesPairOnlyWhenTheyAre() throws {
        func parse(_ s: String) -> JSONValue? { try? JSONValue.parse(Array(s.utf8)) }
        #expect(parse(#""\ud83d\ude00""#) == .string("😀"))
        // a high surrogate before a non-surrogate escape: both kept, the first replaced
        #expect(parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(parse(#""\ud800\ud800\udc00""#) == .string("\u{FFFD}\u{10000}"))
        #expect(parse(#""\udc00""#) == .string("\u{FFFD}"))
    }
}
