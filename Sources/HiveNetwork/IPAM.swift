// Address management: subnets for new networks (from pools, overlapping no
// hive network and no route of the host) and addresses for endpoints. Pure
// functions over what the caller read inside its write transaction (the
// state database's lock is the IPAM lock: 20 concurrent runs, 20 addresses).
import HivePlatform

/// A pool subnets are cut from: `base` split into subnets of `size` bits of prefix.
public struct AddressPool: Sendable, Equatable {
    public var base: Subnet
    public var size: Int
    public init(base: Subnet, size: Int) { self.base = base; self.size = size }
}

public enum IPAM {
    /// Docker's default pools: 172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/16 in /20s.
    public static var defaultPools: [AddressPool] { fatalError("groundwork (helper ipam)") }
    /// The first subnet of `pools` overlapping none of `used`; throws `.unavailable` if all are.
    public static func pickSubnet(pools: [AddressPool], used: [Subnet]) throws(HiveError) -> Subnet { fatalError("groundwork (helper ipam)") }
    /// The gateway Docker gives a subnet: its first host address.
    public static func defaultGateway(_ s: Subnet) -> IPAddress { fatalError("groundwork (helper ipam)") }
    /// An address for a new endpoint: `requested` if free and inside (else a
    /// one-line error naming it), or the lowest free host address of `range`
    /// (nil: the subnet) that is not the network address, the broadcast
    /// address, the gateway or in `taken`.
    public static func allocate(subnet: Subnet, range: Subnet?, gateway: IPAddress, taken: Set<IPAddress>,
                                requested: IPAddress?) throws(HiveError) -> IPAddress { fatalError("groundwork (helper ipam)") }
}
