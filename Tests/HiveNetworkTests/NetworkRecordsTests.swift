// NetworkRecords (schema v7) on a temp store: the CRUD, lookups, conflicts.
import Foundation
import HiveNetwork
import HivePlatform
import HiveStore
import XCTest

final class NetworkRecordsTests: XCTestCase {
    var root = ""
    var store: Store!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-netrec-\(UInt64.random(in: 0...UInt64.max))").path
        store = try Store(root: root, runroot: root + "/run")
    }
    override func tearDown() { store = nil; try? FileManager.default.removeItem(atPath: root) }

    private func id(_ c: Character) -> String { String(repeating: c, count: 64) }
    private func net(_ name: String, _ idc: String, subnet: String = "10.1.0.0/24", bridge: String? = nil) throws -> NetworkRecord {
        let s = try Subnet(parsing: subnet)
        let nid = (idc + String(repeating: "0", count: 64)).prefix(64)
        return NetworkRecord(id: String(nid), name: name, bridge: bridge ?? "hive-" + String(nid.prefix(8)), subnet: s,
                             gateway: IPAM.defaultGateway(s), ipRange: nil, subnet6: try Subnet(parsing: "fd00:1::/64"),
                             gateway6: IPAddress("fd00:1::1"), labels: ["a": "b", "q\"": "x\ny"], options: ["com.docker.network.bridge.mtu": "1400"],
                             created: 1_700_000_000)
    }
    private func container(_ c: Character, name: String) throws {
        try store.db.prepare("INSERT INTO containers (id, name, image_id, image_name, config, created, state) VALUES (?1, ?2, ?3, 'img', '{}', 1, 'created')")
            .run([.text(id(c)), .text(name), .text(id("e"))])
    }
    private func ep(_ c: Character, _ n: NetworkRecord, _ ip: String?, ports: [PortMapping] = []) -> EndpointRecord {
        EndpointRecord(containerID: id(c), networkID: n.id, ipv4: ip.flatMap(IPAddress.init), ipv6: nil,
                       mac: MACAddress.derived(from: ip.flatMap(IPAddress.init)), aliases: ["web", "w1"],
                       hostInterface: "veth\(c)", interface: "eth0", ports: ports, holderPID: 42, holderStart: 7)
    }
    private func tcp(_ host: UInt16, _ c: UInt16, _ ip: String? = nil) -> PortMapping {
        PortMapping(proto: .tcp, hostIP: ip.flatMap(IPAddress.init), hostPort: host, containerPort: c)
    }

    func testNetworkRoundTripAndLookup() throws {
        let a = try net("alpha", "abc1"), b = try net("beta", "abc2", subnet: "10.2.0.0/24")
        try store.db.transaction { () throws(HiveError) in try store.insertNetwork(a); try store.insertNetwork(b) }
        XCTAssertEqual(try store.networks(), [a, b])
        XCTAssertEqual(try store.network("alpha"), a)
        XCTAssertEqual(try store.network(a.id), a)
        XCTAssertEqual(try store.network("abc2"), b)
        XCTAssertNil(try store.network("abc3"))
        XCTAssertNil(try store.network("gamma"))
        XCTAssertNil(try store.network(""))
        XCTAssertThrowsError(try store.network("abc")) { e in
            XCTAssertEqual((e as? HiveError)?.code, .conflict)
            XCTAssertTrue("\(e)".contains("\"abc\" is ambiguous"), "\(e)")
        }
        // a name that looks like another's ID prefix: the name wins
        let c = try net("abc2", "def", subnet: "10.3.0.0/24")
        try store.insertNetwork(c)
        XCTAssertEqual(try store.network("abc2"), c)
        XCTAssertThrowsError(try store.insertNetwork(try net("alpha", "fff"))) { e in
            XCTAssertEqual((e as? HiveError)?.code, .conflict)
            XCTAssertTrue("\(e)".contains("alpha already exists"), "\(e)")
        }
        XCTAssertThrowsError(try store.insertNetwork(try net("other", "eee", bridge: a.bridge))) { e in
            XCTAssertTrue("\(e)".contains("bridge name \(a.bridge) is already used by network alpha"), "\(e)")
        }
        try store.deleteNetwork(b.id)
        XCTAssertEqual(try store.networks().map(\.name), ["abc2", "alpha"])
    }

    func testEndpointsAndPorts() throws {
        let n = try net("mynet", "aa")
        try store.insertNetwork(n)
        try container("1", name: "web")
        try container("2", name: "db")
        let e1 = ep("1", n, "10.1.0.2", ports: [tcp(8080, 80), tcp(8443, 443, "127.0.0.1")])
        try store.db.transaction { () throws(HiveError) in try store.insertEndpoint(e1) }
        XCTAssertEqual(try store.endpoints(container: id("1")), [e1])
        XCTAssertEqual(try store.endpoints(network: n.id), [e1])
        XCTAssertEqual(try store.allEndpoints(), [e1])
        XCTAssertEqual(Set(try store.publishedPorts()), [tcp(8080, 80), tcp(8443, 443, "127.0.0.1")])
        // one source of truth: an endpoint's ports are the published_ports rows, not a copy in its row
        XCTAssertEqual(try store.db.prepare("SELECT ports FROM endpoints").all([]) { $0.text(0) }, ["[]"])
        try store.db.prepare("DELETE FROM published_ports WHERE host_port = 8443").run([])
        XCTAssertEqual(try store.endpoints(container: id("1")).map(\.ports), [[tcp(8080, 80)]])
        try store.db.prepare("INSERT INTO published_ports (proto, host_ip, host_port, container_id, network_id, container_port) VALUES ('tcp', '127.0.0.1', 8443, ?1, ?2, 443)")
            .run([.text(id("1")), .text(n.id)])
        XCTAssertEqual(try store.allEndpoints(), [e1])

        // the same address on the network
        XCTAssertThrowsError(try store.insertEndpoint(ep("2", n, "10.1.0.2"))) { e in
            XCTAssertEqual((e as? HiveError)?.code, .conflict)
            XCTAssertEqual((e as? HiveError)?.message, "address 10.1.0.2 is in use on network mynet by container web")
        }
        // a port: all addresses against a specific one, and the other way round
        XCTAssertThrowsError(try store.insertEndpoint(ep("2", n, "10.1.0.3", ports: [tcp(8080, 80, "10.0.0.1")]))) { e in
            XCTAssertTrue((e as? HiveError)?.message.hasPrefix("host port 10.0.0.1:8080/tcp is already published by container web") == true, "\(e)")
        }
        XCTAssertThrowsError(try store.insertEndpoint(ep("2", n, "10.1.0.3", ports: [tcp(8443, 443)]))) { e in
            XCTAssertTrue((e as? HiveError)?.message.hasPrefix("host port 8443/tcp is already published by container web") == true, "\(e)")
        }
        XCTAssertThrowsError(try store.insertEndpoint(ep("2", n, "10.1.0.3", ports: [tcp(9000, 80), tcp(9000, 81)]))) { e in
            XCTAssertTrue("\(e)".contains("published twice"), "\(e)")
        }
        XCTAssertThrowsError(try store.insertEndpoint(ep("2", n, "10.1.0.3", ports: [tcp(0, 80)])))
        // nothing of the failed attempts stayed
        XCTAssertEqual(try store.allEndpoints(), [e1])
        XCTAssertEqual(try store.publishedPorts().count, 2)
        // another address, udp on the same number and another specific address: fine
        let e2 = ep("2", n, "10.1.0.3", ports: [PortMapping(proto: .udp, hostIP: nil, hostPort: 8080, containerPort: 53),
                                               tcp(8443, 443, "127.0.0.2")])
        try store.insertEndpoint(e2)
        XCTAssertEqual(try store.endpoints(network: n.id).count, 2)
        // the same container twice on a network
        XCTAssertThrowsError(try store.insertEndpoint(ep("2", n, "10.1.0.9"))) { e in
            XCTAssertTrue("\(e)".contains("already connected to network mynet"), "\(e)")
        }
        // a network with endpoints cannot go
        XCTAssertThrowsError(try store.deleteNetwork(n.id)) { e in
            XCTAssertEqual((e as? HiveError)?.code, .conflict)
            XCTAssertTrue("\(e)".contains("db, web"), "\(e)")
        }
        try store.setEndpointHolder(container: id("1"), pid: 99, start: 123)
        XCTAssertEqual(try store.endpoints(container: id("1")).map(\.holderPID), [99])
        XCTAssertEqual(try store.endpoints(container: id("1")).map(\.holderStart), [123])
        try store.deleteEndpoint(container: id("1"), network: n.id)
        XCTAssertEqual(try store.endpoints(container: id("1")), [])
        XCTAssertEqual(Set(try store.publishedPorts().map(\.hostPort)), [8080, 8443])
        XCTAssertEqual(try store.publishedPorts().count, 2)
        // the freed port can be published again
        try store.insertEndpoint(ep("1", n, "10.1.0.2", ports: [tcp(8080, 80)]))
        try store.deleteEndpoint(container: id("1"), network: n.id)
        try store.deleteEndpoint(container: id("2"), network: n.id)
        XCTAssertEqual(try store.publishedPorts(), [])
        try store.deleteNetwork(n.id)
        XCTAssertEqual(try store.networks(), [])
    }

    func testATransactionThatFailsLeavesNothing() throws {
        let n = try net("mynet", "aa")
        try store.insertNetwork(n)
        try container("1", name: "web")
        XCTAssertThrowsError(try store.db.transaction { () throws(HiveError) in
            try store.insertEndpoint(ep("1", n, "10.1.0.2", ports: [tcp(8080, 80)]))
            throw HiveError(.io, "veth failed")
        })
        XCTAssertEqual(try store.allEndpoints(), [])
        XCTAssertEqual(try store.publishedPorts(), [])
    }
}
