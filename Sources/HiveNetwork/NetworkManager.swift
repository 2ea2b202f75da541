// The network part of hive (DESIGN.md "network"): networks (create, remove,
// the default bridge made on first use), and a container's endpoints —
// attach before it starts (IPAM in the state database, its namespace pinned
// at $HIVE_RUNROOT/netns/<id>, a veth pair on the bridge configured inside
// the namespace, published ports, hosts files), detach when it stops, connect
// and disconnect while it runs, and reconcile what a `kill -9` left.
import HiveOCI
import HivePlatform
import HiveStore

/// hive.toml `[network]` and hive's defaults.
public struct NetworkSettings: Sendable {
    /// The default network's bridge and subnet (nil: the first free of `pools`).
    public var defaultBridge = "hive0"
    public var defaultSubnet: Subnet?
    public var pools: [AddressPool] = []
    /// 0: the kernel's default (1500).
    public var mtu: UInt32 = 0
    /// The host's resolver configuration (its upstream servers go to containers).
    public var hostResolvConf = "/etc/resolv.conf"
    /// hive's nftables table.
    public var firewallTable = "hive"
    public init() {}
}

/// `hive network create`.
public struct NetworkCreateRequest: Sendable {
    public var name: String
    public var driver = "bridge"
    public var subnet: String?
    public var gateway: String?
    public var ipRange: String?
    public var ipv6 = false
    public var subnet6: String?
    public var gateway6: String?
    public var isInternal = false
    public var labels: [String: String] = [:]
    public var options: [String: String] = [:]
    public init(name: String) { self.name = name }
}

/// What a container asks of one network.
public struct EndpointRequest: Sendable {
    /// A network's name or ID ("bridge": the default).
    public var network: String
    public var aliases: [String] = []
    public var ip: String?
    public var ip6: String?
    public var mac: String?
    /// Published ports (hostPort 0: pick a free one).
    public var ports: [PortMapping] = []
    public init(network: String) { self.network = network }
}

/// One endpoint with its network.
public struct Endpoint: Sendable {
    public var network: NetworkRecord
    public var record: EndpointRecord
    public init(network: NetworkRecord, record: EndpointRecord) { self.network = network; self.record = record }
}

/// What attach made.
public struct Attachment: Sendable {
    /// The pinned namespace the launcher joins.
    public var netnsPath: String
    public var endpoints: [Endpoint]
}

public final class NetworkManager {
    public let store: Store
    public let runroot: String
    /// Where containers' directories are (their hosts files: `<dir>/<id>/hosts`).
    public let containersDir: String
    public var settings: NetworkSettings

    public init(store: Store, runroot: String, containersDir: String, settings: NetworkSettings) {
        self.store = store
        self.runroot = runroot
        self.containersDir = containersDir
        self.settings = settings
    }

    /// Where container `id`'s namespace is pinned.
    public func netnsPath(_ id: String) -> String { runroot + "/netns/" + id }

    // networks

    public func create(_ r: NetworkCreateRequest) throws(HiveError) -> NetworkRecord { fatalError("groundwork (helper manager)") }
    /// Removes a network; refused (`.conflict`, naming them) while containers are on it.
    public func remove(_ ref: String) throws(HiveError) -> NetworkRecord { fatalError("groundwork (helper manager)") }
    /// The network `ref` names ("bridge" made on first use); `.notFound` naming it.
    public func network(_ ref: String) throws(HiveError) -> NetworkRecord { fatalError("groundwork (helper manager)") }
    /// Every network, the default one included (made if missing).
    public func list() throws(HiveError) -> [NetworkRecord] { fatalError("groundwork (helper manager)") }

    // containers

    /// Before container `id` starts: its namespace pinned at `netnsPath(id)` (from `prepared` if
    /// given), an endpoint on each network asked for, its hosts file (`hostsBase` + its
    /// addresses + peers) and the peers' files updated. Holder: this process until `hold`.
    /// On failure nothing stays.
    public func attach(container id: String, name: String, hostname: String, hostsBase: String,
                       endpoints: [EndpointRequest], prepared: NetNamespace.Prepared?) throws(HiveError) -> Attachment {
        fatalError("groundwork (helper manager)")
    }
    /// Inside the caller's transaction: the endpoints of `id` are now held by its init.
    public func hold(container id: String, pid: Int32, start: Int64) throws(HiveError) { fatalError("groundwork (helper manager)") }
    /// Releases everything of container `id` (endpoints, ports, namespace pin, peers' hosts
    /// entries); idempotent, never fails the caller (what it cannot undo, reconcile does).
    public func detach(container id: String) { fatalError("groundwork (helper manager)") }
    /// `network connect` on a running (or created) container.
    public func connect(container id: String, name: String, endpoint: EndpointRequest) throws(HiveError) -> Endpoint {
        fatalError("groundwork (helper manager)")
    }
    public func disconnect(container id: String, network ref: String) throws(HiveError) { fatalError("groundwork (helper manager)") }
    /// A container's endpoints with their networks (empty when stopped).
    public func endpoints(container id: String) throws(HiveError) -> [Endpoint] { fatalError("groundwork (helper manager)") }
    /// Releases endpoints whose holder is gone (a `kill -9` anywhere); returns how many.
    @discardableResult
    public func reconcile() -> Int { fatalError("groundwork (helper manager)") }
}
