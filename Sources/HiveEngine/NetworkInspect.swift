// Networks and a container's network as Docker shows them: `network inspect`
// (docker network inspect's shape), `network ls` rows, a container's
// NetworkSettings, HostConfig network keys and Config.ExposedPorts (docker
// container inspect), and published ports as `ps`, `port` and inspect list
// them. Pure functions of the records: the engine gathers, the CLI prints.
import HiveNetwork
import HiveOCI
import HivePlatform
import HiveRuntime

public enum NetworkInspect {
    /// Docker's EndpointID: the same for a container on a network every time it is shown.
    public static func endpointID(container: String, network: String) -> String { Digest.of(Array((container + "/" + network).utf8)).hex }

    /// One row of `network ls`.
    public struct Listing: Sendable {
        public var id: String
        public var name: String
        public var driver: String
        public var isInternal = false
        public var ipv6 = false
        public var labels: [String: String] = [:]
        public var created: Int64 = 0
        /// bridge, host, none.
        public var isBuiltin: Bool
        /// Containers on it now.
        public var containers: Int = 0
        public init(id: String, name: String, driver: String, isBuiltin: Bool) {
            self.id = id
            self.name = name
            self.driver = driver
            self.isBuiltin = isBuiltin
        }
        /// A network's record as a row (`containers` on it: 0 until counted).
        public init(_ r: NetworkRecord, containers: Int = 0) {
            self.init(id: r.id, name: r.name, driver: r.driver, isBuiltin: r.isPredefined)
            isInternal = r.isInternal
            ipv6 = r.subnet6 != nil
            labels = r.labels
            created = r.created
            self.containers = containers
        }
    }

    /// One published port as Docker lists it (`ps`, `port`, inspect's Ports):
    /// a mapping to every address shows once per family ("0.0.0.0", "::").
    public struct PublishedPort: Sendable, Equatable {
        public var hostIP: String
        public var hostPort: UInt16
        public var containerPort: UInt16
        public var proto: String
        public init(hostIP: String, hostPort: UInt16, containerPort: UInt16, proto: String) {
            self.hostIP = hostIP
            self.hostPort = hostPort
            self.containerPort = containerPort
            self.proto = proto
        }
    }

    /// The published ports of a container's endpoints; "::" only for an
    /// endpoint with an IPv6 address (hive publishes by DNAT, not a proxy: an
    /// IPv4-only container cannot be reached from [::]).
    public static func published(_ endpoints: [EndpointRecord]) -> [PublishedPort] {
        var out: [PublishedPort] = []
        for e in endpoints {
            for m in e.ports {
                let ips = m.hostIP.map { [$0.description] } ?? (e.ipv6 == nil ? ["0.0.0.0"] : ["0.0.0.0", "::"])
                for ip in ips { out.append(PublishedPort(hostIP: ip, hostPort: m.hostPort, containerPort: m.containerPort, proto: m.proto.rawValue)) }
            }
        }
        return out
    }

    static func stringMap(_ m: [String: String]) -> JSONValue { .object(m.mapValues { .string($0) }) }

    /// `network inspect` of one network with the containers on it (ID -> name and endpoint).
    public static func json(_ n: NetworkRecord, containers: [(name: String, endpoint: EndpointRecord)]) -> JSONValue {
        var config: [String: JSONValue] = ["Subnet": .string(n.subnet.description), "Gateway": .string(n.gateway.description)]
        if let r = n.ipRange { config["IPRange"] = .string(r.description) }
        // --aux-address, with the subnet that holds each (Docker's AuxiliaryAddresses, left out when none)
        func aux(_ s: Subnet) -> [String: String] { n.auxAddresses.filter { IPAddress($0.value).map(s.contains) ?? false } }
        if !aux(n.subnet).isEmpty { config["AuxiliaryAddresses"] = stringMap(aux(n.subnet)) }
        var configs: [JSONValue] = n.isPseudo ? [] : [.object(config)]
        if let s6 = n.subnet6 {
            var c6: [String: JSONValue] = ["Subnet": .string(s6.description)]
            if let g6 = n.gateway6 { c6["Gateway"] = .string(g6.description) }
            if !aux(s6).isEmpty { c6["AuxiliaryAddresses"] = stringMap(aux(s6)) }
            configs.append(.object(c6))
        }
        var ctrs: [String: JSONValue] = [:]
        for (name, e) in containers {
            ctrs[e.containerID] = .object([
                "Name": .string(name), "EndpointID": .string(endpointID(container: e.containerID, network: n.id)),
                "MacAddress": .string(e.mac.description),
                "IPv4Address": .string(e.ipv4.map { "\($0)/\(n.subnet.prefix)" } ?? ""),
                "IPv6Address": .string(e.ipv6.map { "\($0)/\(n.subnet6?.prefix ?? 64)" } ?? ""),
            ])
        }
        let options = n.options
        return .object([
            "Name": .string(n.name), "Id": .string(n.id), "Created": .string(Timestamp(unixNanos: n.created).rfc3339),
            "Scope": .string("local"), "Driver": .string(n.driver), "EnableIPv6": .bool(n.subnet6 != nil),
            "IPAM": .object(["Driver": .string("default"), "Options": stringMap(n.ipamOptions), "Config": .array(configs)]),
            "Internal": .bool(n.isInternal), "Attachable": .bool(false), "Ingress": .bool(false),
            "ConfigFrom": .object(["Network": .string("")]), "ConfigOnly": .bool(false),
            "Containers": .object(ctrs), "Options": stringMap(options), "Labels": stringMap(n.labels),
        ])
    }

    /// `network ls` fields (Docker's template names).
    public static func row(_ l: Listing, truncate: Bool) -> JSONValue {
        .object([
            "ID": .string(truncate ? String(l.id.prefix(12)) : l.id), "Name": .string(l.name), "Driver": .string(l.driver),
            "Scope": .string("local"), "IPv6": .string(String(l.ipv6)), "Internal": .string(String(l.isInternal)),
            "Labels": .string(l.labels.keys.sorted().map { "\($0)=\(l.labels[$0]!)" }.joined(separator: ",")),
            "CreatedAt": .string(l.created == 0 ? "" : Timestamp(unixNanos: l.created).rfc3339),
        ])
    }

    /// What a container's endpoint on one network looks like in its inspect
    /// (nil endpoint: not running, the network only).
    public struct Attached {
        public var name: String
        public var networkID: String
        public var subnet: Subnet?
        public var subnet6: Subnet?
        public var gateway: IPAddress?
        public var gateway6: IPAddress?
        public var endpoint: EndpointRecord?
        public init(name: String, networkID: String, network: NetworkRecord?, endpoint: EndpointRecord?) {
            self.name = name
            self.networkID = networkID
            self.subnet = network?.subnet
            self.subnet6 = network?.subnet6
            self.gateway = network?.gateway
            self.gateway6 = network?.gateway6
            self.endpoint = endpoint
        }
    }

    static func endpointFields(_ a: Attached, containerID: String) -> [String: JSONValue] {
        guard let e = a.endpoint else {
            return ["EndpointID": .string(""), "Gateway": .string(""), "IPAddress": .string(""), "IPPrefixLen": .int(0),
                    "IPv6Gateway": .string(""), "GlobalIPv6Address": .string(""), "GlobalIPv6PrefixLen": .int(0), "MacAddress": .string("")]
        }
        return [
            "EndpointID": .string(endpointID(container: containerID, network: a.networkID)),
            "Gateway": .string(e.ipv4 == nil ? "" : a.gateway?.description ?? ""),
            "IPAddress": .string(e.ipv4?.description ?? ""), "IPPrefixLen": .int(Int64(e.ipv4 == nil ? 0 : a.subnet?.prefix ?? 0)),
            "IPv6Gateway": .string(e.ipv6 == nil ? "" : a.gateway6?.description ?? ""),
            "GlobalIPv6Address": .string(e.ipv6?.description ?? ""),
            "GlobalIPv6PrefixLen": .int(Int64(e.ipv6 == nil ? 0 : a.subnet6?.prefix ?? 0)), "MacAddress": .string(e.mac.description),
        ]
    }

    /// A container's NetworkSettings: Networks by name, Ports (published,
    /// and exposed ones unpublished as null, while it runs), SandboxKey, and
    /// the default bridge's fields at the top as Docker keeps them.
    public static func settings(containerID: String, networks: [Attached], exposed: [String], running: Bool, sandboxKey: String?) -> JSONValue {
        var nets: [String: JSONValue] = [:]
        var top = endpointFields(Attached(name: "", networkID: "", network: nil, endpoint: nil), containerID: containerID)
        var ports: [String: JSONValue] = [:]
        for a in networks {
            var o = endpointFields(a, containerID: containerID)
            o["NetworkID"] = .string(a.networkID)
            o["Aliases"] = a.endpoint.map { e in .array(e.aliases.map(JSONValue.string)) } ?? .null
            o["IPAMConfig"] = .null
            o["Links"] = .null
            o["DriverOpts"] = .null
            nets[a.name] = .object(o)
            if a.name == NetworkManager.defaultNetwork { top = endpointFields(a, containerID: containerID) }
        }
        if running {
            for key in exposed { ports[key] = .null }
            var byKey: [String: [JSONValue]] = [:]
            for p in published(networks.compactMap(\.endpoint)) {
                byKey["\(p.containerPort)/\(p.proto)", default: []].append(.object(["HostIp": .string(p.hostIP), "HostPort": .string(String(p.hostPort))]))
            }
            for (k, v) in byKey { ports[k] = .array(v) }
        }
        var o = top
        o["Networks"] = .object(nets)
        o["Ports"] = .object(ports)
        o["SandboxKey"] = .string(sandboxKey ?? "")
        o["SandboxID"] = .string(sandboxKey == nil ? "" : containerID)
        o["Bridge"] = .string("")
        o["HairpinMode"] = .bool(false)
        o["LinkLocalIPv6Address"] = .string("")
        o["LinkLocalIPv6PrefixLen"] = .int(0)
        o["SecondaryIPAddresses"] = .null
        o["SecondaryIPv6Addresses"] = .null
        return .object(o)
    }

    /// HostConfig's network keys from what the container asked (`-p` as Docker
    /// keeps PortBindings: "80/tcp": [{HostIp, HostPort}], "" for unchosen).
    public static func hostConfig(network: String, net: NetworkRequest, extraHosts: [String]) -> [String: JSONValue] {
        var bindings: [String: [JSONValue]] = [:]
        for spec in net.ports {
            guard let maps = try? PortSpec.parse(spec) else { continue }
            for m in maps {
                bindings["\(m.containerPort)/\(m.proto.rawValue)", default: []].append(.object([
                    "HostIp": .string(m.hostIP?.description ?? ""), "HostPort": .string(m.hostPort == 0 ? "" : String(m.hostPort)),
                ]))
            }
        }
        func list(_ v: [String]) -> JSONValue { .array(v.map(JSONValue.string)) }
        return [
            "NetworkMode": .string(network), "PortBindings": .object(bindings.mapValues { .array($0) }),
            "PublishAllPorts": .bool(net.publishAll), "Dns": list(net.dns), "DnsSearch": list(net.dnsSearch),
            "DnsOptions": list(net.dnsOptions), "ExtraHosts": extraHosts.isEmpty ? .null : list(extraHosts),
        ]
    }

    /// Config.ExposedPorts keys (`80/tcp`): `--expose`, the image's, and what `-p` publishes (as Docker adds them).
    public static func exposedKeys(_ net: NetworkRequest) -> [String] {
        var keys: [String] = []
        for e in net.exposed {
            if let ps = try? PortSpec.parseExposed(e) { keys += ps.map { "\($0.port)/\($0.proto.rawValue)" } }
        }
        for spec in net.ports {
            if let maps = try? PortSpec.parse(spec) { keys += maps.map { "\($0.containerPort)/\($0.proto.rawValue)" } }
        }
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }
}
