// hive's own nftables table over nfnetlink (CHiveNet): outbound NAT per
// network, isolation of internal networks and of networks from each other,
// published ports (DNAT from the host's addresses and from 127.0.0.1). Never
// touches another table. Published ports are elements of maps, so a run with
// `-p` adds elements instead of rules. The table's layout is in hive_nft.h.
//
// What the caller sets up around it (Docker's --userland-proxy=false):
// `net.ipv4.ip_forward=1` while a bridge network exists, and
// `net.ipv4.conf.<bridge>.route_localnet=1` on each bridge so that a
// connection to 127.0.0.1:HPORT, DNATed in the output chain, may leave by the
// bridge (the postrouting chain masquerades its 127.0.0.0/8 source).
// Published ports on ::1 cannot work this way (IPv6 has no route_localnet):
// publish() refuses them.
import CHiveNet
import Glibc
import HivePlatform

public struct Firewall {
    /// The table's name (family inet).
    public var table: String
    /// The namespace to work in (nil: the caller's).
    public let netnsFD: Int32?
    /// The nfnetlink socket, opened on first use and shared by copies, closed
    /// with the last copy. Its release waits for the kernel to free what any
    /// delete removed (an RCU grace period, 8-20 ms here): hive_nft_close
    /// hands that wait to a child process, so neither a command nor its exit waits.
    private let connection = Connection()
    public init(table: String = "hive") {
        self.table = table
        self.netnsFD = nil
    }
    /// Works in the namespace `netnsFD` refers to (tests make one of their own).
    public init(table: String, netnsFD: Int32?) {
        self.table = table
        self.netnsFD = netnsFD
    }

    /// Makes the table, its chains, sets and maps if missing (idempotent).
    public func ensure() throws(HiveError) {
        try run { (s) throws(HiveError) in try s.check(s.call { hive_nft_ensure($0, table, $1, $2) }, "create") }
    }

    /// Rules for a network: masquerade of its subnet(s) leaving by another
    /// interface unless internal, forward accept/drop, isolation.
    /// (Elements of the table's sets keyed by the bridge: its traffic is
    /// known by the interface it comes in by, whatever its subnets.)
    public func addNetwork(bridge: String, subnet: Subnet, subnet6: Subnet?, isInternal: Bool) throws(HiveError) {
        try Firewall.checkName(bridge)
        try run { (s) throws(HiveError) in
            let add = { s.call { hive_nft_network($0, table, 1, bridge, isInternal ? 1 : 0, $1, $2) } }
            var r = add()
            if r.rc == -ENOENT {  // the table went away (removed with the last network meanwhile): make it again
                try s.check(s.call { hive_nft_ensure($0, table, $1, $2) }, "create")
                r = add()
            }
            try s.check(r, "add network \(bridge) to")
        }
    }

    public func removeNetwork(bridge: String, subnet: Subnet, subnet6: Subnet?) throws(HiveError) {
        try Firewall.checkName(bridge)
        try run { (s) throws(HiveError) in
            try s.check(s.call { hive_nft_network($0, table, 0, bridge, 0, $1, $2) }, "remove network \(bridge) from")
        }
    }

    /// DNATs each mapping (host port chosen) to `target` on the network's bridge.
    /// Publishing the same mapping again is fine; a host port (and address)
    /// already published to another target is a `.conflict` and adds nothing.
    public func publish(_ ports: [PortMapping], to target: IPAddress, bridge: String) throws(HiveError) {
        if ports.isEmpty { return }
        let elems = try ports.map { (m) throws(HiveError) in try Firewall.element(m, target) }
        try run { (s) throws(HiveError) in
            var failed = 0
            let add = { s.call { h, w, n in elems.withUnsafeBufferPointer { hive_nft_ports(h, table, 1, $0.baseAddress, $0.count, &failed, w, n) } } }
            var r = add()
            if r.rc == -ENOENT {  // no table (yet, or any more): make it and try again
                try s.check(s.call { hive_nft_ensure($0, table, $1, $2) }, "create")
                r = add()
            }
            if r.rc == -EEXIST || r.rc == -EBUSY, failed < ports.count {
                throw HiveError(.conflict, "host port \(Firewall.describe(ports[failed])) is already published by another container")
            }
            try s.check(r, "publish ports to \(target) in")
        }
    }

    /// Removes the mappings' elements (by host port and address); ones already gone are fine.
    public func unpublish(_ ports: [PortMapping], to target: IPAddress) throws(HiveError) {
        if ports.isEmpty { return }
        let elems = try ports.map { (m) throws(HiveError) in try Firewall.element(m, target) }
        try run { (s) throws(HiveError) in
            var failed = 0
            let r = s.call { h, w, n in elems.withUnsafeBufferPointer { hive_nft_ports(h, table, 0, $0.baseAddress, $0.count, &failed, w, n) } }
            try s.check(r, "unpublish ports of \(target) in")
        }
    }

    /// Every published port in the table with its target (for reconcile); none without a table.
    public func published() throws(HiveError) -> [(mapping: PortMapping, target: IPAddress)] {
        try run { (s) throws(HiveError) in
            var out = [hive_nft_port](repeating: hive_nft_port(), count: 64)
            var n: Int32
            while true {
                n = out.withUnsafeMutableBufferPointer { hive_nft_list_ports(s.handle, table, $0.baseAddress, $0.count) }
                if n < 0 { throw s.failure(n, "list the published ports in", "") }
                if Int(n) <= out.count { break }
                out = [hive_nft_port](repeating: hive_nft_port(), count: Int(n) * 2)  // added to meanwhile
            }
            return out.prefix(Int(n)).map(Firewall.mapping)
        }
    }

    /// Removes the whole table (with the last network); a missing one is fine.
    public func removeTable() throws(HiveError) {
        try run { (s) throws(HiveError) in try s.check(s.call { hive_nft_delete_table($0, table, $1, $2) }, "delete") }
    }

    /// Whether the table exists.
    public func exists() -> Bool {
        (try? run { (s) throws(HiveError) in hive_nft_table_exists(s.handle, table) == 1 }) ?? false
    }

    /// `body` with the shared socket (opened now if need be), one caller at a time.
    private func run<T>(_ body: (Session) throws(HiveError) -> T) throws(HiveError) -> T {
        connection.lock()
        defer { connection.unlock() }
        if connection.session == nil { connection.session = try open() }
        return try body(connection.session!)
    }

    private func open() throws(HiveError) -> Session {
        var err: Int32 = 0
        guard let h = hive_nft_open(netnsFD ?? -1, &err) else {
            throw Session.error(err, "nftables: cannot open a netlink socket for table inet \(table)", what: "")
        }
        return Session(handle: h, table: table)
    }

    private static func checkName(_ bridge: String) throws(HiveError) {
        guard !bridge.isEmpty, bridge.utf8.count < 16 else {
            throw HiveError(.invalidArgument, "bridge name \"\(bridge)\" must be 1 to 15 bytes long")
        }
    }
}
