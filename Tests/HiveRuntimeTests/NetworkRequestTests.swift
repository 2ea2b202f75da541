import HivePlatform
import HiveRuntime
import Testing

/// `--add-host` parsed once (ExtraHost, Docker's rule) and what a container's
/// spec keeps of its network (the networks `network connect` recorded).
struct NetworkRequestTests {
    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    @Test func extraHostSplitsAtTheFirstColon() throws {
        let v6 = try ExtraHost(parsing: "h:2001:db8::1")
        #expect(v6.name == "h" && v6.ip == IPAddress("2001:db8::1"))
        #expect(v6.description == "h:2001:db8::1")
        #expect(try v6.line(gateway: nil) == "2001:db8::1\th\n")
        #expect(try ExtraHost(parsing: "db:192.0.2.7").description == "db:192.0.2.7")
    }

    @Test func extraHostEqualsAndBrackets() throws {
        #expect(try ExtraHost(parsing: "db=192.0.2.7").description == "db:192.0.2.7")
        #expect(try ExtraHost(parsing: "v6=[2001:db8::2]").description == "v6:2001:db8::2")
        #expect(try ExtraHost(parsing: "v6:[::1]").ip == IPAddress("::1"))
        // '=' wins over ':' (an IPv6 address after '=')
        #expect(try ExtraHost(parsing: "a=fd00::1").ip == IPAddress("fd00::1"))
    }

    @Test func hostGateway() throws {
        let g = try ExtraHost(parsing: "gw:host-gateway")
        #expect(g.ip == nil && g.description == "gw:host-gateway")
        #expect(try g.line(gateway: IPAddress("10.88.0.1")) == "10.88.0.1\tgw\n")
        #expect(throws: HiveError.self) { try g.line(gateway: nil) }
        #expect(try ExtraHost(parsing: "gw=host-gateway").description == "gw:host-gateway")
    }

    @Test func badExtraHosts() {
        #expect(message { _ = try ExtraHost(parsing: "nocolon") } == "bad format for add-host: \"nocolon\" (use NAME:IP, NAME=IP or NAME:host-gateway)")
        #expect(message { _ = try ExtraHost(parsing: ":192.0.2.1") }?.hasPrefix("bad format for add-host") == true)
        #expect(message { _ = try ExtraHost(parsing: "a:b=192.0.2.1") }?.hasPrefix("bad format for add-host") == true)
        #expect(message { _ = try ExtraHost(parsing: "db:10.0.0.300") } == "invalid IP address in add-host: \"10.0.0.300\" (in \"db:10.0.0.300\")")
        #expect(message { _ = try ExtraHost(parsing: "db:") }?.hasPrefix("invalid IP address in add-host") == true)
        #expect(message { _ = try ExtraHost(parsing: "a b:192.0.2.1") }?.hasPrefix("invalid host name in add-host") == true)
        #expect(message { _ = try ExtraHost(parsing: "a#b:192.0.2.1") }?.hasPrefix("invalid host name in add-host") == true)
    }

    @Test func checkAddressesAndDNS() throws {
        var n = NetworkRequest()
        n.dns = ["192.0.2.53", "2001:db8::53"]
        n.ip = "10.1.0.5"
        n.ip6 = "fd00::5"
        n.mac = "02:42:0a:01:00:05"
        try n.check()
        for change in [{ (r: inout NetworkRequest) in r.ip = "fd00::5" }, { r in r.ip6 = "10.1.0.5" }, { r in r.mac = "01:00:5e:00:00:01" },
                       { r in r.dns = ["dns.example"] }, { r in r.dnsSearch = ["a b"] }, { r in r.dnsOptions = ["x;y"] }] {
            var bad = n
            change(&bad)
            #expect(throws: HiveError.self) { try bad.check() }
        }
    }

    @Test func connectedNetworksRoundTrip() throws {
        var n = NetworkRequest()
        var c = NetworkRequest.Connection(network: "back")
        c.aliases = ["api"]
        c.ip = "10.89.1.9"
        n.connected = [c, NetworkRequest.Connection(network: "other")]
        let text = n.json.serialized()
        let back = try JSONCoding.decode(NetworkRequest.self, from: Array(text.utf8))
        #expect(back == n)
        #expect(NetworkRequest().json.serialized() == "{}")
    }
}
