// hive.toml's `[network]` (issue #13), as plain values checked here so a bad
// entry names file:line and the key; HiveNetwork's NetworkSettings takes them
// (NetworkSettings(config:), in HiveNetwork's IPAM.swift).
//
//     [network]
//     default_bridge = "hive0"              # the default network's bridge
//     default_subnet = "10.88.0.0/16"       # else the first free subnet of the pools
//     default_address_pools = [{ base = "10.89.0.0/16", size = 24 }]
//     mtu = 1500                            # 0: the kernel's default
//     firewall_table = "hive"               # hive's own nftables table

extension HiveConfig {
    public struct Network: Sendable, Equatable {
        public struct Pool: Sendable, Equatable {
            /// A CIDR with no host bits set (`10.89.0.0/16`).
            public var base: String
            /// The prefix length of each subnet cut from it.
            public var size: Int
            public init(base: String, size: Int) { self.base = base; self.size = size }
        }
        public var defaultBridge = "hive0"
        /// nil: the first free subnet of the pools.
        public var defaultSubnet: String?
        /// Empty: Docker's (172.17-31.0.0/16, then 192.168.0.0/16 in /20s).
        public var defaultAddressPools: [Pool] = []
        /// 0: the kernel's default.
        public var mtu = 0
        public var firewallTable = "hive"
        public init() {}
    }

    /// `[network]` of `file` (`text`: the file, for the line of a bad key).
    static func parseNetwork(_ table: [String: JSONValue], file: String, text: [UInt8]) throws(HiveError) -> Network {
        var n = Network()
        func bad(_ key: String, _ want: String) -> HiveError {
            HiveError(.invalidArgument, "\(file)\(line(of: key, in: text).map { ":\($0)" } ?? ""): network.\(key) must be \(want)")
        }
        for (k, v) in table {
            switch k {
            case "default_bridge":
                guard let s = v.stringValue, isInterfaceName(s) else {
                    throw bad(k, "an interface name of 1 to 15 letters, digits, '-', '_' or '.' (such as \"hive0\")")
                }
                n.defaultBridge = s
            case "default_subnet":
                guard let s = v.stringValue, let p = cidr(s), p.bits == 32, p.prefix <= 30 else {
                    throw bad(k, "an IPv4 subnet with no host bits set and a prefix of at most 30 (such as \"10.88.0.0/16\")")
                }
                n.defaultSubnet = s
            case "default_address_pools":
                guard let list = v.arrayValue, !list.isEmpty else { throw bad(k, "a non-empty array of { base = \"CIDR\", size = PREFIX }") }
                for entry in list {
                    guard let o = entry.objectValue, Set(o.keys) == ["base", "size"], let base = o["base"]?.stringValue,
                          let size = o["size"]?.intValue, let p = cidr(base), size >= Int64(p.prefix), size <= Int64(p.bits),
                          p.bits == 128 || size <= 30 else {
                        throw bad(k, "an array of { base = \"CIDR\", size = PREFIX } with no host bits in base and size from its prefix to 30 (IPv4) or 128 (\(entry.serialized()) is not one)")
                    }
                    n.defaultAddressPools.append(.init(base: base, size: Int(size)))
                }
            case "mtu":
                guard let m = v.intValue, m == 0 || (68...65535).contains(m) else { throw bad(k, "0 (the kernel's default) or from 68 to 65535") }
                n.mtu = Int(m)
            case "firewall_table":
                guard let s = v.stringValue, !s.isEmpty, s.utf8.count <= 64,
                      s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x5f || $0 == 0x2d }) else {
                    throw bad(k, "a table name of 1 to 64 letters, digits, '_' or '-' (such as \"hive\")")
                }
                n.firewallTable = s
            default:
                throw HiveError(.invalidArgument, "\(file)\(line(of: k, in: text).map { ":\($0)" } ?? ""): unknown key network.\(k) (default_bridge, default_subnet, default_address_pools, mtu, firewall_table)")
            }
        }
        return n
    }

    /// A Linux interface name: 1-15 bytes, not `.` or `..`, no `/`, `:`, whitespace.
    public static func isInterfaceName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 15 && s != "." && s != ".."
            && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x5f || $0 == 0x2d || $0 == 0x2e }
    }

    /// `ADDR/PREFIX` with no host bits set: the address's bits (32 or 128) and the prefix; nil otherwise.
    static func cidr(_ s: String) -> (bits: Int, prefix: Int)? {
        (try? Subnet(parsing: s)).map { ($0.address.bytes.count * 8, $0.prefix) }
    }

    /// The 1-based line of `key = ...` inside the `[network]` section of `text`, if found.
    static func line(of key: String, in text: [UInt8]) -> Int? {
        var inSection = false
        for (i, raw) in text.split(separator: 0x0a, omittingEmptySubsequences: false).enumerated() {
            let line = String(decoding: raw, as: UTF8.self).drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") {
                inSection = line.hasPrefix("[network]")
                continue
            }
            guard inSection else { continue }
            var rest = Substring(line)
            if rest.hasPrefix("\"" + key + "\"") { rest = rest.dropFirst(key.count + 2) } else if rest.hasPrefix(key) { rest = rest.dropFirst(key.count) } else { continue }
            if rest.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("=") { return i + 1 }
        }
        return nil
    }
}
