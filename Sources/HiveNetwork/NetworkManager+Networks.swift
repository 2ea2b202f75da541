// Networks: `network create` (name, subnet checked against hive's networks and
// the host's routes, gateway, range, IPv6, bridge and MTU options; its bridge
// and firewall rules made at once, as Docker does), `network rm` (refused
// while containers are on it), the default network `bridge` (its record made
// on first use, its bridge on the first attach), and `host`/`none`, listed as
// Docker lists them (pseudo records: driver "host"/"null", no bridge).
import Glibc
import HiveOCI
import HivePlatform
import HiveStore

extension NetworkRecord {
    /// Docker's pre-defined networks: `bridge`, `host`, `none` (never removed).
    public var isPredefined: Bool { NetworkManager.predefined.contains(name) }
    /// `host` and `none`: listed, never attached to (no bridge, no addresses).
    public var isPseudo: Bool { driver != "bridge" }
    /// The default network: no names resolved on it, no aliases (Docker's).
    public var isDefault: Bool { name == NetworkManager.defaultNetwork }
}

extension NetworkManager {
    public static let defaultNetwork = "bridge"
    public static let predefined: Set<String> = ["bridge", "host", "none"]
    /// RFC 4193's pool for `--ipv6` without `--subnet`: fd + 40 random bits, a /64 of it.
    static let ulaPrefix: UInt8 = 0xfd

    /// `host` (driver "host") and `none` (driver "null") as Docker lists them.
    public static func pseudoNetwork(_ name: String) -> NetworkRecord {
        let zero = Subnet(address: IPAddress(bytes: [0, 0, 0, 0]), prefix: 0)
        return NetworkRecord(id: Digest.of(Array(("hive network " + name).utf8)).hex, name: name, driver: name == "host" ? "host" : "null",
                             bridge: "", subnet: zero, gateway: zero.address, created: 0)
    }


    public func create(_ r: NetworkCreateRequest) throws(HiveError) -> NetworkRecord {
        guard DockerNames.isValidNetworkName(r.name) else {
            throw HiveError(.invalidArgument, "invalid network name \"\(r.name)\" (letters, digits, _ . -, starting with a letter or digit)")
        }
        guard r.driver == "bridge" else {
            throw HiveError(.invalidArgument, "network driver \"\(r.driver)\" is not supported (hive makes bridge networks: -d bridge)")
        }
        if NetworkManager.predefined.contains(r.name) { throw HiveError(.conflict, "network with name \(r.name) already exists") }
        let id = DockerNames.randomID()
        let bridge = r.options["com.docker.network.bridge.name"] ?? "hive-" + String(id.prefix(10))
        guard bridge.utf8.count < 16, DockerNames.isValidNetworkName(bridge) else {
            throw HiveError(.invalidArgument, "invalid bridge name \"\(bridge)\" (at most 15 letters, digits, _ . -)")
        }
        if let d = r.ipamDriver, !d.isEmpty, d != "default" {
            throw HiveError(.invalidArgument, "IPAM driver \"\(d)\" is not supported (hive has Docker's default IPAM driver only: leave --ipam-driver out or give default)")
        }
        if let m = r.options["com.docker.network.driver.mtu"], UInt32(m).map({ $0 < 68 || $0 > 65535 }) ?? true {
            throw HiveError(.invalidArgument, "invalid MTU \"\(m)\" (com.docker.network.driver.mtu: 68-65535)")
        }
        let given = try r.subnet.map { t throws(HiveError) in try Subnet(parsing: t) }
        if let g = given, g.family != .v4 { throw HiveError(.invalidArgument, "--subnet \(g) is IPv6: give it with --ipv6 and an IPv4 --subnet too, or leave --subnet out") }
        let given6 = try r.subnet6.map { t throws(HiveError) in try Subnet(parsing: t) }
        if let g = given6, g.family != .v6 { throw HiveError(.invalidArgument, "invalid IPv6 subnet \(g)") }
        let routes = (try? hostSocket().routes(.v4)) ?? []

        return try store.db.transaction(durable: false) { () throws(HiveError) -> NetworkRecord in
            let existing = try store.networks()
            if existing.contains(where: { $0.name == r.name }) { throw HiveError(.conflict, "network with name \(r.name) already exists") }
            if let other = existing.first(where: { $0.bridge == bridge }) {
                throw HiveError(.conflict, "bridge \(bridge) is used by network \(other.name) (choose another com.docker.network.bridge.name)")
            }
            let subnet: Subnet
            if let g = given {
                try checkFree(g, networks: existing, routes: routes)
                subnet = g
            } else {
                subnet = try IPAM.pickSubnet(pools: settings.pools, used: existing.map(\.subnet) + routes.filter { $0.prefix > 0 })
            }
            let gateway = try gatewayAddress(r.gateway, subnet: subnet)
            var range: Subnet? = nil
            if let t = r.ipRange {
                let rr = try Subnet(parsing: t)
                guard rr.family == .v4, subnet.contains(rr.address), rr.prefix >= subnet.prefix else {
                    throw HiveError(.invalidArgument, "--ip-range \(rr) is not inside the subnet \(subnet)")
                }
                range = rr
            }
            var subnet6: Subnet? = nil, gateway6: IPAddress? = nil
            if r.ipv6 || given6 != nil {
                let s6 = given6 ?? NetworkManager.ulaSubnet()
                if let other = existing.first(where: { $0.subnet6.map(s6.overlaps) == true }) {
                    throw HiveError(.conflict, "subnet \(s6) overlaps network \(other.name) (\(other.subnet6!))")
                }
                subnet6 = s6
                gateway6 = try gatewayAddress(r.gateway6, subnet: s6)
            }
            var n = NetworkRecord(id: id, name: r.name, bridge: bridge, subnet: subnet, gateway: gateway, ipRange: range, subnet6: subnet6,
                                  gateway6: gateway6, isInternal: r.isInternal, labels: r.labels, options: r.options,
                                  created: Timestamp.now().unixNanos)
            n.auxAddresses = try auxAddresses(r.auxAddresses, subnet: subnet, gateway: gateway, subnet6: subnet6, gateway6: gateway6)
            n.ipamOptions = r.ipamOptions
            try store.insertNetwork(n)
            // the bridge and its rules at once (the record goes with the transaction if they fail)
            do throws(HiveError) { try makeBridge(n) } catch {
                removeBridge(n)
                throw error
            }
            return n
        }
    }

    /// Removes a network; refused (`.conflict`, naming them) while containers are on it.
    public func remove(_ ref: String) throws(HiveError) -> NetworkRecord {
        if NetworkManager.predefined.contains(ref) {
            throw HiveError(.denied, "\(ref) is a pre-defined network and cannot be removed")
        }
        return try store.db.transaction(durable: false) { () throws(HiveError) -> NetworkRecord in
            guard let n = try store.network(ref) else { throw HiveError(.notFound, "network \(ref) not found") }
            if n.isDefault { throw HiveError(.denied, "\(n.name) is a pre-defined network and cannot be removed") }
            releaseStale(try store.endpoints(network: n.id))
            let left = try store.endpoints(network: n.id)
            if !left.isEmpty {
                let names = left.map { displayName($0.containerID) }.joined(separator: ", ")
                throw HiveError(.conflict, "network \(n.name) has active endpoints: \(names); disconnect or stop them first")
            }
            try store.deleteNetwork(n.id)
            removeBridge(n)
            try tidyIfIdle()
            return n
        }
    }

    /// The network `ref` names ("bridge" made on first use); `.notFound` naming it.
    public func network(_ ref: String) throws(HiveError) -> NetworkRecord {
        if ref == NetworkManager.defaultNetwork || ref == "default" { return try defaultNetwork() }
        if ref == "host" || ref == "none" { return NetworkManager.pseudoNetwork(ref) }
        guard let n = try store.network(ref) else { throw HiveError(.notFound, "network \(ref) not found") }
        return n
    }

    /// Every network, the default one included (made if missing), then `host` and `none`.
    public func list() throws(HiveError) -> [NetworkRecord] {
        _ = try defaultNetwork()
        return try store.networks() + ["host", "none"].map(NetworkManager.pseudoNetwork)
    }

    /// The default network's record, made if missing (its bridge is made by the first attach).
    func defaultNetwork() throws(HiveError) -> NetworkRecord {
        if let n = try store.network(NetworkManager.defaultNetwork), n.name == NetworkManager.defaultNetwork { return n }
        let routes = (try? hostSocket().routes(.v4)) ?? []
        return try store.db.transaction(durable: false) { () throws(HiveError) -> NetworkRecord in
            let existing = try store.networks()
            if let n = existing.first(where: { $0.name == NetworkManager.defaultNetwork }) { return n }
            let subnet: Subnet
            if let s = settings.defaultSubnet {
                try checkFree(s, networks: existing, routes: routes.filter { $0 != s })
                subnet = s
            } else {
                subnet = try IPAM.pickSubnet(pools: settings.pools, used: existing.map(\.subnet) + routes.filter { $0.prefix > 0 })
            }
            var options: [String: String] = ["com.docker.network.bridge.name": settings.defaultBridge]
            if settings.mtu > 0 { options["com.docker.network.driver.mtu"] = String(settings.mtu) }
            let n = NetworkRecord(id: DockerNames.randomID(), name: NetworkManager.defaultNetwork, bridge: settings.defaultBridge,
                                  subnet: subnet, gateway: IPAM.defaultGateway(subnet), options: options, created: Timestamp.now().unixNanos)
            try store.insertNetwork(n)
            return n
        }
    }

    /// A given subnet overlaps no hive network and no route of the host (its
    /// default route aside), or a one-line error naming what it overlaps.
    func checkFree(_ s: Subnet, networks: [NetworkRecord], routes: [Subnet]) throws(HiveError) {
        if let other = networks.first(where: { $0.subnet.overlaps(s) }) {
            throw HiveError(.conflict, "subnet \(s) overlaps network \(other.name) (\(other.subnet))")
        }
        if let route = routes.first(where: { $0.prefix > 0 && $0.overlaps(s) }) {
            throw HiveError(.conflict, "subnet \(s) overlaps a route of the host (\(route)); choose another --subnet")
        }
    }

    /// `--aux-address NAME=IP`: each a host address of the network's IPv4 or
    /// IPv6 subnet other than its gateway, as Docker's default IPAM requires;
    /// kept in their canonical form.
    func auxAddresses(_ given: [String: String], subnet: Subnet, gateway: IPAddress, subnet6: Subnet?, gateway6: IPAddress?) throws(HiveError) -> [String: String] {
        var out: [String: String] = [:]
        for (name, text) in given {
            guard let ip = IPAddress(text) else { throw HiveError(.invalidArgument, "invalid --aux-address \(name)=\(text): not an IP address") }
            let (s, g) = ip.family == .v4 ? (subnet, gateway) : (subnet6 ?? subnet, gateway6)
            guard s.family == ip.family, s.contains(ip) else {
                throw HiveError(.invalidArgument, "--aux-address \(name)=\(ip) is not in the network's subnet (\(ip.family == .v4 ? subnet.description : subnet6?.description ?? "no IPv6 subnet: add --ipv6"))")
            }
            if ip == g { throw HiveError(.invalidArgument, "--aux-address \(name)=\(ip) is the network's gateway (pick another address)") }
            out[name] = ip.description
        }
        return out
    }

    func gatewayAddress(_ text: String?, subnet: Subnet) throws(HiveError) -> IPAddress {
        guard let text else { return IPAM.defaultGateway(subnet) }
        guard let ip = IPAddress(text), ip.family == subnet.family else { throw HiveError(.invalidArgument, "invalid --gateway \"\(text)\"") }
        guard subnet.contains(ip), ip != subnet.address, subnet.family == .v6 || ip != subnet.last else {
            throw HiveError(.invalidArgument, "--gateway \(ip) is not a host address of the subnet \(subnet)")
        }
        return ip
    }

    /// fdXX:XXXX:XXXX::/64 with 40 random bits (RFC 4193).
    static func ulaSubnet() -> Subnet {
        var b = [UInt8](repeating: 0, count: 16)
        b[0] = ulaPrefix
        for i in 1..<6 { b[i] = UInt8.random(in: 0...255) }
        return Subnet(address: IPAddress(bytes: b), prefix: 64)
    }
}
