import Testing
@testable import HiveEngine
import HiveOCI
import HivePlatform

@Suite struct GlobTests {
    static let cases: [(String, String, Bool)] = [
        ("busy*", "busybox", true), ("busy*", "busy/box", false), ("*", "", true), ("b?sybox", "busybox", true),
        ("[a-c]at", "bat", true), ("[^a-c]at", "bat", false), ("[!x]", "y", false), ("a\\*b", "a*b", true),
        ("*/app:*", "team/app:v1", true), ("*:v1", "team/app:v1", false), ("localhost/*", "localhost/x", true),
    ]

    @Test(arguments: cases)
    func matches(_ p: String, _ s: String, _ want: Bool) { #expect(Glob.match(p, s) == want) }
}

@Suite struct ImageChangeTests {
    @Test func instructions() throws {
        var c = ContainerConfig()
        try ImageChange.apply([
            "CMD [\"a\", \"b\"]", "ENTRYPOINT run me", "ENV A=1 B=\"x y\"", "ENV C the rest", "ENV A=2",
            "LABEL k=v", "EXPOSE 80 53/UDP", "USER 1000:1000", "WORKDIR app", "VOLUME [\"/v1\", \"/v2\"]", "STOPSIGNAL 9",
            "onbuild RUN x",
        ], to: &c)
        #expect(c.cmd == ["a", "b"])
        #expect(c.entrypoint == ["/bin/sh", "-c", "run me"])
        #expect(c.env == ["B=x y", "C=the rest", "A=2"])
        #expect(c.labels == ["k": "v"])
        #expect(c.exposedPorts?.keys.sorted() == ["53/udp", "80/tcp"])
        #expect(c.user == "1000:1000")
        #expect(c.workingDir == "/app")
        #expect(c.volumes?.keys.sorted() == ["/v1", "/v2"])
        #expect(c.stopSignal == "9")
        #expect(c.onBuild == ["RUN x"])
    }

    @Test(arguments: ["RUN x", "", "CMD", "EXPOSE http", "LABEL novalue", "ENV A=\"unterminated", "USER"])
    func rejects(_ change: String) {
        var c = ContainerConfig()
        #expect(throws: HiveError.self) { try ImageChange.apply([change], to: &c) }
    }

    @Test func durations() {
        #expect(Quantity.duration("10m") == 600_000_000_000)
        #expect(Quantity.duration("1h30m") == 5_400_000_000_000)
        #expect(Quantity.duration("1.5h") == 5_400_000_000_000)
        #expect(Quantity.duration("500ms") == 500_000_000)
        #expect(Quantity.duration("10") == nil)
        #expect(Quantity.duration("5x") == nil)
    }
}
