// The network manager for real, inside the network namespace the test runs in
// (scripts/in-netns.sh: `make unit`); skipped in the machine's own namespace.
import Glibc
import HiveNetwork
import HivePlatform
import HiveStore
import XCTest

final class NetworkManagerTests: XCTestCase {
    var root = ""
    var store: Store!
    var manager: NetworkManager!

    override func setUpWithError() throws {
        try XCTSkipUnless(Self.inOwnNamespace(), "not in a network namespace of its own: run through scripts/in-netns.sh")
        root = "/tmp/hive-nm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(root, 0o700)
        store = try Store(root: root, runroot: root + "/run")
        manager = NetworkManager(store: store, runroot: root + "/run", containersDir: store.containersDir, settings: NetworkSettings())
        // `swift test --parallel` runs these in several processes in one namespace:
        // a default bridge and a table of each test's own, so one test's teardown
        // (the last network gone: bridge and table removed) cannot pull them from under another
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        manager.settings.firewallTable = "hivetest" + tag
        manager.settings.defaultBridge = "hvt" + tag
    }

    override func tearDownWithError() throws {
        guard let manager else { return }
        for e in (try? store.allEndpoints()) ?? [] { manager.detach(container: e.containerID) }
        for n in (try? store.networks()) ?? [] where n.name != "bridge" { _ = try? manager.remove(n.id) }
        _ = system("rm -rf '" + root + "'")
    }

    /// Whether this process's network namespace is not the machine's own (the test
    /// makes bridges): it differs from init's where that can be read, and has no
    /// default route and no link but loopback and the test's own.
    static func inOwnNamespace() -> Bool {
        var mine = stat(), initial = stat()
        if stat("/proc/self/ns/net", &mine) == 0, stat("/proc/1/ns/net", &initial) == 0, mine.st_ino == initial.st_ino { return false }
        guard let s = try? Netlink.Socket(), let routes = try? s.routes(.v4), let links = try? s.links() else { return false }
        return !routes.contains { $0.prefix == 0 } && links.allSatisfy { ["lo", "hive0"].contains($0.name) || $0.name.hasPrefix("veth") || $0.name.hasPrefix("hive-") || $0.name.hasPrefix("hvt") }
    }

    func container() -> String {
        let id = (0..<4).map { _ in String(format16(UInt64.random(in: 0...UInt64.max))) }.joined()
        mkdir(store.containersDir, 0o700)
        mkdir(store.containersDir + "/" + id, 0o700)
        try? Files.write(store.containersDir + "/" + id + "/hosts", "127.0.0.1\tlocalhost\n")
        return id
    }

    func format16(_ v: UInt64) -> String { let h = String(v, radix: 16); return String(repeating: "0", count: 16 - h.count) + h }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as HiveError { return e.message } catch { return "\(error)" }
        return nil
    }

    func links() throws -> [String] { try Netlink.Socket().links().map(\.name) }

    func hosts(_ id: String) -> String { String(decoding: Files.read(store.containersDir + "/" + id + "/hosts") ?? [], as: UTF8.self) }

    func testNetworksCreateListRemove() throws {
        var r = NetworkCreateRequest(name: "mynet")
        r.subnet = "10.1.0.0/24"
        let n = try manager.create(r)
        XCTAssertEqual(n.gateway.description, "10.1.0.1")
        XCTAssertTrue(try links().contains(n.bridge))
        XCTAssertTrue(Firewall(table: manager.settings.firewallTable).exists())
        XCTAssertEqual(Netlink.sysctl("net.ipv4.ip_forward")?.hasPrefix("1"), true)
        let names = try manager.list().map(\.name)
        XCTAssertEqual(Set(names), ["bridge", "mynet", "host", "none"])
        XCTAssertEqual(message { _ = try manager.create(r) }, "network with name mynet already exists")
        var over = NetworkCreateRequest(name: "other")
        over.subnet = "10.1.0.0/16"
        XCTAssertEqual(message { _ = try manager.create(over) }, "subnet 10.1.0.0/16 overlaps network mynet (10.1.0.0/24)")
        var driver = NetworkCreateRequest(name: "x")
        driver.driver = "macvlan"
        XCTAssertNotNil(message { _ = try manager.create(driver) })
        XCTAssertNotNil(message { _ = try manager.create(NetworkCreateRequest(name: "-bad")) })
        XCTAssertEqual(message { _ = try manager.remove("bridge") }, "bridge is a pre-defined network and cannot be removed")
        XCTAssertEqual(message { _ = try manager.network("nope") }, "network nope not found")
        _ = try manager.remove("mynet")
        XCTAssertFalse(try links().contains(n.bridge))
        XCTAssertFalse(Firewall(table: manager.settings.firewallTable).exists(), "the table goes with the last network")
        XCTAssertNil(try store.network("mynet"))
    }

    func testAttachNamesPeersAndDetach() throws {
        var r = NetworkCreateRequest(name: "app")
        r.subnet = "10.2.0.0/24"
        let n = try manager.create(r)
        let a = container(), b = container()
        var ea = EndpointRequest(network: "app")
        ea.aliases = ["db"]
        let at = try manager.attach(container: a, name: "alpha", hostname: "ha", hostsBase: "", endpoints: [ea], prepared: NetNamespace.prepare())
        XCTAssertEqual(at.netnsPath, manager.netnsPath(a))
        XCTAssertEqual(at.endpoints.first?.record.ipv4?.description, "10.2.0.2")
        let bt = try manager.attach(container: b, name: "beta", hostname: "hb", hostsBase: "", endpoints: [EndpointRequest(network: "app")], prepared: nil)
        XCTAssertEqual(bt.endpoints.first?.record.ipv4?.description, "10.2.0.3")
        // inside a's namespace: eth0 with its address; on the host: its veth on the bridge
        let fd = try NetNamespace.open(at.netnsPath)
        defer { close(fd) }
        XCTAssertNotNil(try Netlink.Socket(netnsFD: fd).index(of: "eth0"))
        XCTAssertTrue(try links().contains(at.endpoints[0].record.hostInterface))
        // names: a's file learnt b when b came; b's file has a by name, short ID and alias
        XCTAssertTrue(hosts(a).contains("10.2.0.3\tbeta"), hosts(a))
        XCTAssertTrue(hosts(b).contains("10.2.0.2\talpha " + String(a.prefix(12)) + " db"), hosts(b))
        XCTAssertTrue(hosts(a).contains("10.2.0.2\tha alpha"), hosts(a))
        let busy = message { _ = try manager.remove("app") } ?? ""
        XCTAssertTrue(busy.hasPrefix("network app has active endpoints: ") && busy.hasSuffix("; disconnect or stop them first"), busy)
        XCTAssertTrue(busy.contains(String(a.prefix(12))) && busy.contains(String(b.prefix(12))), busy)
        manager.detach(container: b)
        XCTAssertFalse(hosts(a).contains("beta"), hosts(a))
        XCTAssertEqual(access(manager.netnsPath(b), F_OK), -1)
        XCTAssertTrue(try manager.endpoints(container: b).isEmpty)
        manager.detach(container: a)
        manager.detach(container: a)  // idempotent
        _ = try manager.remove(n.name)
    }

    func testFailedAttachLeavesNothing() throws {
        var r = NetworkCreateRequest(name: "tight")
        r.subnet = "10.3.0.0/24"
        _ = try manager.create(r)
        let a = container()
        var e = EndpointRequest(network: "tight")
        e.ip = "10.9.0.5"
        XCTAssertNotNil(message { _ = try manager.attach(container: a, name: "a", hostname: "a", hostsBase: "", endpoints: [e], prepared: nil) })
        var dflt = EndpointRequest(network: "bridge")
        dflt.ip = "172.17.0.9"
        XCTAssertEqual(message { _ = try manager.attach(container: a, name: "a", hostname: "a", hostsBase: "", endpoints: [dflt], prepared: nil) },
                       "user specified IP address is supported on user defined networks only")
        XCTAssertTrue(try store.endpoints(container: a).isEmpty)
        XCTAssertEqual(access(manager.netnsPath(a), F_OK), -1)
        XCTAssertFalse(try links().contains { $0.hasPrefix("veth" + a.prefix(8)) })
    }

    func testPortsAndConflicts() throws {
        let a = container(), b = container()
        var e = EndpointRequest(network: "bridge")
        e.ports = [PortMapping(proto: .tcp, hostIP: nil, hostPort: 0, containerPort: 80),
                   PortMapping(proto: .udp, hostIP: nil, hostPort: 5353, containerPort: 53)]
        let at = try manager.attach(container: a, name: "a", hostname: "a", hostsBase: "", endpoints: [e], prepared: nil)
        let chosen = at.endpoints[0].record.ports
        XCTAssertNotEqual(chosen[0].hostPort, 0)
        XCTAssertEqual(chosen[1].hostPort, 5353)
        XCTAssertFalse(hosts(a).contains("\ta\n") && hosts(a).contains("peers"), "no names on the default network")
        var f = EndpointRequest(network: "bridge")
        f.ports = [PortMapping(proto: .udp, hostIP: nil, hostPort: 5353, containerPort: 53)]
        XCTAssertNotNil(message { _ = try manager.attach(container: b, name: "b", hostname: "b", hostsBase: "", endpoints: [f], prepared: nil) })
        XCTAssertTrue(try store.endpoints(container: b).isEmpty)
        XCTAssertEqual(access(manager.netnsPath(b), F_OK), -1)
        manager.detach(container: a)
        XCTAssertTrue(try store.publishedPorts().isEmpty)
    }

    func testReconcileReleasesWhatAKilledHolderLeft() throws {
        let a = container()
        _ = try manager.attach(container: a, name: "a", hostname: "a", hostsBase: "", endpoints: [EndpointRequest(network: "bridge")], prepared: nil)
        // a holder that is gone: a child that has exited
        let pid = fork()
        if pid == 0 { _exit(0) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try store.db.transaction { () throws(HiveError) in try manager.hold(container: a, pid: pid, start: 1) }
        XCTAssertEqual(manager.reconcile(), 1)
        XCTAssertTrue(try store.endpoints(container: a).isEmpty)
        XCTAssertEqual(access(manager.netnsPath(a), F_OK), -1)
        // a pin nothing explains goes too
        let stray = container()
        let fd = try NetNamespace.prepare().take()
        try NetNamespace.pin(fd, at: manager.netnsPath(stray))
        close(fd)
        XCTAssertEqual(manager.reconcile(), 0)
        XCTAssertEqual(access(manager.netnsPath(stray), F_OK), -1)
    }

    /// A dead endpoint whose namespace a lost process still holds (here: an open fd), and a
    /// host end no row claims (a command killed before its transaction committed): reconcile
    /// deletes both host ends at once, not when the kernel gets to the namespace.
    func testReconcileDeletesHostEndsOfDeadAndUnclaimedEndpoints() throws {
        let a = container(), b = container()
        let ea = try manager.attach(container: a, name: "a", hostname: "a", hostsBase: "", endpoints: [EndpointRequest(network: "bridge")], prepared: nil)
        let eb = try manager.attach(container: b, name: "b", hostname: "b", hostsBase: "", endpoints: [EndpointRequest(network: "bridge")], prepared: nil)
        let held = [try NetNamespace.open(ea.netnsPath), try NetNamespace.open(eb.netnsPath)]
        defer { for fd in held { close(fd) } }
        let pid = fork()
        if pid == 0 { _exit(0) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try store.db.transaction { () throws(HiveError) in
            try manager.hold(container: a, pid: pid, start: 1)
            try store.deleteEndpoint(container: b, network: eb.endpoints[0].record.networkID)
        }
        let (hostA, hostB) = (ea.endpoints[0].record.hostInterface, eb.endpoints[0].record.hostInterface)
        XCTAssertTrue(try links().contains(hostA) && links().contains(hostB))
        XCTAssertEqual(manager.reconcile(), 1)
        let after = try links()
        XCTAssertFalse(after.contains(hostA), "the dead endpoint's host end stays: \(after)")
        XCTAssertFalse(after.contains(hostB), "the unclaimed host end stays: \(after)")
        XCTAssertTrue(after.contains(manager.settings.defaultBridge))
    }
}
