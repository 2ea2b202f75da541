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
    /// Where subnets of new networks come from (Docker's unless hive.toml names others).
    public var pools = IPAM.defaultPools
    /// 0: the kernel's default (1500).
    public var mtu: UInt32 = 0
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
    /// `--ipam-driver` (nil or "default": the only one), `--ipam-opt`, `--aux-address NAME=IP`.
    public var ipamDriver: String?
    public var ipamOptions: [String: String] = [:]
    public var auxAddresses: [String: String] = [:]
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
    /// The host's rtnetlink socket and hive's firewall table, made on first use.
    var hostSocketCache: Netlink.Socket?
    /// hive's table (settings.firewallTable): each value opens its own socket on
    /// first use, closed with its last copy; take one per operation.
    var firewall: Firewall { Firewall(table: settings.firewallTable) }
    /// Bridges known to exist in this command (name -> index).
    var bridges: [String: Int32] = [:]
    /// Names of containers by ID, for messages (a lookup function: no HiveRuntime here).
    public var containerName: (String) -> String?

    public init(store: Store, runroot: String, containersDir: String, settings: NetworkSettings) {
        self.store = store
        self.runroot = runroot
        self.containersDir = containersDir
        self.settings = settings
        self.containerName = { id in (try? store.container(id))??.name }
    }

    /// Where container `id`'s namespace is pinned.
    public func netnsPath(_ id: String) -> String { NetworkManager.netnsPath(runroot: runroot, id: id) }
    public static func netnsPath(runroot: String, id: String) -> String { runroot + "/netns/" + id }

    func hostSocket() throws(HiveError) -> Netlink.Socket {
        if let hostSocketCache { return hostSocketCache }
        let s = try Netlink.Socket()
        hostSocketCache = s
        return s
    }

    /// A container's name for messages (its short ID if it has none any more).
    func displayName(_ id: String) -> String { containerName(id) ?? String(id.prefix(12)) }
}
