import HivePlatform
@testable import HiveStore
import Testing

/// Docker's `--filter` arguments: parsing with Docker's messages, Match (a
/// regular expression), ExactMatch, MatchKVList, label!, booleans.
@Suite struct FilterArgsTests {
    func message(_ args: [String], _ keys: Set<String> = ["name", "label", "dangling"]) -> String {
        do { _ = try FilterArgs(args, accepted: keys); return "" } catch { return error.message }
    }

    @Test func parsing() throws {
        let f = try FilterArgs(["NAME = web", "label=a=b", "label=c", "name=db"], accepted: ["name", "label"])
        #expect(f["name"] == ["web", "db"])
        #expect(f["label"] == ["a=b", "c"])
        #expect(!f.contains("dangling") && !f.isEmpty)
        #expect(message(["color=red"]) == "invalid filter 'color' (this verb filters on dangling, label, name)")
        #expect(message(["name"]) == "bad format of filter \"name\" (expected name=value)")
        #expect(message([]) == "")
    }

    @Test func matching() throws {
        let f = try FilterArgs(["name=^/?web$", "name=db", "label=tier", "label=team=a", "label!=old"], accepted: ["name", "label", "label!"])
        #expect(f.match("name", "web") && f.match("name", "/web"))
        #expect(f.match("name", "mydb2"))
        #expect(!f.match("name", "webby"))
        #expect(f.match("other", "anything"))
        #expect(f.matchKVList("label", ["tier": "x", "team": "a"]))
        #expect(!f.matchKVList("label", ["tier": "x", "team": "b"]))
        #expect(!f.matchKVList("label", ["team": "a"]))
        #expect(f.matchLabels(["tier": "", "team": "a"]))
        #expect(!f.matchLabels(["tier": "", "team": "a", "old": "1"]))
        #expect(f.exactMatch("driver", "local"))
        // a pattern that does not compile matches only itself, exactly
        let bad = try FilterArgs(["name=a(b"], accepted: ["name"])
        #expect(bad.match("name", "a(b") && !bad.match("name", "xa(by"))
    }

    @Test func booleans() throws {
        #expect(try FilterArgs(["dangling=true"], accepted: ["dangling"]).bool("dangling") == true)
        #expect(try FilterArgs(["dangling=0"], accepted: ["dangling"]).bool("dangling") == false)
        #expect(try FilterArgs(["dangling=false", "dangling=1"], accepted: ["dangling"]).bool("dangling") == true)
        #expect(try FilterArgs([], accepted: ["dangling"]).bool("dangling") == nil)
        #expect(throws: HiveError.self) { try FilterArgs(["dangling=maybe"], accepted: ["dangling"]).bool("dangling") }
    }
}
