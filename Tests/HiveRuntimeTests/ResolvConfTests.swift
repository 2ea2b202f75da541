import HivePlatform
import HiveRuntime
import XCTest

final class ResolvConfTests: XCTestCase {
    func testKeepsUpstreamServersDropsLoopback() throws {
        let host = "# comment\n; other\nnameserver 127.0.0.1\nnameserver 192.0.2.53\nnameserver ::1\nnameserver 2001:db8::53\n"
            + "search corp.example lab.example\noptions ndots:2\noptions edns0 # trailing\nsortlist 10.0.0.0\n"
        let v4 = ResolvConf.forContainer(host: host, ipv6: false)
        XCTAssertEqual(v4.nameservers, ["192.0.2.53"])
        XCTAssertEqual(v4.text, "nameserver 192.0.2.53\nsearch corp.example lab.example\noptions ndots:2 edns0\n")
        let v6 = ResolvConf.forContainer(host: host, ipv6: true)
        XCTAssertEqual(v6.nameservers, ["192.0.2.53", "2001:db8::53"])
    }

    func testSystemdResolvedStub() throws {
        let host = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch home.example\n"
        let upstream = "nameserver 198.51.100.1\nnameserver 127.0.0.1\nnameserver fe80::1%eth0\nsearch ignored.example\n"
        let r = ResolvConf.forContainer(host: host, resolved: upstream, ipv6: false)
        XCTAssertEqual(r.nameservers, ["198.51.100.1"])
        XCTAssertEqual(r.search, ["home.example"])
        XCTAssertEqual(r.options, ["edns0", "trust-ad"])
        // the upstream file is not read for a host without the stub
        XCTAssertEqual(ResolvConf.forContainer(host: "nameserver 127.0.0.1\n", resolved: upstream, ipv6: false).nameservers,
                       ResolvConf.fallbackV4)
    }

    func testFallback() throws {
        XCTAssertEqual(ResolvConf.forContainer(host: "", ipv6: false).text, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n")
        XCTAssertEqual(ResolvConf.forContainer(host: "nameserver 127.0.0.53\n", resolved: nil, ipv6: true).nameservers,
                       ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"])
        // only IPv6 servers on an IPv4-only network: the fallback
        XCTAssertEqual(ResolvConf.forContainer(host: "nameserver 2001:db8::1\n", ipv6: false).nameservers, ResolvConf.fallbackV4)
        // not addresses are not servers
        XCTAssertEqual(ResolvConf.forContainer(host: "nameserver dns.example\nnameserver 10.0.0.300\n", ipv6: false).nameservers,
                       ResolvConf.fallbackV4)
        XCTAssertEqual(ResolvConf.forContainer(host: "nameserver 0:0:0:0:0:0:0:1\nnameserver ::ffff:127.0.0.1\n", ipv6: true).nameservers,
                       ResolvConf.fallbackV4 + ResolvConf.fallbackV6)
    }

    func testFlagsReplace() throws {
        let host = "nameserver 192.0.2.53\nsearch a.example\noptions ndots:5\n"
        let r = ResolvConf.forContainer(host: host, ipv6: false, dns: ["127.0.0.1", "2001:db8::1"], dnsSearch: ["b.example", "c.example"],
                                        dnsOptions: ["timeout:1", "rotate"])
        XCTAssertEqual(r.text, "nameserver 127.0.0.1\nnameserver 2001:db8::1\nsearch b.example c.example\noptions timeout:1 rotate\n")
        let cleared = ResolvConf.forContainer(host: host, ipv6: false, dnsSearch: ["."])
        XCTAssertEqual(cleared.text, "nameserver 192.0.2.53\noptions ndots:5\n")
        // the values are checked once, before: NetworkRequest.check
        for (dns, search, opt) in [(["8.8.8.8\nnameserver 6.6.6.6"], [String](), [String]()), (["dns.example"], [], []), ([], ["a b"], []),
                                   ([], [], ["ndots:1\nnameserver 6.6.6.6"]), ([], [""], []), ([], [], ["x#y"])] {
            var net = NetworkRequest()
            net.dns = dns
            net.dnsSearch = search
            net.dnsOptions = opt
            XCTAssertThrowsError(try net.check()) { e in
                XCTAssertEqual((e as? HiveError)?.code, .invalidArgument)
                XCTAssertTrue("\(e)".hasPrefix("invalid --dns"), "\(e)")
            }
        }
    }

    func testParsingRoundTrip() {
        let r = ResolvConf(parsing: "domain x.example\nsearch y.example z.example\nnameserver 10.0.0.1\n  nameserver\t10.0.0.2  \n")
        XCTAssertEqual(r, ResolvConf(nameservers: ["10.0.0.1", "10.0.0.2"], search: ["y.example", "z.example"]))
        XCTAssertEqual(ResolvConf(parsing: r.text), r)
    }
}
