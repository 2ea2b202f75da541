// Networks and their endpoints in the state database (schema v7, HiveStore's
// Schema.swift): a network's row (its bridge, subnets, options) and one row
// per container attached to it (addresses, MAC, aliases, host veth, and the
// process that holds it: the CLI while it sets up, the
// container's init once running; a row whose holder is gone is stale and is
// reclaimed by the next command that looks: NetworkManager.reconcile).
// Published ports live in the published_ports table alone (its key makes a
// clash a constraint, not a race): an endpoint's `ports` are read from there;
// the endpoints table's older `ports` column is left to its default ('[]').
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
    /// `--aux-address NAME=IP`: addresses the network never hands out (a device of the host's on the bridge).
    public var auxAddresses: [String: String] = [:]
    /// `--ipam-opt KEY=VALUE`, kept and shown (the default IPAM driver reads none).
    public var ipamOptions: [String: String] = [:]
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
    /// Published ports with their host ports chosen (the published_ports table's rows).
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
    static let networkColumns = "id, name, driver, bridge, subnet, gateway, ip_range, subnet6, gateway6, internal, labels, options, created, aux_addresses, ipam_options"
    static let endpointColumns = "container_id, network_id, ipv4, ipv6, mac, aliases, host_interface, interface, holder_pid, holder_start"

    public func insertNetwork(_ n: NetworkRecord) throws(HiveError) {
        do {
            try db.prepare("INSERT INTO networks (\(Store.networkColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)")
                .run([.text(n.id), .text(n.name), .text(n.driver), .text(n.bridge), .text(n.subnet.description), .text(n.gateway.description),
                      n.ipRange.map { .text($0.description) } ?? .null, n.subnet6.map { .text($0.description) } ?? .null,
                      n.gateway6.map { .text($0.description) } ?? .null, .int(n.isInternal ? 1 : 0),
                      .text(NetworkJSON.object(n.labels)), .text(NetworkJSON.object(n.options)), .int(n.created),
                      .text(NetworkJSON.object(n.auxAddresses)), .text(NetworkJSON.object(n.ipamOptions))])
        } catch where error.code == .conflict {
            let same = { (col: String, v: String) throws(HiveError) -> String? in
                try self.db.prepare("SELECT name FROM networks WHERE \(col) = ?1").all([.text(v)]) { $0.text(0) }.first
            }
            if try same("name", n.name) != nil {
                throw HiveError(.conflict, "network with name \(n.name) already exists (hive network ls lists them; pick another name)")
            }
            if let other = try same("bridge", n.bridge) {
                throw HiveError(.conflict, "bridge name \(n.bridge) is already used by network \(other) (pick another com.docker.network.bridge.name)")
            }
            if let other = try same("id", n.id) {
                throw HiveError(.conflict, "network ID \(n.id) is already used by network \(other)")
            }
            throw HiveError(.conflict, "cannot record network \(n.name)", cause: error)
        }
    }

    /// Removes a network's row; refused (`.conflict`) while endpoints are on it.
    public func deleteNetwork(_ id: String) throws(HiveError) {
        let users = try db.prepare("SELECT e.container_id, c.name FROM endpoints e LEFT JOIN containers c ON c.id = e.container_id WHERE e.network_id = ?1")
            .all([.text(id)]) { s in s.optionalText(1) ?? String(s.text(0).prefix(12)) }
        if !users.isEmpty {
            let name = try db.prepare("SELECT name FROM networks WHERE id = ?1").all([.text(id)]) { $0.text(0) }.first ?? String(id.prefix(12))
            throw HiveError(.conflict, "network \(name) has active endpoints (\(users.sorted().joined(separator: ", "))): stop or disconnect them first")
        }
        try db.prepare("DELETE FROM published_ports WHERE network_id = ?1").run([.text(id)])
        try db.prepare("DELETE FROM networks WHERE id = ?1").run([.text(id)])
    }

    /// Every network, by name.
    public func networks() throws(HiveError) -> [NetworkRecord] {
        try db.prepare("SELECT \(Store.networkColumns) FROM networks ORDER BY name").all([]) { networkRow($0) }.compactMap { $0 }
    }

    /// By exact name, full ID or a unique ID prefix (Docker's order); nil if none.
    public func network(_ ref: String) throws(HiveError) -> NetworkRecord? {
        guard !ref.isEmpty else { return nil }
        let exact = try db.prepare("SELECT \(Store.networkColumns) FROM networks WHERE name = ?1 OR id = ?1 ORDER BY name = ?1 DESC")
            .all([.text(ref)]) { networkRow($0) }
        if let first = exact.first { return first }
        guard ref.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { return nil }
        let rows = try db.prepare("SELECT \(Store.networkColumns) FROM networks WHERE id >= ?1 AND id < ?2")
            .all([.text(ref), .text(ref + "g")]) { networkRow($0) }
        if rows.count > 1 {
            let names = rows.compactMap { $0?.name }.sorted().joined(separator: ", ")
            throw HiveError(.conflict, "network ID prefix \"\(ref)\" is ambiguous: it matches networks \(names) (give more digits or the name)")
        }
        return rows.first ?? nil
    }

    /// A row, or nil if it does not parse (written by something else: skipped, not trusted).
    private func networkRow(_ s: Statement) -> NetworkRecord? {
        guard let subnet = try? Subnet(parsing: s.text(4)), let gateway = IPAddress(s.text(5)) else { return nil }
        var n = NetworkRecord(id: s.text(0), name: s.text(1), driver: s.text(2), bridge: s.text(3), subnet: subnet, gateway: gateway,
                              ipRange: s.optionalText(6).flatMap { try? Subnet(parsing: $0) },
                              subnet6: s.optionalText(7).flatMap { try? Subnet(parsing: $0) },
                              gateway6: s.optionalText(8).flatMap(IPAddress.init),
                              isInternal: s.int(9) != 0, labels: NetworkJSON.stringMap(s.text(10)),
                              options: NetworkJSON.stringMap(s.text(11)), created: s.int(12))
        n.auxAddresses = NetworkJSON.stringMap(s.text(13))
        n.ipamOptions = NetworkJSON.stringMap(s.text(14))
        return n
    }

    /// Inserts an endpoint and its published ports (host ports chosen); a duplicate
    /// address, a published port another container holds, or a second endpoint of
    /// the container on the network throws `.conflict` naming it.
    public func insertEndpoint(_ e: EndpointRecord) throws(HiveError) {
        let netName = try db.prepare("SELECT name FROM networks WHERE id = ?1").all([.text(e.networkID)]) { $0.text(0) }.first
        guard let netName else { throw HiveError(.notFound, "network \(e.networkID.prefix(12)) not found (hive network ls lists them)") }
        try checkPorts(e.ports, container: e.containerID)
        do {
            try db.prepare("INSERT INTO endpoints (\(Store.endpointColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
                .run([.text(e.containerID), .text(e.networkID), e.ipv4.map { .text($0.description) } ?? .null,
                      e.ipv6.map { .text($0.description) } ?? .null, .text(e.mac.description),
                      .text(JSONValue.array(e.aliases.map(JSONValue.string)).serialized()), .text(e.hostInterface), .text(e.interface),
                      .int(Int64(e.holderPID)), .int(e.holderStart)])
        } catch where error.code == .conflict {
            let holder = { (col: String, ip: IPAddress?) throws(HiveError) -> String? in
                guard let ip else { return nil }
                return try self.db.prepare("SELECT e.container_id, c.name FROM endpoints e LEFT JOIN containers c ON c.id = e.container_id WHERE e.network_id = ?1 AND e.\(col) = ?2")
                    .all([.text(e.networkID), .text(ip.description)]) { s in s.optionalText(1) ?? String(s.text(0).prefix(12)) }.first
            }
            if let ip = e.ipv4, let who = try holder("ipv4", ip) {
                throw HiveError(.conflict, "address \(ip) is in use on network \(netName) by container \(who)")
            }
            if let ip = e.ipv6, let who = try holder("ipv6", ip) {
                throw HiveError(.conflict, "address \(ip) is in use on network \(netName) by container \(who)")
            }
            if try !endpoints(container: e.containerID).filter({ $0.networkID == e.networkID }).isEmpty {
                throw HiveError(.conflict, "container \(e.containerID.prefix(12)) is already connected to network \(netName)")
            }
            throw HiveError(.conflict, "cannot record the endpoint of container \(e.containerID.prefix(12)) on network \(netName)", cause: error)
        }
        let ins = try db.prepare("INSERT INTO published_ports (proto, host_ip, host_port, container_id, network_id, container_port) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        for p in e.ports {
            try ins.run([.text(p.proto.rawValue), .text(p.hostIP?.description ?? ""), .int(Int64(p.hostPort)),
                         .text(e.containerID), .text(e.networkID), .int(Int64(p.containerPort))])
        }
    }

    /// Refuses unchosen host ports, and ones clashing with each other or with a port already
    /// published (an all-address one clashes with any address of its family).
    private func checkPorts(_ ports: [PortMapping], container: String) throws(HiveError) {
        guard !ports.isEmpty else { return }
        let q = try db.prepare("SELECT p.proto, p.host_ip, p.host_port, p.container_port, p.container_id, c.name FROM published_ports p LEFT JOIN containers c ON c.id = p.container_id WHERE p.proto = ?1 AND p.host_port = ?2")
        for (i, p) in ports.enumerated() {
            guard p.hostPort != 0 else {
                throw HiveError(.internal, "published port \(p.containerPort)/\(p.proto.rawValue) has no host port chosen")
            }
            let what = "host port \(p.hostIP.map { $0.family == .v6 ? "[\($0)]:" : "\($0):" } ?? "")\(p.hostPort)/\(p.proto.rawValue)"
            if ports[..<i].contains(where: { $0.clashes(with: p) }) {
                throw HiveError(.conflict, "\(what) is published twice (give each -p its own host port)")
            }
            let rows = try q.all([.text(p.proto.rawValue), .int(Int64(p.hostPort))]) { s in
                (port: portRow(s, at: 0), who: s.optionalText(5) ?? String(s.text(4).prefix(12)))
            }
            for r in rows {
                if r.port.clashes(with: p) {
                    throw HiveError(.conflict, "\(what) is already published by container \(r.who) (pick another host port, or leave it out to get a free one)")
                }
            }
        }
    }

    public func deleteEndpoint(container: String, network: String) throws(HiveError) {
        try db.prepare("DELETE FROM published_ports WHERE container_id = ?1 AND network_id = ?2").run([.text(container), .text(network)])
        try db.prepare("DELETE FROM endpoints WHERE container_id = ?1 AND network_id = ?2").run([.text(container), .text(network)])
    }

    /// In the order they were made (attach order).
    public func endpoints(network: String) throws(HiveError) -> [EndpointRecord] {
        try withPorts(try db.prepare("SELECT \(Store.endpointColumns) FROM endpoints WHERE network_id = ?1 ORDER BY rowid")
            .all([.text(network)]) { endpointRow($0) }.compactMap { $0 }, "WHERE network_id = ?1", [.text(network)])
    }

    public func endpoints(container: String) throws(HiveError) -> [EndpointRecord] {
        try withPorts(try db.prepare("SELECT \(Store.endpointColumns) FROM endpoints WHERE container_id = ?1 ORDER BY rowid")
            .all([.text(container)]) { endpointRow($0) }.compactMap { $0 }, "WHERE container_id = ?1", [.text(container)])
    }

    public func allEndpoints() throws(HiveError) -> [EndpointRecord] {
        try withPorts(try db.prepare("SELECT \(Store.endpointColumns) FROM endpoints ORDER BY rowid").all([]) { endpointRow($0) }.compactMap { $0 }, "", [])
    }

    /// The endpoints with their published ports (the published_ports rows `filter` selects).
    private func withPorts(_ rows: [EndpointRecord], _ filter: String, _ args: [Statement.Value]) throws(HiveError) -> [EndpointRecord] {
        if rows.isEmpty { return rows }
        let ports = try db.prepare("SELECT container_id, network_id, proto, host_ip, host_port, container_port FROM published_ports \(filter) ORDER BY rowid")
            .all(args) { s in
                (key: s.text(0) + "/" + s.text(1), port: portRow(s, at: 2))
            }
        if ports.isEmpty { return rows }
        let byKey = Dictionary(grouping: ports, by: \.key)
        return rows.map { e in
            var e = e
            e.ports = byKey[e.containerID + "/" + e.networkID]?.map(\.port) ?? []
            return e
        }
    }

    /// Hands a container's endpoints to `pid` (its init, once it runs).
    public func setEndpointHolder(container: String, pid: Int32, start: Int64) throws(HiveError) {
        try db.prepare("UPDATE endpoints SET holder_pid = ?2, holder_start = ?3 WHERE container_id = ?1")
            .run([.text(container), .int(Int64(pid)), .int(start)])
    }

    /// Published ports in use by any endpoint (for conflicts and `-P`).
    public func publishedPorts() throws(HiveError) -> [PortMapping] {
        try db.prepare("SELECT proto, host_ip, host_port, container_port FROM published_ports ORDER BY host_port, proto, host_ip")
            .all([]) { portRow($0, at: 0) }
    }

    /// A published_ports row's mapping from its columns proto, host_ip ('': all addresses),
    /// host_port, container_port, in that order from `col`.
    private func portRow(_ s: Statement, at col: Int32) -> PortMapping {
        PortMapping(proto: PortProtocol(rawValue: s.text(col)) ?? .tcp, hostIP: IPAddress(s.text(col + 1)),
                    hostPort: UInt16(truncatingIfNeeded: s.int(col + 2)), containerPort: UInt16(truncatingIfNeeded: s.int(col + 3)))
    }

    private func endpointRow(_ s: Statement) -> EndpointRecord? {
        guard let mac = MACAddress(s.text(4)) else { return nil }
        let aliases = NetworkJSON.parse(s.text(5))?.arrayValue?.compactMap(\.stringValue) ?? []
        return EndpointRecord(containerID: s.text(0), networkID: s.text(1), ipv4: s.optionalText(2).flatMap(IPAddress.init),
                              ipv6: s.optionalText(3).flatMap(IPAddress.init), mac: mac, aliases: aliases,
                              hostInterface: s.text(6), interface: s.text(7), ports: [],
                              holderPID: Int32(truncatingIfNeeded: s.int(8)), holderStart: s.int(9))
    }
}

/// The JSON columns: labels and options (objects of strings), aliases.
enum NetworkJSON {
    static func parse(_ text: String) -> JSONValue? { try? JSONValue.parse(Array(text.utf8)) }

    static func object(_ m: [String: String]) -> String {
        JSONValue.object(m.mapValues(JSONValue.string)).serialized()
    }

    static func stringMap(_ text: String) -> [String: String] {
        (parse(text)?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
