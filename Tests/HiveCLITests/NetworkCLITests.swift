import Testing
@testable import HiveCLI
import HiveEngine
import HiveNetwork
import HiveRuntime
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
        try RunFlagChecks.network(&n, network: network, hostname: hostname, extraHosts: extraHosts) { warnings.append($0) }
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
        // --add-host is the planner's (ExtraHost: NetworkRequestTests), once: the CLI passes it on
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

    func endpoint(_ ctr: String, ports: [PortMapping] = [], v6: Bool = false) -> EndpointRecord {
        EndpointRecord(containerID: ctr, networkID: "n1", ipv4: IPAddress("10.1.0.2"), ipv6: v6 ? IPAddress("fd00::2") : nil,
                       mac: MACAddress("02:42:0a:01:00:02")!, aliases: ["web", "w1"], hostInterface: "veth0abc", interface: "eth0",
                       ports: ports, holderPID: 1, holderStart: 0)
    }

    @Test func networkInspectShape() throws {
        let n = NetworkRecord(id: "n1", name: "front", bridge: "hive-n1", subnet: try Subnet(parsing: "10.1.0.0/24"),
                              gateway: IPAddress("10.1.0.1")!, ipRange: try Subnet(parsing: "10.1.0.128/25"), labels: ["a": "b"], created: 0)
        let j = NetworkInspect.json(n, containers: [("web", endpoint("c1"))])
        #expect(j["Name"] == .string("front") && j["Scope"] == .string("local") && j["Driver"] == .string("bridge"))
        #expect(j["IPAM"]?["Config"] == .array([.object(["Subnet": .string("10.1.0.0/24"), "Gateway": .string("10.1.0.1"),
                                                           "IPRange": .string("10.1.0.128/25")])]))
        #expect(j["Containers"]?["c1"]?["IPv4Address"] == .string("10.1.0.2/24"))
        #expect(j["Containers"]?["c1"]?["MacAddress"] == .string("02:42:0a:01:00:02"))
        #expect(j["Containers"]?["c1"]?["Name"] == .string("web"))
        #expect(j["Attachable"] == .bool(false) && j["Ingress"] == .bool(false) && j["EnableIPv6"] == .bool(false))
        #expect(j["Labels"] == .object(["a": .string("b")]))
        let host = NetworkInspect.json(NetworkManager.pseudoNetwork("host"), containers: [])
        #expect(host["Driver"] == .string("host") && host["IPAM"]?["Config"] == .array([]))
    }

    @Test func runningSettingsAsDocker() throws {
        let bridge = NetworkRecord(id: "n1", name: "bridge", bridge: "hive0", subnet: try Subnet(parsing: "10.1.0.0/24"),
                                   gateway: IPAddress("10.1.0.1")!, created: 0)
        let e = endpoint("c1", ports: [PortMapping(proto: .tcp, hostIP: nil, hostPort: 8080, containerPort: 80)])
        let s = NetworkInspect.settings(containerID: "c1", networks: [NetworkInspect.Attached(name: "bridge", networkID: "n1", network: bridge, endpoint: e)],
                                        exposed: ["80/tcp", "443/tcp"], running: true, sandboxKey: "/run/hive/netns/c1")
        // the default bridge's fields at the top too
        #expect(s["IPAddress"] == .string("10.1.0.2") && s["Gateway"] == .string("10.1.0.1") && s["IPPrefixLen"] == .int(24))
        #expect(s["MacAddress"] == .string("02:42:0a:01:00:02"))
        let b = s["Networks"]?["bridge"]
        #expect(b?["NetworkID"] == .string("n1") && b?["IPAddress"] == .string("10.1.0.2") && b?["Aliases"] == .array([.string("web"), .string("w1")]))
        #expect(b?["EndpointID"] == .string(NetworkInspect.endpointID(container: "c1", network: "n1")))
        #expect(s["Ports"] == .object(["80/tcp": .array([.object(["HostIp": .string("0.0.0.0"), "HostPort": .string("8080")])]), "443/tcp": .null]))
        // ps and port: an IPv4-only endpoint is published on IPv4 only; with IPv6, both families
        #expect(PortsText.column(NetworkInspect.published([e])) == "0.0.0.0:8080->80/tcp")
        let e6 = endpoint("c1", ports: e.ports, v6: true)
        #expect(PortsText.column(NetworkInspect.published([e6])) == "0.0.0.0:8080->80/tcp, :::8080->80/tcp")
    }

    @Test func portBindingsAndExposed() throws {
        var net = NetworkRequest()
        net.ports = ["127.0.0.1:8080:80", "9000-9001:90-91/udp", "5000"]
        net.exposed = ["7000/tcp"]
        let hc = NetworkInspect.hostConfig(network: "bridge", net: net, extraHosts: [])
        #expect(hc["PortBindings"]?["80/tcp"] == .array([.object(["HostIp": .string("127.0.0.1"), "HostPort": .string("8080")])]))
        #expect(hc["PortBindings"]?["91/udp"] == .array([.object(["HostIp": .string(""), "HostPort": .string("9001")])]))
        #expect(hc["PortBindings"]?["5000/tcp"] == .array([.object(["HostIp": .string(""), "HostPort": .string("")])]))
        #expect(NetworkInspect.exposedKeys(net) == ["7000/tcp", "80/tcp", "90/udp", "91/udp", "5000/tcp"])
    }

    @Test func storedRequestReadsBack() throws {
        // the spec keeps only the fields given: reading it back must not need the others
        var net = NetworkRequest()
        net.ports = ["8080:80"]
        net.aliases = ["web"]
        let back = try JSONCoding.decode(NetworkRequest.self, from: Array(net.json.serialized().utf8))
        #expect(back == net)
        #expect(try JSONCoding.decode(NetworkRequest.self, from: Array("{}".utf8)) == NetworkRequest())
    }

    @Test func badRunFlagsNameTheValue() {
        func fails(_ f: (inout NetworkRequest) -> Void, _ network: String = "mynet") -> Bool {
            var n = NetworkRequest()
            f(&n)
            // the CLI's checks, then the one check of the addresses below it (the planner's)
            do { _ = try check(n, network: network); try n.check(); return false } catch { return true }
        }
        #expect(fails { $0.ports = ["70000:80"] })
        #expect(fails { $0.ip = "10.1.0.300" })
        #expect(fails { $0.ip = "fd00::1" })  // --ip is IPv4
        #expect(fails { $0.ip6 = "10.1.0.3" })
        #expect(fails { $0.mac = "01:00:5e:00:00:01" })  // multicast
        #expect(fails { $0.dns = ["dns.example"] })
        #expect(fails({ $0.ip = "10.1.0.3" }, "bridge"))  // Docker: user networks only
        #expect(!fails { $0.ip = "10.1.0.3"; $0.ports = ["8080:80/udp"]; $0.mac = "02:42:0a:01:00:09" })
    }
}

/// `{{range $k, $v := ...}}` as Docker's users write it for inspect's maps.
@Suite struct TemplateVariableTests {
    @Test func rangeWithKeyAndValue() throws {
        let v: JSONValue = .object(["NetworkSettings": .object([
            "Networks": .object(["right": .object(["IPAddress": .string("10.2.0.2")]), "left": .object(["IPAddress": .string("10.1.0.2")])]),
            "Ports": .object(["80/tcp": .array([.object(["HostIp": .string("0.0.0.0"), "HostPort": .string("8080")])])]),
        ])])
        #expect(try Template("{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}").render(v) == "left=10.1.0.2 right=10.2.0.2 ")
        #expect(try Template("{{range $p, $b := .NetworkSettings.Ports}}{{$p}}={{range $b}}{{.HostIp}}:{{.HostPort}}{{end}}{{end}}").render(v)
                == "80/tcp=0.0.0.0:8080")
        #expect(try Template("{{range $n := .NetworkSettings.Networks}}{{$n.IPAddress}},{{.IPAddress}} {{end}}").render(v)
                == "10.1.0.2,10.1.0.2 10.2.0.2,10.2.0.2 ")
        #expect(try Template("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}").render(v) == "10.1.0.2 10.2.0.2 ")
        #expect(throws: HiveError.self) { try Template("{{$nope}}").render(v) }
        #expect(throws: HiveError.self) { try Template("{{range $a, $b, $c := .X}}{{end}}") }
    }
}
