import HivePlatform
import Testing

@Suite struct JSONParseTests {
    @Test func parsesWhatJSONDecoderParses() throws {
        let text = #"{"a":[1,-2.5,1e3,true,false,null],"s":"q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","o":{},"e":[], "n": 0 }"#
        let fast = try JSONValue.parse(Array(text.utf8))
        let slow = try JSONCoding.decode(JSONValue.self, from: Array(text.utf8))
        #expect(fast == slow)
        #expect(fast["s"] == .string("q\"\\/\u{8}\u{c}\n\r\té😀"))
    }

    @Test func rejectsWhatIsNotJSON() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"unterminated", "[1] x", "\"ctrl\u{1}\"", "{\"a\":1,}"] {
            #expect(throws: JSONValue.ParseError.self, "\(bad)") { try JSONValue.parse(Array(bad.utf8)) }
        }
    }
}
