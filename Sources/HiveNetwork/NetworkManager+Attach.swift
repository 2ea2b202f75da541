// A container's endpoints: attach before it starts (one write transaction of
// the state database, whose lock is the IPAM lock: stale endpoints of those
// networks reclaimed, addresses and host ports chosen, rows inserted, the
// namespace pinned, a veth pair per network with its peer made inside the
// namespace and configured there, ports published, hosts files written), hold
// once its init runs, detach when it stops; connect and disconnect while it runs.
import Glibc
import HivePlatform
import HiveStore

extension NetworkManager {
    /// Before container `id` starts: its namespace pinned at `netnsPath(id)` (from `prepared` if
    /// given), an endpoint on each network asked for, its hosts file (`hostsBase` + its
    /// addresses + peers) and the peers' files updated. Holder: this process until `hold`.
    /// On failure nothing stays.
    public func attach(container id: String, name: String, hostname: String, hostsBase: String,
                       endpoints reqs: [EndpointRequest], prepared: NetNamespace.Prepared?) throws(HiveError) -> Attachment {
        var nets: [NetworkRecord] = []
        for r in reqs {
            let n = try network(r.network)
            try check(r, on: n)
            guard !nets.contains(where: { $0.id == n.id }) else {
                throw HiveError(.invalidArgument, "network \(n.name) is given twice for container \(name)")
            }
            nets.append(n)
        }
        let ns = prepared ?? NetNamespace.prepare()
        let fd = try ns.take()
        defer { close(fd) }
        let path = netnsPath(id)
        var made: [Endpoint] = []
        var pinned = false
        do {
            return try store.db.transaction(durable: false) { () throws(HiveError) -> Attachment in
                var stale: [EndpointRecord] = []
                for n in nets { stale += try store.endpoints(network: n.id) }
                releaseStale(stale + (try store.endpoints(container: id)))
                NetNamespace.remove(path)  // a pin a killed command left
                try NetNamespace.pin(fd, at: path)
                pinned = true
                // the socket the making thread opened inside (no second thread joining the namespace)
                let inside: Netlink.Socket
                if let s = ns.socket() { inside = s } else { inside = try Netlink.Socket(netnsFD: fd) }
                var routed = false
                for (i, n) in nets.enumerated() {
                    let e = try addEndpoint(container: id, name: name, request: reqs[i], network: n, index: i, netnsFD: fd, inside: inside,
                                            defaultRoute: !routed && !n.isInternal)
                    routed = routed || !n.isInternal
                    made.append(e)
                }
                try writeHosts(container: id, name: name, hostname: hostname, base: hostsBase, endpoints: made)
                try updatePeers(on: nets, except: id)
                return Attachment(netnsPath: path, endpoints: made)
            }
        } catch {
            for e in made.reversed() { undoKernel(e.record) }  // the rows went with the transaction
            if pinned { NetNamespace.remove(path) }
            throw error
        }
    }

    /// Inside the caller's transaction: the endpoints of `id` are now held by its init.
    public func hold(container id: String, pid: Int32, start: Int64) throws(HiveError) {
        try store.setEndpointHolder(container: id, pid: pid, start: start)
    }

    /// Releases everything of container `id` (endpoints, ports, namespace pin, peers' hosts
    /// entries); idempotent, never fails the caller (what it cannot undo, reconcile does).
    public func detach(container id: String) {
        try? store.db.transaction(durable: false) { () throws(HiveError) in
            release(try store.endpoints(container: id))
        }
        NetNamespace.remove(netnsPath(id))
    }

    /// `network connect` on a running container (its namespace is pinned).
    public func connect(container id: String, name: String, endpoint r: EndpointRequest) throws(HiveError) -> Endpoint {
        let n = try network(r.network)
        try check(r, on: n)
        let path = netnsPath(id)
        guard access(path, F_OK) == 0 else {
            throw HiveError(.conflict, "container \(name) is not running on a network of its own (start it with --network, then connect it)")
        }
        let fd = try NetNamespace.open(path)
        defer { close(fd) }
        return try store.db.transaction(durable: false) { () throws(HiveError) -> Endpoint in
            releaseStale(try store.endpoints(network: n.id))
            let mine = try store.endpoints(container: id)
            if mine.contains(where: { $0.networkID == n.id }) {
                throw HiveError(.conflict, "container \(name) is already connected to network \(n.name)")
            }
            var index = 0
            while mine.contains(where: { $0.interface == "eth\(index)" }) { index += 1 }
            var routed = false
            for m in mine { if let o = try store.network(m.networkID), !o.isInternal { routed = true } }
            let inside = try Netlink.Socket(netnsFD: fd)
            let e = try addEndpoint(container: id, name: name, request: r, network: n, index: index, netnsFD: fd, inside: inside,
                                    defaultRoute: !routed && !n.isInternal)
            do throws(HiveError) {
                try refreshHosts(container: id)
                try updatePeers(on: [n], except: id)
            } catch {
                undoKernel(e.record)
                throw error
            }
            return e
        }
    }

    public func disconnect(container id: String, network ref: String) throws(HiveError) {
        let n = try network(ref)
        try store.db.transaction(durable: false) { () throws(HiveError) in
            guard let e = try store.endpoints(container: id).first(where: { $0.networkID == n.id }) else {
                throw HiveError(.notFound, "container \(displayName(id)) is not connected to network \(n.name)")
            }
            release([e], deleteVeth: true)
            try? refreshHosts(container: id)
        }
    }

    /// A container's endpoints with their networks (empty when stopped).
    public func endpoints(container id: String) throws(HiveError) -> [Endpoint] {
        let rows = try store.endpoints(container: id)
        if rows.isEmpty { return [] }
        let nets = try store.networks()
        return rows.compactMap { r in nets.first(where: { $0.id == r.networkID }).map { Endpoint(network: $0, record: r) } }
    }

    /// `network connect` to a container that is not running (recorded, attached at its
    /// next start): the network, checked as attach will (addresses inside its subnets).
    public func validate(_ r: EndpointRequest) throws(HiveError) -> NetworkRecord {
        let n = try network(r.network)
        try check(r, on: n)
        if let t = r.ip, !n.subnet.contains(try IPAM.requestedAddress(t, family: .v4, flag: "--ip")) {
            throw HiveError(.invalidArgument, "address \(t) is not in network \(n.name)'s subnet \(n.subnet)")
        }
        if let t = r.ip6, let s6 = n.subnet6, !s6.contains(try IPAM.requestedAddress(t, family: .v6, flag: "--ip6")) {
            throw HiveError(.invalidArgument, "address \(t) is not in network \(n.name)'s subnet \(s6)")
        }
        return n
    }

    /// A request that cannot be met on `n`, refused before anything is made (Docker's messages).
    func check(_ r: EndpointRequest, on n: NetworkRecord) throws(HiveError) {
        if n.isPseudo { throw HiveError(.invalidArgument, "container cannot be attached to network \(n.name) with others (use --network \(n.name) alone)") }
        if n.isDefault {
            if r.ip != nil || r.ip6 != nil { throw HiveError(.invalidArgument, "user specified IP address is supported on user defined networks only") }
            if !r.aliases.isEmpty { throw HiveError(.invalidArgument, "network-scoped aliases are supported for user defined networks only") }
        }
        for a in r.aliases where !NetworkManager.validHostName(a) {
            throw HiveError(.invalidArgument, "invalid network alias \"\(a)\" (letters, digits, _ . -)")
        }
        if let m = r.mac, MACAddress(m) == nil { throw HiveError(.invalidArgument, "invalid --mac-address \"\(m)\"") }
        if r.ip6 != nil && n.subnet6 == nil { throw HiveError(.invalidArgument, "network \(n.name) has no IPv6 subnet (--ip6 needs a network made with --ipv6)") }
    }

    static func validHostName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
        }
    }

    /// The host end's name: veth + 8 hex digits of the ID + the index + 2 random
    /// ones (at most 15 bytes): a restart never waits for the last run's pair,
    /// which the kernel deletes on its own some 35 ms after its namespace goes.
    static func hostInterface(_ id: String, _ index: Int) -> String {
        let tail = index < 10 ? String(UInt8.random(in: 16...255), radix: 16) : ""
        return "veth" + String(id.prefix(8)) + String(index) + tail
    }

    /// This process as an endpoint's holder until `hold` hands it over.
    static let me: (pid: Int32, start: Int64) = (getpid(), ProcStat.startTime(getpid()) ?? 0)

    /// One endpoint, inside the caller's transaction: its row, then its veth
    /// pair, addresses, route and published ports (undone if any fails).
    func addEndpoint(container id: String, name: String, request r: EndpointRequest, network n: NetworkRecord, index: Int,
                     netnsFD: Int32, inside: Netlink.Socket, defaultRoute: Bool) throws(HiveError) -> Endpoint {
        let taken = try store.endpoints(network: n.id)
        func parse(_ t: String?, _ family: IPFamily, _ flag: String) throws(HiveError) -> IPAddress? {
            try t.map { (t) throws(HiveError) in try IPAM.requestedAddress(t, family: family, flag: flag) }
        }
        // --aux-address: never handed out, and an --ip of one is in use
        let aux = n.auxAddresses.values.compactMap(IPAddress.init)
        let ipv4 = try IPAM.allocate(subnet: n.subnet, range: n.ipRange, gateway: n.gateway, taken: Set(taken.compactMap(\.ipv4) + aux),
                                     requested: try parse(r.ip, .v4, "--ip"), network: n.name)
        var ipv6: IPAddress? = nil
        if let s6 = n.subnet6, let g6 = n.gateway6 {
            ipv6 = try IPAM.allocate(subnet: s6, range: nil, gateway: g6, taken: Set(taken.compactMap(\.ipv6) + aux),
                                 requested: try parse(r.ip6, .v6, "--ip6"), network: n.name)
        }
        let ports = try choosePorts(r.ports)
        if !ports.isEmpty { Profile.mark("ports chosen") }
        var aliases: [String] = []
        if !n.isDefault {
            for a in [name, String(id.prefix(12))] + r.aliases where !aliases.contains(a) && !a.isEmpty { aliases.append(a) }
        }
        let rec = EndpointRecord(containerID: id, networkID: n.id, ipv4: ipv4, ipv6: ipv6, mac: r.mac.flatMap(MACAddress.init) ?? .derived(from: ipv4),
                                 aliases: aliases, hostInterface: NetworkManager.hostInterface(id, index), interface: "eth\(index)",
                                 ports: ports, holderPID: NetworkManager.me.pid, holderStart: NetworkManager.me.start)
        try store.insertEndpoint(rec)
        do {
            try plumb(rec, network: n, netnsFD: netnsFD, inside: inside, defaultRoute: defaultRoute)
        } catch {
            undoKernel(rec)
            throw error
        }
        return Endpoint(network: n, record: rec)
    }

    /// The veth pair (the peer made inside the namespace, with its MAC), the
    /// host end on the bridge, the peer's addresses, up, the default route, the ports.
    func plumb(_ e: EndpointRecord, network n: NetworkRecord, netnsFD: Int32, inside: Netlink.Socket, defaultRoute: Bool) throws(HiveError) {
        let host = try hostSocket()
        let bridge = try ensureBridge(n)
        let v6 = n.subnet6 != nil  // without IPv6 the links make no link-local address (no DAD work)
        do {
            try host.addVeth(e.hostInterface, peer: e.interface, peerNetnsFD: netnsFD, peerMAC: e.mac, mtu: mtu(n), noIPv6: !v6)
        } catch {
            // a host end a killed command left (its namespace is gone): once more without it
            try? host.deleteLink(e.hostInterface)
            try host.addVeth(e.hostInterface, peer: e.interface, peerNetnsFD: netnsFD, peerMAC: e.mac, mtu: mtu(n), noIPv6: !v6)
        }
        guard let hi = host.index(of: e.hostInterface), let ci = inside.index(of: e.interface) else {
            throw HiveError(.io, "the veth pair \(e.hostInterface)/\(e.interface) of network \(n.name) is missing after it was made")
        }
        try host.setLink(hi, up: true, master: bridge)
        if let ip = e.ipv4 { try inside.addAddress(ci, ip, prefix: n.subnet.prefix) }
        if let ip = e.ipv6, let s6 = n.subnet6 { try inside.addAddress(ci, ip, prefix: s6.prefix) }
        try inside.setLink(ci, up: true, master: nil, ipv6Auto: v6 ? nil : false)
        if defaultRoute {
            try inside.addRoute(to: nil, via: n.gateway, index: ci)
            if let g6 = n.gateway6, e.ipv6 != nil { try inside.addRoute(to: nil, via: g6, index: ci) }
        }
        if !e.ports.isEmpty, let ip = e.ipv4 {
            allowLocalnet(n)
            try firewall.publish(e.ports, to: ip, bridge: n.bridge)
            Profile.mark("published")
        }
    }

    /// Undoes `plumb` (what is missing is fine): the ports, the host end (its peer goes with it).
    func undoKernel(_ e: EndpointRecord) {
        if !e.ports.isEmpty, let ip = e.ipv4 { try? firewall.unpublish(e.ports, to: ip) }
        try? hostSocket().deleteLink(e.hostInterface)
    }
}
