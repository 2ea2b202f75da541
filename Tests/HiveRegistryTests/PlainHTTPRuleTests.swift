// The plain-HTTP rule (issue #12) as the client applies it: a registry not
// on loopback is HTTPS only unless hive.toml lists it insecure. The system
// tests cannot reach a non-loopback address, so this checks the endpoints
// the client would dial against the settings' rule (RegistrySettings.
// mayUsePlainHTTP, parsed from a real hive.toml), host by host: the two must
// never disagree, whichever way an insecure entry is written.
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite struct PlainHTTPRuleTests {
    static let toml = """
        [registries]
        insecure = ["10.0.0.5:5000", "build.local", "192.168.7.0/24", "Lab.Example:5000"]
        [registries.mirrors]
        "quay.io" = ["mirror.example:5000", "10.0.0.5:5000"]
        """

    func client() throws -> RegistryClient {
        let s = RegistrySettings(config: try HiveConfig.parse(Self.toml, file: "hive.toml").registries, environment: [:])
        return RegistryClient(settings: s, credentials: nil, logger: .discard)
    }

    @Test(arguments: [
        // loopback: plain HTTP allowed (Docker's rule)
        "127.0.0.1:5000", "127.9.8.7", "localhost:5000", "[::1]:5000",
        // listed insecure: by host:port, by host for any port, by CIDR, in another case
        "10.0.0.5:5000", "build.local", "build.local:8443", "192.168.7.9:5000", "lab.example:5000",
        // not listed, not loopback: HTTPS only
        "10.0.0.5:5001", "10.0.0.6:5000", "192.168.8.9:5000", "registry.example.com", "128.0.0.1:80",
        "[::2]:5000", "127.0.0.1.nip.io:5000", "lab.example:5001",
    ])
    func originFollowsTheSettingsRule(host: String) throws {
        let c = try client()
        defer { c.shutdown() }
        let eps = c.endpoints(for: host, pull: false)
        let plain = eps.contains { $0.scheme == "http" }
        #expect(plain == c.settings.mayUsePlainHTTP(host), "\(host): endpoints \(eps.map(\.base))")
        // https is always tried first: a loopback or insecure registry that speaks TLS gets TLS
        #expect(eps.first?.scheme == "https", "\(host): endpoints \(eps.map(\.base))")
        // https to a host that is not insecure is verified
        if !c.settings.isInsecure(host) {
            #expect(eps.allSatisfy { !$0.skipVerify }, "\(host): endpoints \(eps.map(\.base))")
        }
    }

    @Test func mirrorsFollowTheRuleToo() throws {
        let c = try client()
        defer { c.shutdown() }
        let eps = c.endpoints(for: "quay.io", pull: true)
        let mirror = eps.filter { $0.isMirror && $0.host == "mirror.example:5000" }
        #expect(!mirror.isEmpty && mirror.allSatisfy { $0.scheme == "https" && !$0.skipVerify }, "\(eps.map(\.base))")
        let listed = eps.filter { $0.isMirror && $0.host == "10.0.0.5:5000" }
        #expect(listed.contains { $0.scheme == "http" }, "\(eps.map(\.base))")
        let origin = eps.filter { !$0.isMirror }
        #expect(origin.map(\.base) == ["https://quay.io"])
        // pushes: the origin only
        #expect(c.endpoints(for: "quay.io", pull: false).map(\.base) == ["https://quay.io"])
    }
}
