// Inputs fuzz-toml (Fuzz/, `make fuzz`) once failed on: what the TOML reader
// accepts must print as JSON (hive info, hooks' config); non-TOML numbers
// that Swift's Double() takes ("Inf", "infinity", hex floats) are refused.

import Testing

@testable import HivePlatform

@Suite struct TomlFuzzRegressionTests {
    static func inputs() -> [(String, String)] {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        let dir = parts.joined(separator: "/") + "/Fuzz/regressions/fuzz-toml"
        return Files.names(in: dir).sorted().compactMap { n in Files.readText(dir + "/" + n).map { (n, $0) } }
    }

    @Test func regressionInputsPrintAsJSON() {
        let inputs = TomlFuzzRegressionTests.inputs()
        #expect(inputs.count >= 2)
        for (name, text) in inputs {
            guard let doc = try? Toml.parse(text, file: name) else { continue }
            let json = JSONValue.object(doc).serialized()
            #expect((try? JSONValue.parse(Array(json.utf8))) != nil, "\(name): \(json)")
        }
    }

    @Test func onlyTomlFloats() throws {
        for bad in ["Inf", "-Infinity", "NaN", "0x1p3", "infinity", "1e", "e1", ".5"] {
            #expect(throws: HiveError.self, "\(bad)") { try Toml.parse("v = \(bad)\n", file: "t.toml") }
        }
        #expect(try Toml.parse("a = inf\nb = -inf\nc = 1_000.5e-1\nd = +1.5\n", file: "t.toml")
                == ["a": .double(.infinity), "b": .double(-.infinity), "c": .double(100.05), "d": .double(1.5)])
        #expect(try Toml.parse("v = nan\n", file: "t.toml")["v"]?.serialized() == "null")
    }
}
