// Networks and their endpoints in the state database (schema v7, HiveStore's
// Schema.swift): a network's row (its bridge, subnets, options) and one row
// per container attached to it (addresses, MAC, aliases, host veth, published
// ports, and the process that holds it: the CLI while it sets up, the
// container's init once running; a row whose holder is gone is stale and is
// reclaimed by the next command that looks: NetworkManager.reconcile).
import HiveOCI
import HivePlatform
import HiveStore

public struct NetworkRecord: Sendable, Equatable {
    /// 64 hex digits.
    public var id: String
    public var name: String
    /// "bridge" (the only driver so far).
    public var driver: String
    /// The bridge interface on the host (`hive0` for the default network, `hive-<id12>` for others).
    public var bridge: String
    public var subnet: Subnet
    public var gateway: IPAddress
    /// `--ip-range`: where addresses are allocated from (nil: the whole subnet).
    public var ipRange: Subnet?
    /// `--ipv6`: the IPv6 subnet and gateway.
    public var subnet6: Subnet?
    public var gateway6: IPAddress?
    /// `--internal`: no outbound NAT, no route out.
    public var isInternal: Bool
    public var labels: [String: String]
    /// `-o KEY=VALUE` driver options as given (com.docker.network.bridge.name, .mtu, ...).
    public var options: [String: String]
    public var created: Int64
    public init(id: String, name: String, driver: String = "bridge", bridge: String, subnet: Subnet, gateway: IPAddress,
                ipRange: Subnet? = nil, subnet6: Subnet? = nil, gateway6: IPAddress? = nil, isInternal: Bool = false,
                labels: [String: String] = [:], options: [String: String] = [:], created: Int64) {
        self.id = id
        self.name = name
        self.driver = driver
        self.bridge = bridge
        self.subnet = subnet
        self.gateway = gateway
        self.ipRange = ipRange
        self.subnet6 = subnet6
        self.gateway6 = gateway6
        self.isInternal = isInternal
        self.labels = labels
        self.options = options
        self.created = created
    }
}

/// A container on a network.
public struct EndpointRecord: Sendable, Equatable {
    public var containerID: String
    public var networkID: String
    public var ipv4: IPAddress?
    public var ipv6: IPAddress?
    public var mac: MACAddress
    /// Names it answers to on the network (user networks: its name, short ID, `--network-alias`).
    public var aliases: [String]
    /// The veth end on the host (on the bridge) and the one in the container (eth0, eth1, ...).
    public var hostInterface: String
    public var interface: String
    /// Published ports with their host ports chosen.
    public var ports: [PortMapping]
    /// The process that holds the endpoint (see the file's comment) and its start time.
    public var holderPID: Int32
    public var holderStart: Int64
    public init(containerID: String, networkID: String, ipv4: IPAddress?, ipv6: IPAddress?, mac: MACAddress, aliases: [String],
                hostInterface: String, interface: String, ports: [PortMapping], holderPID: Int32, holderStart: Int64) {
        self.containerID = containerID
        self.networkID = networkID
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.mac = mac
        self.aliases = aliases
        self.hostInterface = hostInterface
        self.interface = interface
        self.ports = ports
        self.holderPID = holderPID
        self.holderStart = holderStart
    }
}

extension Store {
    public func insertNetwork(_ n: NetworkRecord) throws(HiveError) { fatalError("groundwork (helper ipam)") }
    public func deleteNetwork(_ id: String) throws(HiveError) { fatalError("groundwork (helper ipam)") }
    /// Every network, by name.
    public func networks() throws(HiveError) -> [NetworkRecord] { fatalError("groundwork (helper ipam)") }
    /// By exact name, full ID or a unique ID prefix (Docker's order); nil if none.
    public func network(_ ref: String) throws(HiveError) -> NetworkRecord? { fatalError("groundwork (helper ipam)") }
    /// Inserts an endpoint; a duplicate address or published port throws `.conflict` naming it.
    public func insertEndpoint(_ e: EndpointRecord) throws(HiveError) { fatalError("groundwork (helper ipam)") }
    public func deleteEndpoint(container: String, network: String) throws(HiveError) { fatalError("groundwork (helper ipam)") }
    public func endpoints(network: String) throws(HiveError) -> [EndpointRecord] { fatalError("groundwork (helper ipam)") }
    public func endpoints(container: String) throws(HiveError) -> [EndpointRecord] { fatalError("groundwork (helper ipam)") }
    public func allEndpoints() throws(HiveError) -> [EndpointRecord] { fatalError("groundwork (helper ipam)") }
    /// Hands a container's endpoints to `pid` (its init, once it runs).
    public func setEndpointHolder(container: String, pid: Int32, start: Int64) throws(HiveError) { fatalError("groundwork (helper ipam)") }
    /// Published ports in use by any endpoint (for conflicts and `-P`).
    public func publishedPorts() throws(HiveError) -> [PortMapping] { fatalError("groundwork (helper ipam)") }
}
