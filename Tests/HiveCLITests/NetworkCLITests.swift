import Testing
@testable import HiveCLI
import HiveEngine
import HiveNetwork
import HivePlatform

/// The network verbs' rendering and the run/create network flags: Docker's
/// PORTS column, `hive port` lines, network filters, inspect shapes.
@Suite struct NetworkCLITests {
    typealias P = NetworkInspect.PublishedPort
    func p(_ ip: String, _ host: UInt16, _ ctr: UInt16, _ proto: String = "tcp") -> P {
        P(hostIP: ip, hostPort: host, containerPort: ctr, proto: proto)
    }

    @Test func portsColumnAsDocker() {
        // the two families of one mapping, v4 first
        #expect(PortsText.column([p("::", 8080, 80), p("0.0.0.0", 8080, 80)]) == "0.0.0.0:8080->80/tcp, :::8080->80/tcp")
        // equal host and container ports collapse into ranges per address and protocol
        let range = (8000...8002).map { p("0.0.0.0", $0, $0) } + [p("0.0.0.0", 53, 53, "udp")]
        #expect(PortsText.column(range) == "0.0.0.0:53->53/udp, 0.0.0.0:8000-8002->8000-8002/tcp")
        // a gap ends a range; different host ports are listed one by one, after the groups
        let mixed = [p("0.0.0.0", 8000, 8000), p("0.0.0.0", 8001, 8001), p("0.0.0.0", 8003, 8003), p("127.0.0.1", 9000, 90)]
        #expect(PortsText.column(mixed) == "0.0.0.0:8000-8001->8000-8001/tcp, 0.0.0.0:8003->8003/tcp, 127.0.0.1:9000->90/tcp")
        // exposed, not published: the bare port; published ones are not repeated
        #expect(PortsText.column([p("0.0.0.0", 8080, 80)], exposed: [(80, "tcp"), (443, "tcp"), (444, "tcp")])
                == "443-444/tcp, 0.0.0.0:8080->80/tcp")
        #expect(PortsText.column([]) == "")
    }

    @Test func portLines() throws {
        let ports = [p("::", 8080, 80), p("0.0.0.0", 8080, 80), p("0.0.0.0", 5353, 53, "udp")]
        #expect(PortsText.lines(ports) == ["53/udp -> 0.0.0.0:5353", "80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080"])
        #expect(PortsText.lines(ports, only: try ContainerPort.parse("80")) == ["0.0.0.0:8080", "[::]:8080"])
        #expect(PortsText.lines(ports, only: try ContainerPort.parse("53/udp")) == ["0.0.0.0:5353"])
        #expect(PortsText.lines(ports, only: try ContainerPort.parse("53")).isEmpty)
        #expect(throws: HiveError.self) { try ContainerPort.parse("80/sctp") }
        #expect(throws: HiveError.self) { try ContainerPort.parse("0") }
        #expect(throws: HiveError.self) { try ContainerPort.parse("http") }
    }

    func listing(_ name: String, builtin: Bool = false, containers: Int = 0, labels: [String: String] = [:], driver: String = "bridge") -> NetworkInspect.Listing {
        var l = NetworkInspect.Listing(id: "ab" + String(repeating: "0", count: 62), name: name, driver: driver, isBuiltin: builtin)
        l.containers = containers
        l.labels = labels
        l.created = 1_000
        return l
    }

    @Test func networkFilters() throws {
        let keys = ["name", "id", "driver", "label", "type", "dangling", "scope"]
        let all = [listing("bridge", builtin: true), listing("front", labels: ["tier": "web"]), listing("back", containers: 2),
                   listing("host", builtin: true, driver: "host")]
        func names(_ f: [String]) throws -> [String] { try all.filter(NetworkFilter(f, keys: keys).matches).map(\.name) }
        #expect(try names(["type=custom"]) == ["front", "back"])
        #expect(try names(["type=builtin"]) == ["bridge", "host"])
        #expect(try names(["dangling=true"]) == ["front"])
        #expect(try names(["dangling=false"]) == ["bridge", "back", "host"])
        #expect(try names(["name=ro", "name=ack"]) == ["front", "back"])  // same key: OR
        #expect(try names(["name=ro", "type=builtin"]).isEmpty)  // different keys: AND
        #expect(try names(["label=tier"]) == ["front"])
        #expect(try names(["label=tier=db"]).isEmpty)
        #expect(try names(["driver=host"]) == ["host"])
        #expect(try names(["id=ab00"]).count == 4)
        #expect(throws: HiveError.self) { try NetworkFilter(["type=other"], keys: keys) }
        #expect(throws: HiveError.self) { try NetworkFilter(["colour=red"], keys: keys) }
        #expect(throws: HiveError.self) { try NetworkFilter(["name"], keys: keys) }
        // prune's: label!= keeps what has the label
        let prune = try NetworkFilter(["label!=tier"], keys: ["until", "label", "label!"])
        #expect(all.filter(prune.matches).map(\.name) == ["bridge", "back", "host"])
        #expect(throws: HiveError.self) { try NetworkFilter(["dangling=true"], keys: ["until", "label", "label!"]) }
    }

    @Test func runFlagsParse() throws {
        let p = try ArgumentParser.parse(["-p", "8080:80", "--publish=53:53/udp", "-P", "--net-alias", "a", "--network-alias", "b",
                                          "--dns", "192.0.2.1", "--dns-opt", "ndots:2", "img", "-p"],
                                         options: ContainerRun.def.options, interspersed: false, command: "run")
        #expect(p.all("publish") == ["8080:80", "53:53/udp"])
        #expect(p.flag("publish-all"))
        #expect(p.all("net-alias") == ["a"] && p.all("network-alias") == ["b"])
        #expect(p.positionals == ["img", "-p"])
    }

    func check(_ net: NetworkRequest, network: String, hostname: String? = nil, extraHosts: [String] = []) throws -> (NetworkRequest, [String]) {
        var n = net
        var warnings: [String] = []
        try RunNetworkFlags.check(&n, network: network, hostname: hostname, extraHosts: extraHosts) { warnings.append($0) }
        return (n, warnings)
    }

    @Test func runFlagConflictsAsDocker() throws {
        var net = NetworkRequest()
        net.publishAll = true
        // host: ports discarded with a warning
        let (hostNet, warnings) = try check(net, network: "host")
        #expect(!hostNet.publishAll && warnings == ["Published ports are discarded when using host network mode"])
        // container:NAME refuses what it cannot have
        #expect(throws: HiveError.self) { try check(net, network: "container:web") }
        #expect(throws: HiveError.self) { try check(NetworkRequest(), network: "container:web", hostname: "h") }
        #expect(throws: HiveError.self) { try check(NetworkRequest(), network: "container:web", extraHosts: ["a:host-gateway"]) }
        // aliases only on user networks
        var aliased = NetworkRequest()
        aliased.aliases = ["db"]
        #expect(throws: HiveError.self) { try check(aliased, network: "bridge") }
        #expect(try check(aliased, network: "mynet").0 == aliased)
        // --add-host needs NAME:IP or host-gateway
        #expect(throws: HiveError.self) { try check(NetworkRequest(), network: "bridge", extraHosts: ["justaname"]) }
        #expect(throws: HiveError.self) { try check(NetworkRequest(), network: "bridge", extraHosts: [":192.0.2.1"]) }
        #expect(try check(NetworkRequest(), network: "bridge", extraHosts: ["gw:host-gateway"]).1.isEmpty)
    }

    @Test func hostConfigAndStoppedSettings() throws {
        var net = NetworkRequest()
        net.dns = ["192.0.2.53"]
        net.dnsSearch = ["example.test"]
        let hc = NetworkInspect.hostConfig(network: "mynet", net: net, extraHosts: [])
        #expect(hc["NetworkMode"] == .string("mynet"))
        #expect(hc["Dns"] == .array([.string("192.0.2.53")]))
        #expect(hc["DnsSearch"] == .array([.string("example.test")]))
        #expect(hc["PortBindings"] == .object([:]))
        #expect(hc["PublishAllPorts"] == .bool(false))
        #expect(hc["ExtraHosts"] == .null)
        // a stopped container: its network by name, no address, no ports, no sandbox
        let s = NetworkInspect.settings(containerID: "c", networks: [NetworkInspect.Attached(name: "mynet", networkID: "n1", network: nil, endpoint: nil)],
                                        exposed: ["80/tcp"], running: false, sandboxKey: nil)
        #expect(s["Networks"]?["mynet"]?["NetworkID"] == .string("n1"))
        #expect(s["Networks"]?["mynet"]?["IPAddress"] == .string(""))
        #expect(s["Ports"] == .object([:]))
        #expect(s["SandboxKey"] == .string(""))
        #expect(s["IPAddress"] == .string(""))
        // running with nothing published: exposed ports as null
        let r = NetworkInspect.settings(containerID: "c", networks: [], exposed: ["80/tcp"], running: true, sandboxKey: "/run/hive/netns/c")
        #expect(r["Ports"] == .object(["80/tcp": .null]))
        #expect(r["SandboxKey"] == .string("/run/hive/netns/c"))
    }
}
