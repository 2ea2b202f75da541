import HivePlatform
@testable import HiveRuntime
import Testing

/// `logs --details` and `-t` as Docker prints them, and the names `cp CTR:PATH -` gives tar entries.
@Suite struct LogDetailsTests {
    func entry(_ attrs: [String: String]?, time: String = "2026-01-02T03:04:05.5Z") -> ContainerLog.Entry {
        ContainerLog.Entry(log: "x\n", stream: "stdout", time: time, attrs: attrs)
    }

    @Test func detailsAlwaysEndWithASpace() {
        // Docker writes attrsByteSlice(attrs) + ' ' even when there are none
        #expect(entry(nil).details == " ")
        #expect(entry([:]).details == " ")
        #expect(entry(["b": "2", "a": "1"]).details == "a=1,b=2 ")
    }

    @Test func detailsAreQueryEscaped() {
        #expect(entry(["team": "a b/c", "k=v": "x,y&z"]).details == "k%3Dv=x%2Cy%26z,team=a+b%2Fc ")
        #expect(entry(["u": "é~-_."]).details == "u=%C3%A9~-_. ")
    }

    @Test func timestampsHaveNineDigits() {
        #expect(entry(nil).fixedTime == "2026-01-02T03:04:05.500000000Z")
        #expect(entry(nil, time: "2026-01-02T03:04:05Z").fixedTime == "2026-01-02T03:04:05.000000000Z")
        #expect(entry(nil, time: "2026-01-02T03:04:05.123456789+01:00").fixedTime == "2026-01-02T02:04:05.123456789Z")
        #expect(entry(nil, time: "not a time").fixedTime == "not a time")
    }

    @Test func tarNames() {
        #expect(CopyPaths.tarName("/etc") == "etc")
        #expect(CopyPaths.tarName("/etc/") == "etc")
        #expect(CopyPaths.tarName("/") == ".")
        #expect(CopyPaths.tarName("/data/.") == ".")
    }
}
