import Foundation
import HiveNetwork
import HivePlatform
import XCTest

final class HostsFileTests: XCTestCase {
    // what ContainerPlanner.hostsFile writes for hostname "abc123" and --add-host db:10.9.0.1
    let base = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tabc123\n10.9.0.1\tdb\n"
    let fixed = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
        + "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"

    private func e(_ ip: String, _ names: String...) -> HostsFile.Entry { HostsFile.Entry(ip: IPAddress(ip)!, names: names) }

    func testDockerLayout() {
        let out = HostsFile.render(base: base, own: [e("172.17.0.2", "abc123", "web")], peers: [])
        XCTAssertEqual(out, fixed + "10.9.0.1\tdb\n172.17.0.2\tabc123 web\n")
    }

    func testNoOwnKeepsThePlannersHostnameLine() {
        XCTAssertEqual(HostsFile.render(base: base, own: [], peers: []), fixed + "127.0.1.1\tabc123\n10.9.0.1\tdb\n")
    }

    func testPeersAndRerender() {
        let own = [e("10.1.0.2", "abc123", "web"), e("fd00::2", "abc123", "web")]
        let first = HostsFile.render(base: base, own: own, peers: [e("10.1.0.3", "db1", "db", "db"), e("10.1.0.4", "cache")])
        XCTAssertEqual(first, fixed + "10.9.0.1\tdb\n10.1.0.2\tabc123 web\nfd00::2\tabc123 web\n" + HostsFile.peersMarker
                       + "\n10.1.0.3\tdb1 db\n10.1.0.4\tcache\n")
        // a later render from the file itself: the peers replaced, nothing twice
        let second = HostsFile.render(base: first, own: own, peers: [e("10.1.0.4", "cache")])
        XCTAssertEqual(second, fixed + "10.9.0.1\tdb\n10.1.0.2\tabc123 web\nfd00::2\tabc123 web\n" + HostsFile.peersMarker + "\n10.1.0.4\tcache\n")
        // the last peer gone: no marker left
        let third = HostsFile.render(base: second, own: own, peers: [])
        XCTAssertFalse(third.contains("cache"))
        XCTAssertFalse(third.contains(HostsFile.peersMarker))
        // a new own address replaces the old line
        let moved = HostsFile.render(base: third, own: [e("10.1.0.9", "abc123", "web")], peers: [])
        XCTAssertEqual(moved, fixed + "10.9.0.1\tdb\n10.1.0.9\tabc123 web\n")
        // identical lines from the base, spelled differently, once
        XCTAssertEqual(HostsFile.render(base: "10.9.0.1   db\n10.9.0.1\tdb\n", own: [], peers: []), fixed + "10.9.0.1   db\n")
    }

    func testNamesCannotInjectLines() {
        let out = HostsFile.render(base: base, own: [e("10.1.0.2", "abc123")],
                                   peers: [e("10.1.0.3", "ok", "evil\n1.2.3.4 bank", "tab\tx", "", "#c", "sp ace"), e("10.1.0.5", "bad name")])
        XCTAssertTrue(out.hasSuffix(HostsFile.peersMarker + "\n10.1.0.3\tok\n"), out)
        XCTAssertFalse(out.contains("bank"))
        XCTAssertTrue(HostsFile.isValidName("my-db.example_1"))
        XCTAssertFalse(HostsFile.isValidName("a\u{0}b"))
        XCTAssertFalse(HostsFile.isValidName(String(repeating: "a", count: 256)))
    }
}
