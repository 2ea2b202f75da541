// Addresses as values: IPv4/IPv6 addresses, subnets (CIDR), MAC addresses.
// Parsing is strict (what `--subnet`, `--ip` and `--mac-address` accept);
// `description` is the canonical text (IPv6 compressed as RFC 5952). The one
// address parser of hive: networks, ports, --add-host, --dns, and the
// registry's NO_PROXY and insecure CIDR ranges.

public enum IPFamily: Sendable, Equatable { case v4, v6 }

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]
    public var family: IPFamily { bytes.count == 4 ? .v4 : .v6 }
    public init(bytes: [UInt8]) { precondition(bytes.count == 4 || bytes.count == 16); self.bytes = bytes }
    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no zone, no prefix); nil if invalid.
    /// IPv4 is strict: four decimal parts 0-255 without leading zeros (no octal, no short forms).
    public init?(_ text: String) {
        let u = Array(text.utf8)
        if let b = IPAddress.parseV4(u[...]) {
            bytes = b
        } else if let b = IPAddress.parseV6(u) {
            bytes = b
        } else {
            return nil
        }
    }

    /// The IPv4 form; IPv6 compressed as RFC 5952 (lower case, the longest run of
    /// two or more zero groups as `::`, the first on a tie), ::ffff:a.b.c.d for v4-mapped.
    public var description: String {
        if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "::ffff:" + bytes[12...].map { String($0) }.joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best = (start: -1, len: 0), i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.len { best = (i, j - i) }
            i = j
        }
        func hex(_ r: ArraySlice<UInt16>) -> String { r.map { String($0, radix: 16) }.joined(separator: ":") }
        guard best.len >= 2 else { return hex(groups[...]) }
        return hex(groups[0..<best.start]) + "::" + hex(groups[(best.start + best.len)...])
    }

    /// The address `n` after this one in the same family; nil past the end.
    public func advanced(by n: UInt64) -> IPAddress? {
        let (v, overflow) = value.addingReportingOverflow(UInt128(n))
        return overflow ? nil : IPAddress(family: family, value: v)
    }

    /// 127.0.0.0/8, ::1, and IPv4-mapped 127.0.0.0/8.
    public var isLoopback: Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
    }
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.bytes.count != b.bytes.count ? a.bytes.count < b.bytes.count : a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    // parsing

    private static func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func hexValue(_ c: UInt8) -> UInt16? {
        switch c {
        case 0x30...0x39: return UInt16(c - 0x30)
        case 0x61...0x66: return UInt16(c - 0x61 + 10)
        case 0x41...0x46: return UInt16(c - 0x41 + 10)
        default: return nil
        }
    }

    static func parseV4(_ u: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = u.split(separator: 0x2e, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(digit) else { return nil }
            if p.count > 1 && p.first == 0x30 { return nil }  // leading zero: octal elsewhere
            let v = p.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard v <= 255 else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    static func parseV6(_ u: [UInt8]) -> [UInt8]? {
        guard u.count >= 2, u.count <= 45 else { return nil }
        var head: [UInt16] = [], tail: [UInt16] = [], seenGap = false
        var i = 0
        if u[0] == 0x3a {  // leading "::"
            guard u[1] == 0x3a else { return nil }
            seenGap = true
            i = 2
            if i == u.count { return [UInt8](repeating: 0, count: 16) }
        }
        var v4: [UInt8]?
        while i < u.count {
            // one group (or the embedded IPv4 address at the end)
            var j = i
            while j < u.count && u[j] != 0x3a { j += 1 }
            let part = u[i..<j]
            if part.contains(0x2e) {
                guard j == u.count, let b = parseV4(part) else { return nil }
                v4 = b
            } else {
                guard !part.isEmpty, part.count <= 4 else { return nil }
                var g: UInt16 = 0
                for c in part {
                    guard let h = hexValue(c) else { return nil }
                    g = g << 4 | h
                }
                if seenGap { tail.append(g) } else { head.append(g) }
            }
            if j == u.count { break }
            // j is at ':'
            if j + 1 < u.count && u[j + 1] == 0x3a {
                guard !seenGap else { return nil }
                seenGap = true
                i = j + 2
                if i == u.count { break }
            } else {
                guard j + 1 < u.count else { return nil }  // trailing single ':'
                i = j + 1
            }
        }
        let groups = head.count + tail.count + (v4 == nil ? 0 : 2)
        if seenGap { guard groups <= 7 else { return nil } } else { guard groups == 8 else { return nil } }
        var words = head + [UInt16](repeating: 0, count: 8 - groups) + tail
        if let v4 { words += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])] }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}

/// A subnet: its network address (host bits zero) and prefix length.
public struct Subnet: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefix: Int
    public var family: IPFamily { address.family }
    /// The subnet holding `address` (host bits cleared).
    public init(address: IPAddress, prefix: Int) {
        precondition(prefix >= 0 && prefix <= address.bytes.count * 8)
        self.address = Subnet.masked(address, prefix)
        self.prefix = prefix
    }
    /// Parses `ADDR/PREFIX`; throws (naming the text) if invalid or if host bits are set.
    public init(parsing text: String) throws(HiveError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPAddress(String(parts[0])) else {
            throw HiveError(.invalidArgument, "invalid subnet \(text): expected an address and a prefix length (10.1.0.0/24, fd00::/64)")
        }
        let bits = ip.bytes.count * 8
        let p = parts[1]
        guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), p.count == 1 || p.first != "0",
              let n = Int(p), n <= bits else {
            throw HiveError(.invalidArgument, "invalid subnet \(text): the prefix length must be 0 to \(bits)")
        }
        let net = Subnet(address: ip, prefix: n)
        guard net.address == ip else {
            throw HiveError(.invalidArgument, "invalid subnet \(text): host bits set; use \(net)")
        }
        self = net
    }
    /// Parses `ADDR/PREFIX` as Go's net.ParseCIDR does (host bits allowed and
    /// cleared: NO_PROXY's and insecure registries' ranges); nil if invalid.
    public init?(masking text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPAddress(String(parts[0])), !parts[1].isEmpty, parts[1].count <= 3,
              parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(parts[1]), n <= ip.bytes.count * 8 else { return nil }
        self.init(address: ip, prefix: n)
    }
    public var description: String { "\(address)/\(prefix)" }
    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == family && Subnet.masked(ip, prefix) == address
    }
    public func overlaps(_ other: Subnet) -> Bool {
        other.family == family && Subnet.masked(other.address, min(prefix, other.prefix)) == Subnet.masked(address, min(prefix, other.prefix))
    }
    /// Whether every address of `other` is in this subnet.
    public func covers(_ other: Subnet) -> Bool { other.prefix >= prefix && contains(other.address) }
    /// The number of host bits (32 or 128 minus the prefix).
    public var hostBits: Int { address.bytes.count * 8 - prefix }
    /// The `n`th address of the subnet (0: the network address); nil outside it.
    public func host(_ n: UInt64) -> IPAddress? {
        if hostBits < 64 && n >> UInt64(hostBits) != 0 { return nil }
        return address.advanced(by: n)
    }
    /// The last address (IPv4: the broadcast address).
    public var last: IPAddress {
        var b = address.bytes
        for i in 0..<b.count {
            let keep = max(0, min(8, prefix - 8 * i))
            b[i] |= keep == 8 ? 0 : UInt8(0xff >> keep)
        }
        return IPAddress(bytes: b)
    }

    static func masked(_ ip: IPAddress, _ prefix: Int) -> IPAddress {
        var b = ip.bytes
        for i in 0..<b.count {
            let keep = max(0, min(8, prefix - 8 * i))
            b[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return IPAddress(bytes: b)
    }
}

/// A 48-bit MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { precondition(bytes.count == 6); self.bytes = bytes }
    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`); nil if invalid, multicast or all zero.
    public init?(_ text: String) {
        let u = Array(text.utf8)
        guard u.count == 17 else { return nil }
        let sep = u[2]
        guard sep == 0x3a || sep == 0x2d else { return nil }
        var out: [UInt8] = []
        for k in 0..<6 {
            let i = 3 * k
            if k > 0 && u[i - 1] != sep { return nil }
            guard let hi = IPAddress.hex(u[i]), let lo = IPAddress.hex(u[i + 1]) else { return nil }
            out.append(UInt8(hi << 4 | lo))
        }
        guard out[0] & 1 == 0, out.contains(where: { $0 != 0 }) else { return nil }
        bytes = out
    }
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
    /// Docker's: 02:42 followed by the IPv4 address (a reused address gets the same MAC,
    /// so a neighbour's stale ARP entry is still right); random locally administered for IPv6-only.
    public static func derived(from ip: IPAddress?) -> MACAddress {
        if let ip, ip.family == .v4 { return MACAddress(bytes: [0x02, 0x42] + ip.bytes) }
        var rng = SystemRandomNumberGenerator()  // getrandom(2)
        var b = (0..<6).map { _ in UInt8.random(in: 0...255, using: &rng) }
        b[0] = (b[0] & 0xfe) | 0x02  // unicast, locally administered
        if b[1...].allSatisfy({ $0 == 0 }) { b[5] = 1 }
        return MACAddress(bytes: b)
    }
}

extension IPAddress {
    /// The address as a number (IPv4 in the low 32 bits).
    public var value: UInt128 { bytes.reduce(0) { $0 << 8 | UInt128($1) } }
    /// The `family` address of number `v`; nil if it does not fit.
    public init?(family: IPFamily, value v: UInt128) {
        let n = family == .v4 ? 4 : 16
        guard n == 16 || v >> 32 == 0 else { return nil }
        self.init(bytes: (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt128(n - 1 - $0))) })
    }
    static func hex(_ c: UInt8) -> UInt8? { hexValue(c).map { UInt8($0) } }
}
