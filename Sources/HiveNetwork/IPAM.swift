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

    /// Checks what hive.toml or a caller gives: `size` within the base's family, not shorter than its prefix.
    public init(checking base: Subnet, size: Int) throws(HiveError) {
        guard size >= base.prefix, size <= base.address.bytes.count * 8 else {
            throw HiveError(.invalidArgument, "invalid address pool \(base) size \(size): the size must be \(base.prefix) to \(base.address.bytes.count * 8)")
        }
        self.init(base: base, size: size)
    }

    /// The pool's `i`th subnet; nil past its end.
    func subnet(_ i: UInt128) -> Subnet? {
        guard i >> UInt128(size - base.prefix) == 0,
              let ip = IPAddress(family: base.family, value: base.address.value + (i << UInt128(base.address.bytes.count * 8 - size))) else { return nil }
        return Subnet(address: ip, prefix: size)
    }

    /// The index of the pool's subnet holding `ip` (inside the pool).
    func index(of ip: IPAddress) -> UInt128 {
        (ip.value - base.address.value) >> UInt128(base.address.bytes.count * 8 - size)
    }
}

public enum IPAM {
    /// Docker's default pools: 172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/16 in /20s.
    public static let defaultPools: [AddressPool] =
        [AddressPool(base: Subnet(address: IPAddress(bytes: [172, 17, 0, 0]), prefix: 16), size: 16),
         AddressPool(base: Subnet(address: IPAddress(bytes: [172, 18, 0, 0]), prefix: 15), size: 16),
         AddressPool(base: Subnet(address: IPAddress(bytes: [172, 20, 0, 0]), prefix: 14), size: 16),
         AddressPool(base: Subnet(address: IPAddress(bytes: [172, 24, 0, 0]), prefix: 14), size: 16),
         AddressPool(base: Subnet(address: IPAddress(bytes: [172, 28, 0, 0]), prefix: 14), size: 16),
         AddressPool(base: Subnet(address: IPAddress(bytes: [192, 168, 0, 0]), prefix: 16), size: 20)]

    /// The first subnet of `pools` overlapping none of `used`; throws `.unavailable` if all are.
    public static func pickSubnet(pools: [AddressPool], used: [Subnet]) throws(HiveError) -> Subnet {
        for pool in pools {
            var i: UInt128 = 0
            while let s = pool.subnet(i) {
                if let u = used.first(where: { $0.overlaps(s) }) {
                    // a used subnet larger than the pool's: jump past it (or past the pool's end)
                    guard u.prefix < s.prefix else { i += 1; continue }
                    guard pool.base.contains(u.last) else { break }
                    i = max(i, pool.index(of: u.last)) + 1
                    continue
                }
                return s
            }
        }
        let where_ = pools.map { "\($0.base)" }.joined(separator: ", ")
        throw HiveError(.unavailable, "no free subnet left in the address pools (\(where_)): every one overlaps a network or a route (remove unused networks with hive network prune, give --subnet, or add default_address_pools in hive.toml [network])")
    }

    /// The gateway Docker gives a subnet: its first host address.
    public static func defaultGateway(_ s: Subnet) -> IPAddress {
        s.host(1) ?? s.address
    }

    /// An address for a new endpoint: `requested` if free and inside (else a
    /// one-line error naming it), or the lowest free host address of `range`
    /// (nil: the subnet) that is not the network address, the broadcast
    /// address, the gateway or in `taken`.
    public static func allocate(subnet: Subnet, range: Subnet?, gateway: IPAddress, taken: Set<IPAddress>,
                                requested: IPAddress?) throws(HiveError) -> IPAddress {
        try allocate(subnet: subnet, range: range, gateway: gateway, taken: taken, requested: requested, network: nil)
    }

    /// As `allocate` above, with the network's name for the messages
    /// ("address 10.1.0.5 is in use on network mynet").
    public static func allocate(subnet: Subnet, range: Subnet?, gateway: IPAddress, taken: Set<IPAddress>,
                                requested: IPAddress?, network: String?) throws(HiveError) -> IPAddress {
        let on = network.map { " network \($0)'s" } ?? ""
        let onNet = network.map { " on network \($0)" } ?? ""
        let v4 = subnet.family == .v4
        func reserved(_ ip: IPAddress) -> Bool {
            ip == subnet.address || ip == gateway || (v4 && subnet.prefix < 31 && ip == subnet.last)
        }
        if let ip = requested {
            guard ip.family == subnet.family, subnet.contains(ip) else {
                throw HiveError(.invalidArgument, "address \(ip) is not in\(on.isEmpty ? " the" : on) subnet \(subnet)")
            }
            // Docker takes an --ip outside --ip-range when it is inside the subnet (the range is for automatic ones)
            guard !reserved(ip) else {
                let what = ip == gateway ? "the gateway" : ip == subnet.address ? "the network address" : "the broadcast address"
                throw HiveError(.invalidArgument, "address \(ip) is \(what) of\(on.isEmpty ? " the" : on) subnet \(subnet) (pick another --ip)")
            }
            guard !taken.contains(ip) else {
                throw HiveError(.conflict, "address \(ip) is in use\(onNet) (pick another, or leave --ip out)")
            }
            return ip
        }
        let pool = range.map { r in r.prefix >= subnet.prefix && subnet.contains(r.address) ? r : subnet } ?? subnet
        // Walk from the lowest address; `taken` is finite, so at most |taken| + 3 steps find one if any is free.
        var n: UInt64 = 0
        let limit = UInt64(taken.count) + 4
        while n <= limit, let ip = pool.host(n) {
            if !reserved(ip) && !taken.contains(ip) { return ip }
            n += 1
        }
        let name = network.map { "network \($0)" } ?? "the network"
        let sub = range.map { "subnet \(subnet), range \($0)" } ?? "subnet \(subnet)"
        throw HiveError(.unavailable, "\(name) has no free address (\(sub))")
    }

    /// Parses a requested address (`--ip`, `--ip6`) for the messages IPAM gives:
    /// "address 10.1.0.300 is not a valid IPv4 address".
    public static func requestedAddress(_ text: String, family: IPFamily, flag: String) throws(HiveError) -> IPAddress {
        guard let ip = IPAddress(text), ip.family == family else {
            throw HiveError(.invalidArgument, "address \(text) is not a valid \(family == .v4 ? "IPv4" : "IPv6") address (\(flag))")
        }
        return ip
    }
}

extension NetworkSettings {
    /// hive.toml's `[network]` (checked there): the pools as AddressPools, Docker's when none are given.
    public init(config c: HiveConfig.Network) throws(HiveError) {
        self.init()
        defaultBridge = c.defaultBridge
        defaultSubnet = try c.defaultSubnet.map { (s) throws(HiveError) in try Subnet(parsing: s) }
        if !c.defaultAddressPools.isEmpty {
            pools = []
            for p in c.defaultAddressPools { pools.append(try AddressPool(checking: try Subnet(parsing: p.base), size: p.size)) }
        }
        mtu = UInt32(c.mtu)
        firewallTable = c.firewallTable
    }
}
