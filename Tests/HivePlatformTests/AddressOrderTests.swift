import HivePlatform
import XCTest

final class AddressOrderTests: XCTestCase {
    // IPv4 sorts before IPv6; within a family, by bytes (what IPAM's "lowest free" relies on).
    func testOrder() {
        let a = IPAddress(bytes: [10, 0, 0, 2]), b = IPAddress(bytes: [10, 0, 1, 1])
        let v6 = IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1])
        XCTAssertLessThan(a, b)
        XCTAssertLessThan(b, v6)
        XCTAssertEqual([v6, b, a].sorted(), [a, b, v6])
        XCTAssertEqual(a.family, .v4)
        XCTAssertEqual(v6.family, .v6)
    }
}
