// hive's own nftables table over nfnetlink (CHiveNet): outbound NAT per
// network, isolation of internal networks and of networks from each other,
// published ports (DNAT from the host's addresses and from 127.0.0.1). Never
// touches another table. Published ports are elements of maps, so a run with
// `-p` adds elements instead of rules.
import HivePlatform

public struct Firewall {
    /// The table's name (family inet).
    public var table: String
    public init(table: String = "hive") { self.table = table }

    /// Makes the table, its chains, sets and maps if missing (idempotent).
    public func ensure() throws(HiveError) { fatalError("groundwork (helper nft)") }
    /// Rules for a network: masquerade of its subnet(s) leaving by another
    /// interface unless internal, forward accept/drop, isolation.
    public func addNetwork(bridge: String, subnet: Subnet, subnet6: Subnet?, isInternal: Bool) throws(HiveError) {
        fatalError("groundwork (helper nft)")
    }
    public func removeNetwork(bridge: String, subnet: Subnet, subnet6: Subnet?) throws(HiveError) { fatalError("groundwork (helper nft)") }
    /// DNATs each mapping (host port chosen) to `target` on the network's bridge.
    public func publish(_ ports: [PortMapping], to target: IPAddress, bridge: String) throws(HiveError) { fatalError("groundwork (helper nft)") }
    public func unpublish(_ ports: [PortMapping], to target: IPAddress) throws(HiveError) { fatalError("groundwork (helper nft)") }
    /// Removes the whole table (with the last network); a missing one is fine.
    public func removeTable() throws(HiveError) { fatalError("groundwork (helper nft)") }
    /// Whether the table exists.
    public func exists() -> Bool { fatalError("groundwork (helper nft)") }
}
