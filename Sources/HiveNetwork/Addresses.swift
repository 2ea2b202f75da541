// Addresses as values: IPv4/IPv6 addresses, subnets (CIDR), MAC addresses.
// Parsing is strict (what `--subnet`, `--ip` and `--mac-address` accept);
// `description` is the canonical text (IPv6 compressed as RFC 5952).
import HivePlatform

public enum IPFamily: Sendable, Equatable { case v4, v6 }

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]
    public var family: IPFamily { bytes.count == 4 ? .v4 : .v6 }
    public init(bytes: [UInt8]) { precondition(bytes.count == 4 || bytes.count == 16); self.bytes = bytes }
    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no zone, no prefix); nil if invalid.
    public init?(_ text: String) { fatalError("groundwork: IPAddress.init (helper ipam)") }
    public var description: String { fatalError("groundwork: IPAddress.description (helper ipam)") }
    /// The address `n` after this one in the same family; nil past the end.
    public func advanced(by n: UInt64) -> IPAddress? { fatalError("groundwork (helper ipam)") }
    public var isLoopback: Bool { fatalError("groundwork (helper ipam)") }
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.bytes.count != b.bytes.count ? a.bytes.count < b.bytes.count : a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}

/// A subnet: its network address (host bits zero) and prefix length.
public struct Subnet: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefix: Int
    public var family: IPFamily { address.family }
    /// The subnet holding `address` (host bits cleared).
    public init(address: IPAddress, prefix: Int) { fatalError("groundwork (helper ipam)") }
    /// Parses `ADDR/PREFIX`; throws (naming the text) if invalid or if host bits are set.
    public init(parsing text: String) throws(HiveError) { fatalError("groundwork (helper ipam)") }
    public var description: String { "\(address)/\(prefix)" }
    public func contains(_ ip: IPAddress) -> Bool { fatalError("groundwork (helper ipam)") }
    public func overlaps(_ other: Subnet) -> Bool { fatalError("groundwork (helper ipam)") }
    /// The `n`th address of the subnet (0: the network address); nil outside it.
    public func host(_ n: UInt64) -> IPAddress? { fatalError("groundwork (helper ipam)") }
    /// The last address (IPv4: the broadcast address).
    public var last: IPAddress { fatalError("groundwork (helper ipam)") }
}

/// A 48-bit MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { precondition(bytes.count == 6); self.bytes = bytes }
    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`); nil if invalid, multicast or all zero.
    public init?(_ text: String) { fatalError("groundwork (helper ipam)") }
    public var description: String { fatalError("groundwork (helper ipam)") }
    /// Docker's: 02:42 followed by the IPv4 address (a reused address gets the same MAC,
    /// so a neighbour's stale ARP entry is still right); random locally administered for IPv6-only.
    public static func derived(from ip: IPAddress?) -> MACAddress { fatalError("groundwork (helper ipam)") }
}
