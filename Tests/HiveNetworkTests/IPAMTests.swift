import HiveNetwork
import HivePlatform
import XCTest

final class IPAMTests: XCTestCase {
    private func s(_ t: String) -> Subnet { try! Subnet(parsing: t) }
    private func ip(_ t: String) -> IPAddress { IPAddress(t)! }

    func testDefaultPoolsAreDockers() throws {
        var used: [Subnet] = []
        var got: [String] = []
        for _ in 0..<16 {
            let n = try IPAM.pickSubnet(pools: IPAM.defaultPools, used: used)
            used.append(n)
            got.append(n.description)
        }
        XCTAssertEqual(got[0], "172.17.0.0/16")
        XCTAssertEqual(got[14], "172.31.0.0/16")
        XCTAssertEqual(got[15], "192.168.0.0/20")
        XCTAssertEqual(Set(got).count, 16)
        // then 192.168.16.0/20 ... 192.168.240.0/20, then none
        for k in 1..<16 {
            let n = try IPAM.pickSubnet(pools: IPAM.defaultPools, used: used)
            XCTAssertEqual(n.description, "192.168.\(16 * k).0/20")
            used.append(n)
        }
        XCTAssertThrowsError(try IPAM.pickSubnet(pools: IPAM.defaultPools, used: used)) { e in
            XCTAssertEqual((e as? HiveError)?.code, .unavailable)
        }
    }

    func testPickSkipsOverlapsWithRoutesAndNetworks() throws {
        // a host route inside 172.17/16, and a route covering 172.18-19
        let used = [s("172.17.5.0/24"), s("172.18.0.0/15"), s("10.0.0.0/8")]
        XCTAssertEqual(try IPAM.pickSubnet(pools: IPAM.defaultPools, used: used), s("172.20.0.0/16"))
        // a route covering the whole 172.16/12: straight to 192.168
        XCTAssertEqual(try IPAM.pickSubnet(pools: IPAM.defaultPools, used: [s("172.16.0.0/12")]), s("192.168.0.0/20"))
        // IPv6 used entries do not block IPv4 pools
        XCTAssertEqual(try IPAM.pickSubnet(pools: IPAM.defaultPools, used: [s("::/0")]), s("172.17.0.0/16"))
        // a configured pool, cut into /24s, skipping a big used block quickly
        let pool = try AddressPool(checking: s("10.89.0.0/16"), size: 24)
        XCTAssertEqual(try IPAM.pickSubnet(pools: [pool], used: [s("10.89.0.0/17")]), s("10.89.128.0/24"))
        XCTAssertThrowsError(try IPAM.pickSubnet(pools: [pool], used: [s("10.0.0.0/8")]))
        // a huge IPv6 pool is not walked subnet by subnet past a covering route
        let v6 = try AddressPool(checking: s("fd00::/8"), size: 64)
        XCTAssertEqual(try IPAM.pickSubnet(pools: [v6], used: [s("fd00::/9")]), s("fd80::/64"))
        XCTAssertThrowsError(try AddressPool(checking: s("10.0.0.0/16"), size: 8))
        XCTAssertThrowsError(try AddressPool(checking: s("10.0.0.0/16"), size: 33))
    }

    func testGateway() {
        XCTAssertEqual(IPAM.defaultGateway(s("172.17.0.0/16")), ip("172.17.0.1"))
        XCTAssertEqual(IPAM.defaultGateway(s("fd00:1::/64")), ip("fd00:1::1"))
    }

    func testAllocateLowestFree() throws {
        let net = s("10.1.0.0/24"), gw = ip("10.1.0.1")
        XCTAssertEqual(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [], requested: nil), ip("10.1.0.2"))
        XCTAssertEqual(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [ip("10.1.0.2"), ip("10.1.0.4")], requested: nil),
                       ip("10.1.0.3"))
        // a gateway elsewhere leaves .1 free
        XCTAssertEqual(try IPAM.allocate(subnet: net, range: nil, gateway: ip("10.1.0.254"), taken: [], requested: nil), ip("10.1.0.1"))
        // within --ip-range
        XCTAssertEqual(try IPAM.allocate(subnet: s("10.1.0.0/16"), range: s("10.1.5.0/24"), gateway: ip("10.1.0.1"),
                                         taken: [ip("10.1.5.0")], requested: nil), ip("10.1.5.1"))
        // IPv6: no broadcast, the last address is usable
        let v6 = s("fd00::/126")
        XCTAssertEqual(try IPAM.allocate(subnet: v6, range: nil, gateway: ip("fd00::1"), taken: [ip("fd00::2")], requested: nil),
                       ip("fd00::3"))
    }

    func testExhaustion() {
        // /30: .0 network, .1 gateway, .2 host, .3 broadcast
        let net = s("10.1.0.0/30"), gw = ip("10.1.0.1")
        XCTAssertEqual(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [], requested: nil), ip("10.1.0.2"))
        XCTAssertThrowsError(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [ip("10.1.0.2")], requested: nil, network: "mynet")) { e in
            XCTAssertEqual((e as? HiveError)?.message, "network mynet has no free address (subnet 10.1.0.0/30)")
            XCTAssertEqual((e as? HiveError)?.code, .unavailable)
        }
    }

    func testRequested() throws {
        let net = s("10.1.0.0/24"), gw = ip("10.1.0.1")
        XCTAssertEqual(try IPAM.allocate(subnet: net, range: s("10.1.0.128/25"), gateway: gw, taken: [], requested: ip("10.1.0.5"),
                                         network: "mynet"), ip("10.1.0.5"))
        XCTAssertThrowsError(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [], requested: ip("10.2.0.5"), network: "mynet")) { e in
            XCTAssertEqual((e as? HiveError)?.message, "address 10.2.0.5 is not in network mynet's subnet 10.1.0.0/24")
        }
        XCTAssertThrowsError(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [ip("10.1.0.5")], requested: ip("10.1.0.5"),
                                               network: "mynet")) { e in
            XCTAssertTrue((e as? HiveError)?.message.hasPrefix("address 10.1.0.5 is in use on network mynet") == true, "\(e)")
            XCTAssertEqual((e as? HiveError)?.code, .conflict)
        }
        for reserved in ["10.1.0.0", "10.1.0.1", "10.1.0.255"] {
            XCTAssertThrowsError(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [], requested: ip(reserved)), reserved)
        }
        XCTAssertThrowsError(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: [], requested: ip("fd00::5")))
        XCTAssertThrowsError(try IPAM.requestedAddress("10.1.0.300", family: .v4, flag: "--ip")) { e in
            XCTAssertEqual((e as? HiveError)?.message, "address 10.1.0.300 is not a valid IPv4 address (--ip)")
        }
        XCTAssertThrowsError(try IPAM.requestedAddress("10.1.0.3", family: .v6, flag: "--ip6"))
        XCTAssertEqual(try IPAM.requestedAddress("fd00::3", family: .v6, flag: "--ip6"), ip("fd00::3"))
    }

    // 200 allocations with everything before taken: distinct, in order, none reserved.
    func testSequentialAllocationsAreDistinct() throws {
        let net = s("10.7.0.0/24"), gw = ip("10.7.0.1")
        var taken: Set<IPAddress> = []
        for _ in 0..<253 {
            let a = try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: taken, requested: nil)
            XCTAssertFalse(taken.contains(a))
            XCTAssertNotEqual(a, gw)
            XCTAssertNotEqual(a, net.last)
            taken.insert(a)
        }
        XCTAssertEqual(taken.count, 253)
        XCTAssertThrowsError(try IPAM.allocate(subnet: net, range: nil, gateway: gw, taken: taken, requested: nil))
    }
}

final class NetworkSettingsConfigTests: XCTestCase {
    func testFromHiveToml() throws {
        let c = try HiveConfig.parse("[network]\ndefault_subnet = \"10.88.0.0/16\"\ndefault_address_pools = [{ base = \"10.89.0.0/16\", size = 24 }]\nmtu = 1400\n",
                                     file: "hive.toml")
        let s = try NetworkSettings(config: c.network)
        XCTAssertEqual(s.defaultSubnet, try Subnet(parsing: "10.88.0.0/16"))
        XCTAssertEqual(s.pools, [AddressPool(base: try Subnet(parsing: "10.89.0.0/16"), size: 24)])
        XCTAssertEqual(s.mtu, 1400)
        XCTAssertEqual(s.defaultBridge, "hive0")
        XCTAssertEqual(try NetworkSettings(config: HiveConfig.Network()).pools, IPAM.defaultPools)
    }
}
