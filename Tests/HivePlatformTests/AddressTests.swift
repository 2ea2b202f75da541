import HivePlatform
import XCTest

final class AddressTests: XCTestCase {
    func testIPv4Strict() {
        XCTAssertEqual(IPAddress("10.1.2.3")?.bytes, [10, 1, 2, 3])
        XCTAssertEqual(IPAddress("0.0.0.0")?.isUnspecified, true)
        XCTAssertEqual(IPAddress("255.255.255.255")?.bytes, [255, 255, 255, 255])
        for bad in ["", "10.1.2", "10.1.2.3.4", "10.1.2.256", "010.1.2.3", "10.01.2.3", "10..2.3", "10.1.2.3 ",
                    " 10.1.2.3", "1e1.1.1.1", "10.1.2.3/24", "0x0a.1.2.3", "-1.1.1.1", "10.1.2.", "1234.1.1.1"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertEqual(IPAddress("10.1.0.9")?.description, "10.1.0.9")
    }

    func testIPv6ParseAndRFC5952() {
        let cases: [(String, String)] = [
            ("::", "::"), ("::1", "::1"), ("1::", "1::"),
            ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),      // a single zero group is not compressed
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),               // the longest run
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),         // the first of equal runs
            ("fe80::1:2", "fe80::1:2"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("fd00:0:0:0:0:0:0:0", "fd00::"),
        ]
        for (text, canonical) in cases {
            let ip = IPAddress(text)
            XCTAssertNotNil(ip, text)
            XCTAssertEqual(ip?.family, .v6, text)
            XCTAssertEqual(ip?.description, canonical, text)
            XCTAssertEqual(IPAddress(canonical), ip, "round trip \(text)")
        }
        for bad in [":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4::5:6:7:8",
                    "12345::1", "g::1", "fe80::1%eth0", "::1/128", ":1::", "1::2:", "[::1]", "::1.2.3", "::1.2.3.4:5",
                    "1:2:3:4:5:6:7:1.2.3.4", "::01.2.3.4"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testAdvancedAndLoopback() {
        XCTAssertEqual(IPAddress("10.0.0.255")?.advanced(by: 1), IPAddress("10.0.1.0"))
        XCTAssertEqual(IPAddress("10.0.0.1")?.advanced(by: 65536), IPAddress("10.1.0.1"))
        XCTAssertNil(IPAddress("255.255.255.255")?.advanced(by: 1))
        XCTAssertEqual(IPAddress("fd00::ffff")?.advanced(by: 1), IPAddress("fd00::1:0"))
        XCTAssertEqual(IPAddress("127.0.0.53")?.isLoopback, true)
        XCTAssertEqual(IPAddress("::1")?.isLoopback, true)
        XCTAssertEqual(IPAddress("::ffff:127.0.0.1")?.isLoopback, true)
        XCTAssertEqual(IPAddress("128.0.0.1")?.isLoopback, false)
        XCTAssertEqual(IPAddress("::2")?.isLoopback, false)
    }

    func testSubnetParsing() throws {
        let s = try Subnet(parsing: "10.1.0.0/24")
        XCTAssertEqual(s.description, "10.1.0.0/24")
        XCTAssertEqual(s.last, IPAddress("10.1.0.255"))
        XCTAssertEqual(try Subnet(parsing: "fd00:1::/64").last, IPAddress("fd00:1::ffff:ffff:ffff:ffff"))
        XCTAssertEqual(try Subnet(parsing: "0.0.0.0/0").last, IPAddress("255.255.255.255"))
        XCTAssertEqual(try Subnet(parsing: "10.1.2.3/32").last, IPAddress("10.1.2.3"))
        XCTAssertThrowsError(try Subnet(parsing: "10.0.0.1/24")) { e in
            XCTAssertEqual((e as? HiveError)?.message, "invalid subnet 10.0.0.1/24: host bits set; use 10.0.0.0/24")
            XCTAssertEqual((e as? HiveError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try Subnet(parsing: "fd00::1/64")) { e in
            XCTAssertEqual((e as? HiveError)?.message, "invalid subnet fd00::1/64: host bits set; use fd00::/64")
        }
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/024", "fd00::/129",
                    "10.0.0.0/24/1", "x/24", "/24", "10.0.0.0/ 24"] {
            XCTAssertThrowsError(try Subnet(parsing: bad), bad) { e in
                XCTAssertTrue((e as? HiveError)?.message.contains(bad) == true, "\(e)")
            }
        }
        XCTAssertEqual(Subnet(address: IPAddress("10.1.2.3")!, prefix: 16).description, "10.1.0.0/16")
        XCTAssertEqual(Subnet(address: IPAddress("10.1.2.3")!, prefix: 0).description, "0.0.0.0/0")
    }

    func testContainsOverlapsHost() throws {
        let a = try Subnet(parsing: "10.1.0.0/16"), b = try Subnet(parsing: "10.1.5.0/24")
        let c = try Subnet(parsing: "10.2.0.0/16"), v6 = try Subnet(parsing: "::/0")
        XCTAssertTrue(a.contains(IPAddress("10.1.255.255")!))
        XCTAssertFalse(a.contains(IPAddress("10.2.0.0")!))
        XCTAssertFalse(v6.contains(IPAddress("10.1.0.1")!))
        XCTAssertTrue(v6.contains(IPAddress("fd00::1")!))
        XCTAssertTrue(a.overlaps(b))
        XCTAssertTrue(b.overlaps(a))
        XCTAssertFalse(a.overlaps(c))
        XCTAssertFalse(v6.overlaps(a))
        XCTAssertTrue(a.covers(b))
        XCTAssertFalse(b.covers(a))
        XCTAssertEqual(b.host(0), IPAddress("10.1.5.0"))
        XCTAssertEqual(b.host(1), IPAddress("10.1.5.1"))
        XCTAssertEqual(b.host(255), IPAddress("10.1.5.255"))
        XCTAssertNil(b.host(256))
        XCTAssertEqual(try Subnet(parsing: "fd00::/64").host(UInt64.max), IPAddress("fd00::ffff:ffff:ffff:ffff"))
        XCTAssertNil(try Subnet(parsing: "fd00::/120").host(256))
    }

    func testMAC() {
        XCTAssertEqual(MACAddress("02:42:0A:01:00:02")?.description, "02:42:0a:01:00:02")
        XCTAssertEqual(MACAddress("02-42-0a-01-00-02")?.bytes, [2, 0x42, 10, 1, 0, 2])
        for bad in ["", "02:42:0a:01:00", "02:42:0a:01:00:02:03", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff",
                    "00:00:00:00:00:00", "02:42-0a:01:00:02", "0g:42:0a:01:00:02", "2:42:a:1:0:2", "0242.0a01.0002"] {
            XCTAssertNil(MACAddress(bad), bad)
        }
        XCTAssertEqual(MACAddress.derived(from: IPAddress("172.17.0.2")).description, "02:42:ac:11:00:02")
        for _ in 0..<50 {
            let m = MACAddress.derived(from: nil)
            XCTAssertEqual(m.bytes[0] & 0x03, 0x02, "unicast, locally administered: \(m)")
            XCTAssertNotNil(MACAddress(m.description))
        }
        XCTAssertNotEqual(MACAddress.derived(from: nil), MACAddress.derived(from: nil))
        XCTAssertEqual(MACAddress.derived(from: IPAddress("fd00::2")).bytes[0] & 0x03, 0x02)
    }

    /// NO_PROXY's and insecure registries' ranges (the registry's former parser, moved here):
    /// host bits allowed and cleared, as Go's net.ParseCIDR.
    func testSubnetMasking() throws {
        let s = try XCTUnwrap(Subnet(masking: "10.1.2.3/8"))
        XCTAssertEqual(s.description, "10.0.0.0/8")
        XCTAssertTrue(s.contains(IPAddress("10.200.0.1")!))
        XCTAssertFalse(s.contains(IPAddress("11.0.0.1")!))
        XCTAssertFalse(s.contains(IPAddress("::ffff:10.0.0.1")!))  // another family
        XCTAssertEqual(Subnet(masking: "fd00::1/8")?.description, "fd00::/8")
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "x/8", "10.0.0.0/-1", "fd00::/129", "10.0.0.0/8/8"] {
            XCTAssertNil(Subnet(masking: bad), bad)
        }
    }
}
