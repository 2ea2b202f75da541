// A TCP connection through a published port, end to end: a "host" namespace
// with a bridge and hive's table, a "container" namespace on a veth pair
// with a listener on port 80, and connections from the host to 127.0.0.1
// and to the bridge's address reaching it (DNAT in the output chain, the
// 127.0.0.0/8 source masqueraded). The full stack is Tests/system's.
import Glibc
import HiveNetwork
import HivePlatform
import XCTest

final class FirewallTrafficTests: XCTestCase {
    private var fds: [Int32] = []

    override func tearDown() { fds.forEach { close($0) } }

    /// setns(2), which Glibc's module leaves out (a _GNU_SOURCE declaration).
    private let setns: @convention(c) (Int32, Int32) -> Int32 = unsafeBitCast(dlsym(nil, "setns"), to: (@convention(c) (Int32, Int32) -> Int32).self)
    private let CLONE_NEWNET: Int32 = 0x4000_0000

    /// A TCP socket made in the namespace `ns` (this thread goes there and back).
    private func socketIn(_ ns: Int32) throws -> Int32 {
        let own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(own, 0)
        defer { close(own) }
        guard setns(ns, CLONE_NEWNET) == 0 else { throw HiveError.errno("setns") }
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let err = errno
        precondition(setns(own, CLONE_NEWNET) == 0, "cannot return to the test's namespace")
        guard s >= 0 else { throw HiveError.errno("socket", err) }
        fds.append(s)
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return s
    }

    private func address(_ ip: [UInt8], _ port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &a.sin_addr) { $0.copyBytes(from: ip) }
        return a
    }

    func testAPublishedPortReachesTheContainersListener() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root (run under scripts/in-netns.sh)") }
        let hostNS = try NetNamespace.prepare().take(), ctrNS = try NetNamespace.prepare().take()
        fds += [hostNS, ctrNS]
        let gateway = IPAddress(bytes: [10, 88, 0, 1]), target = IPAddress(bytes: [10, 88, 0, 2])

        let host = try Netlink.Socket(netnsFD: hostNS)
        try host.addBridge("hb0", mtu: nil)
        let bridge = try XCTUnwrap(host.index(of: "hb0"))
        try host.addAddress(bridge, gateway, prefix: 16)
        try host.setLink(bridge, up: true)
        try host.addVeth("vh0", peer: "eth0", peerNetnsFD: ctrNS, peerMAC: nil, mtu: nil)
        try host.setLink(try XCTUnwrap(host.index(of: "vh0")), up: true, master: bridge)
        let ctr = try Netlink.Socket(netnsFD: ctrNS)
        let eth0 = try XCTUnwrap(ctr.index(of: "eth0"))
        try ctr.addAddress(eth0, target, prefix: 16)
        try ctr.setLink(eth0, up: true)
        try ctr.addRoute(to: nil, via: gateway, index: eth0)
        try Netlink.setSysctl("net.ipv4.conf.hb0.route_localnet", "1", netnsFD: hostNS)

        let firewall = Firewall(table: "hive", netnsFD: hostNS)
        try firewall.ensure()
        try firewall.addNetwork(bridge: "hb0", subnet: try Subnet(parsing: "10.88.0.0/16"), subnet6: nil, isInternal: false)
        try firewall.publish([PortMapping(proto: .tcp, hostIP: nil, hostPort: 8080, containerPort: 80),
                              PortMapping(proto: .tcp, hostIP: IPAddress(bytes: [127, 0, 0, 1]), hostPort: 8081, containerPort: 80)],
                             to: target, bridge: "hb0")

        let server = try socketIn(ctrNS)
        var one: Int32 = 1
        setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var any = address([0, 0, 0, 0], 80)
        XCTAssertEqual(withUnsafePointer(to: &any) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }, 0)
        XCTAssertEqual(listen(server, 8), 0)

        for (ip, port, peer) in [([UInt8]([127, 0, 0, 1]), UInt16(8081), gateway.bytes), ([10, 88, 0, 1], 8080, gateway.bytes)] {
            let client = try socketIn(hostNS)
            var to = address(ip, port)
            let rc = withUnsafePointer(to: &to) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(rc, 0, "connect to \(ip):\(port): \(String(cString: strerror(errno)))")
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let conn = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(server, $0, &len) }
            }
            XCTAssertGreaterThanOrEqual(conn, 0, "the listener got no connection from \(ip):\(port)")
            guard conn >= 0 else { continue }
            fds.append(conn)
            XCTAssertEqual(withUnsafeBytes(of: from.sin_addr) { Array($0) }, peer, "the source the container sees")
            XCTAssertEqual(write(conn, "hello", 5), 5)
            var buf = [UInt8](repeating: 0, count: 16)
            XCTAssertEqual(read(client, &buf, 16), 5)
            XCTAssertEqual(Array(buf.prefix(5)), Array("hello".utf8))
        }

        // Unpublished, the port no longer reaches the container.
        try firewall.unpublish([PortMapping(proto: .tcp, hostIP: nil, hostPort: 8080, containerPort: 80)], to: target)
        let late = try socketIn(hostNS)
        var to = address([10, 88, 0, 1], 8080)
        let rc = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(late, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(rc, -1)
        XCTAssertEqual(errno, ECONNREFUSED)
    }
}
