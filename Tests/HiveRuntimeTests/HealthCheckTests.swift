import Testing
import HiveOCI
import HivePlatform
@testable import HiveRuntime

@Suite struct HealthCheckTests {
    func request(_ set: (inout HealthRequest) -> Void) -> HealthRequest {
        var r = HealthRequest()
        set(&r)
        return r
    }

    func image(_ test: [String], interval: Int64? = nil, retries: Int? = nil) -> Healthcheck {
        var h = Healthcheck()
        h.test = test
        h.interval = interval
        h.retries = retries
        return h
    }

    @Test func noCheckWithoutImageOrFlags() throws {
        #expect(try HealthRequest().resolve(image: nil) == nil)
        // flags that set only timing, and an image without a check: still none (Docker's merge)
        #expect(try request { $0.interval = "1s" }.resolve(image: nil) == nil)
    }

    @Test func healthCmdIsShellFormWithDefaults() throws {
        let h = try #require(try request { $0.cmd = "curl -f http://localhost/ || exit 1" }.resolve(image: nil))
        #expect(h.test == ["CMD-SHELL", "curl -f http://localhost/ || exit 1"])
        #expect(h.interval == 30_000_000_000)
        #expect(h.timeout == 30_000_000_000)
        #expect(h.startPeriod == 0)
        #expect(h.startInterval == 5_000_000_000)
        #expect(h.retries == 3)
    }

    @Test func flagsOverrideTheImagesFields() throws {
        let img = image(["CMD", "/bin/check", "--fast"], interval: 10_000_000_000, retries: 7)
        let h = try #require(try request { $0.timeout = "2s"; $0.startPeriod = "1m" }.resolve(image: img))
        #expect(h.test == ["CMD", "/bin/check", "--fast"])
        #expect(h.interval == 10_000_000_000)
        #expect(h.timeout == 2_000_000_000)
        #expect(h.startPeriod == 60_000_000_000)
        #expect(h.retries == 7)
        let h2 = try #require(try request { $0.cmd = "true"; $0.retries = "1"; $0.interval = "250ms" }.resolve(image: img))
        #expect(h2.test == ["CMD-SHELL", "true"])
        #expect(h2.retries == 1)
        #expect(h2.interval == 250_000_000)
    }

    @Test func noneDisables() throws {
        #expect(try request { $0.disabled = true }.resolve(image: image(["CMD", "x"])) == nil)
        #expect(try HealthRequest().resolve(image: image(["NONE"])) == nil)
        // an image's NONE with only timing flags: none
        #expect(try request { $0.interval = "1s" }.resolve(image: image(["NONE"])) == nil)
        // --health-cmd replaces an image's NONE
        #expect(try request { $0.cmd = "true" }.resolve(image: image(["NONE"]))?.test == ["CMD-SHELL", "true"])
    }

    @Test func zeroRetriesAndImageZerosMeanTheDefault() throws {
        let h = try #require(try request { $0.retries = "0" }.resolve(image: image(["CMD-SHELL", "true"], interval: 0)))
        #expect(h.retries == 3)
        #expect(h.interval == 30_000_000_000)
    }

    @Test func shellFormOfSeveralWordsIsJoined() throws {
        #expect(try HealthRequest().resolve(image: image(["CMD-SHELL", "a", "b"]))?.test == ["CMD-SHELL", "a b"])
    }

    @Test(arguments: [
        ("no-healthcheck with cmd", { (r: inout HealthRequest) in r.disabled = true; r.cmd = "true" }, "conflicts"),
        ("no-healthcheck with interval", { (r: inout HealthRequest) in r.disabled = true; r.interval = "1s" }, "conflicts"),
        ("interval 0", { (r: inout HealthRequest) in r.cmd = "true"; r.interval = "0" }, "at least 1ms"),
        ("interval 0s", { (r: inout HealthRequest) in r.cmd = "true"; r.interval = "0s" }, "at least 1ms"),
        ("interval 0.5ms", { (r: inout HealthRequest) in r.cmd = "true"; r.interval = "0.5ms" }, "at least 1ms"),
        ("timeout 0", { (r: inout HealthRequest) in r.cmd = "true"; r.timeout = "0s" }, "--health-timeout"),
        ("start interval 0", { (r: inout HealthRequest) in r.cmd = "true"; r.startInterval = "0s" }, "--health-start-interval"),
        ("negative interval", { (r: inout HealthRequest) in r.cmd = "true"; r.interval = "-1s" }, "negative"),
        ("negative start period", { (r: inout HealthRequest) in r.cmd = "true"; r.startPeriod = "-5s" }, "negative"),
        ("not a duration", { (r: inout HealthRequest) in r.cmd = "true"; r.interval = "10" }, "expected a duration"),
        ("negative retries", { (r: inout HealthRequest) in r.cmd = "true"; r.retries = "-1" }, "--health-retries"),
        ("retries not a number", { (r: inout HealthRequest) in r.cmd = "true"; r.retries = "three" }, "--health-retries"),
        ("empty cmd", { (r: inout HealthRequest) in r.cmd = "  " }, "--health-cmd is empty"),
        ("bad action", { (r: inout HealthRequest) in r.cmd = "true"; r.onFailure = "reboot" }, "--health-on-failure"),
    ] as [(String, (inout HealthRequest) -> Void, String)])
    func refused(_ c: (String, (inout HealthRequest) -> Void, String)) {
        var r = HealthRequest()
        c.1(&r)
        #expect(throws: HiveError.self, "\(c.0)") { _ = try r.resolve(image: nil) }
        do { _ = try r.resolve(image: nil) } catch { #expect(error.description.contains(c.2), "\(c.0): \(error.description)") }
    }

    @Test func startPeriodZeroIsAllowed() throws {
        #expect(try request { $0.cmd = "true"; $0.startPeriod = "0s" }.resolve(image: nil)?.startPeriod == 0)
        #expect(try request { $0.cmd = "true"; $0.startPeriod = "0" }.resolve(image: nil)?.startPeriod == 0)
    }

    @Test func durationsInGoForms() throws {
        let h = try #require(try request { $0.cmd = "true"; $0.interval = "1m30s"; $0.timeout = "1.5s"; $0.startInterval = "500ms" }.resolve(image: nil))
        #expect(h.interval == 90_000_000_000)
        #expect(h.timeout == 1_500_000_000)
        #expect(h.startInterval == 500_000_000)
    }

    @Test func actionsAccepted() throws {
        for a in ["none", "kill", "restart", "stop"] {
            #expect(try request { $0.cmd = "true"; $0.onFailure = a }.resolve(image: nil) != nil)
        }
    }

    @Test func imageOfUnknownTypeIsRefused() {
        #expect(throws: HiveError.self) { _ = try HealthRequest().resolve(image: image(["SHELL", "x"])) }
        #expect(throws: HiveError.self) { _ = try HealthRequest().resolve(image: image(["CMD"])) }
    }

    @Test func monitorConfigText() throws {
        let h = try #require(try request { $0.cmd = "test -f /ok"; $0.interval = "200ms"; $0.retries = "2" }.resolve(image: nil))
        let text = HealthFile.configText(h, onFailure: nil)
        let expected = Array("200000000 30000000000 0 5000000000 2 none\n".utf8) + Array("/bin/sh\0-c\0test -f /ok\0".utf8)
        #expect(text == expected)
        let exec = try #require(try HealthRequest().resolve(image: image(["CMD", "/bin/check", "a b"])))
        #expect(HealthFile.configText(exec, onFailure: "restart").split(separator: UInt8(ascii: "\n"), maxSplits: 1).last.map(Array.init)
            == Array("/bin/check\0a b\0".utf8))
        #expect(HealthFile.configText(exec, onFailure: "restart").starts(with: Array("30000000000 30000000000 0 5000000000 3 restart\n".utf8)))
    }

    @Test func statusFromThePrefix() {
        #expect(HealthFile.status(prefix: Array("{\"Status\":\"healthy\",\"FailingStreak\":0".utf8)) == "healthy")
        #expect(HealthFile.status(prefix: Array("{\"Status\":\"health: starting\"".utf8)) == nil)
        #expect(HealthFile.status(prefix: Array("{\"Status\":\"unhea".utf8)) == nil)
        #expect(HealthFile.status(prefix: Array("garbage".utf8)) == nil)
    }
}
