import HiveNetwork
import HivePlatform
import XCTest

final class PortSpecTests: XCTestCase {
    private func one(_ spec: String) throws -> PortMapping {
        let m = try PortSpec.parse(spec)
        XCTAssertEqual(m.count, 1, spec)
        return m[0]
    }

    func testForms() throws {
        XCTAssertEqual(try one("80"), PortMapping(proto: .tcp, hostIP: nil, hostPort: 0, containerPort: 80))
        XCTAssertEqual(try one("8080:80"), PortMapping(proto: .tcp, hostIP: nil, hostPort: 8080, containerPort: 80))
        XCTAssertEqual(try one("127.0.0.1:8080:80/udp"),
                       PortMapping(proto: .udp, hostIP: IPAddress("127.0.0.1"), hostPort: 8080, containerPort: 80))
        XCTAssertEqual(try one("127.0.0.1::80"),
                       PortMapping(proto: .tcp, hostIP: IPAddress("127.0.0.1"), hostPort: 0, containerPort: 80))
        XCTAssertEqual(try one("[::1]:8080:80"),
                       PortMapping(proto: .tcp, hostIP: IPAddress("::1"), hostPort: 8080, containerPort: 80))
        XCTAssertEqual(try one("[fd00::1]::53/udp"),
                       PortMapping(proto: .udp, hostIP: IPAddress("fd00::1"), hostPort: 0, containerPort: 53))
        XCTAssertEqual(try one("fd00::1:8080:80").hostIP, IPAddress("fd00::1"))  // Docker takes it without brackets too
        XCTAssertEqual(try one("80/TCP").proto, .tcp)
        XCTAssertEqual(try one("0.0.0.0:8080:80").hostIP, IPAddress("0.0.0.0"))
    }

    func testRanges() throws {
        let m = try PortSpec.parse("8000-8002:80-82/udp")
        XCTAssertEqual(m.map(\.hostPort), [8000, 8001, 8002])
        XCTAssertEqual(m.map(\.containerPort), [80, 81, 82])
        XCTAssertTrue(m.allSatisfy { $0.proto == .udp && $0.hostRange == nil })
        let c = try PortSpec.parse("80-82")
        XCTAssertEqual(c.map(\.containerPort), [80, 81, 82])
        XCTAssertEqual(c.map(\.hostPort), [0, 0, 0])
        // a host range for one container port: one mapping, the engine picks inside the range
        let r = try one("8000-8010:80")
        XCTAssertEqual(r.hostPort, 0)
        XCTAssertEqual(r.hostRange, 8000...8010)
        XCTAssertEqual(r.containerPort, 80)
        XCTAssertEqual(try one("8000-8000:80").hostPort, 8000)
    }

    func testErrorsNameTheSpec() {
        let bad = ["", "80:abc", "abc", "0", "65536", "8080:", ":80x", "1.2.3.4:80", "999.1.1.1:80:80", "80/sctp", "80/icmp",
                   "8000-8002:80-81", "82-80", "80-", "-80", "[::1:8080:80", "[::1]8080:80", "[::1]:80", "8080:80:90:1",
                   "8080:+80", "8080: 80", "80/tcp/udp"]
        for spec in bad {
            XCTAssertThrowsError(try PortSpec.parse(spec), spec) { e in
                let h = e as? HiveError
                XCTAssertEqual(h?.code, .invalidArgument, spec)
                XCTAssertTrue(h?.message.hasPrefix("invalid port specification \"\(spec)\"") == true, "\(e)")
                XCTAssertFalse(h?.message.contains("\n") ?? true)
            }
        }
        XCTAssertThrowsError(try PortSpec.parse("80/sctp")) { e in
            XCTAssertTrue("\(e)".contains("sctp is not supported"), "\(e)")
        }
    }

    func testExposed() throws {
        XCTAssertEqual(try PortSpec.parseExposed("80").map(\.port), [80])
        XCTAssertEqual(try PortSpec.parseExposed("53/udp").map(\.proto), [.udp])
        XCTAssertEqual(try PortSpec.parseExposed("8000-8002/tcp").map(\.port), [8000, 8001, 8002])
        for bad in ["", "0", "80:80", "x/tcp", "80/sctp", "9-8"] {
            XCTAssertThrowsError(try PortSpec.parseExposed(bad), bad)
        }
    }

    func testClashes() {
        func m(_ ip: String?, _ port: UInt16, _ p: PortProtocol = .tcp) -> PortMapping {
            PortMapping(proto: p, hostIP: ip.flatMap(IPAddress.init), hostPort: port, containerPort: 80)
        }
        XCTAssertTrue(m(nil, 8080).clashes(with: m("127.0.0.1", 8080)))
        XCTAssertTrue(m("127.0.0.1", 8080).clashes(with: m(nil, 8080)))
        XCTAssertTrue(m("0.0.0.0", 8080).clashes(with: m("10.0.0.1", 8080)))
        XCTAssertFalse(m("0.0.0.0", 8080).clashes(with: m("::1", 8080)))
        XCTAssertTrue(m(nil, 8080).clashes(with: m("::1", 8080)))
        XCTAssertFalse(m("127.0.0.1", 8080).clashes(with: m("127.0.0.2", 8080)))
        XCTAssertFalse(m(nil, 8080).clashes(with: m(nil, 8080, .udp)))
        XCTAssertFalse(m(nil, 8080).clashes(with: m(nil, 8081)))
        XCTAssertFalse(m(nil, 0).clashes(with: m(nil, 0)))
    }
}
