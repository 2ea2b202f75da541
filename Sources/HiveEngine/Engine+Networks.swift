// The network verbs over the command's NetworkManager (Engine+Networking.swift):
// create, rm, ls, inspect, prune, connect, disconnect, and what `port`,
// `ps` and container inspect show of a container's network. Each network
// made or removed, and each container connected or disconnected by a verb,
// is an event (the event log, and the on-network-create, on-network-remove,
// on-connect and on-disconnect hooks). Docker's shapes: NetworkInspect.swift.
import Glibc
import HiveHooks
import HiveNetwork
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    // MARK: - networks

    public func createNetwork(_ r: NetworkCreateRequest) throws -> NetworkRecord {
        let n = try networks().create(r)
        emit(.onNetworkCreate, EventRecord(type: "network", action: "create", id: n.id, attributes: ["name": n.name, "type": n.driver]),
             context: networkContext(n))
        return n
    }

    /// Removes one network (never a predefined one; refused while containers are on it).
    public func removeNetwork(_ ref: String) throws {
        networkRemovedEvent(try networks().remove(ref))
    }

    /// Every network by name (Docker's order), host and none included.
    public func listNetworks() throws -> [NetworkInspect.Listing] {
        let m = try networks()
        m.reconcile()
        var counts: [String: Int] = [:]
        for e in try store.allEndpoints() { counts[e.networkID, default: 0] += 1 }
        return try m.list().map { NetworkInspect.Listing($0, containers: counts[$0.id] ?? 0) }.sorted { $0.name < $1.name }
    }

    /// `network inspect`: Docker's JSON, with the containers on it now.
    public func networkInfo(_ ref: String) throws -> JSONValue {
        let m = try networks()
        let n = try m.network(ref)
        if n.isPseudo { return NetworkInspect.json(n, containers: []) }
        m.reconcile()
        var ctrs: [(name: String, endpoint: EndpointRecord)] = []
        for e in try store.endpoints(network: n.id) {
            ctrs.append(((try store.container(e.containerID))?.name ?? String(e.containerID.prefix(12)), e))
        }
        return NetworkInspect.json(n, containers: ctrs)
    }

    /// `network prune`: user networks no container is on, that `keep` does not keep; their names.
    public func pruneNetworks(keep: (NetworkRecord) -> Bool = { _ in false }) throws -> [String] {
        let m = try networks()
        m.reconcile()
        let used = Set(try store.allEndpoints().map(\.networkID))
        var removed: [String] = []
        for n in try store.networks() where !n.isPredefined && !used.contains(n.id) && !keep(n) {
            // a container may have joined since: the manager refuses then, and prune skips it
            guard let gone = try? m.remove(n.id) else { continue }
            networkRemovedEvent(gone)
            removed.append(gone.name)
        }
        return removed
    }

    // MARK: - containers

    /// `network connect [--alias] [--ip] [--ip6] NET CTR`: a running container gets the
    /// endpoint now; either way the network is recorded in its spec, so every later
    /// start attaches it too (Docker's: a created container is connected at start).
    public func connectNetwork(_ ref: String, container: String, aliases: [String], ip: String?, ip6: String?) throws {
        let r = try record(container)
        let m = try networks()
        var req = EndpointRequest(network: ref)
        req.aliases = aliases
        req.ip = ip
        req.ip6 = ip6
        let n = try m.validate(req)
        guard let s = spec(r) else { throw HiveError(.io, "the record of container \(r.name) cannot be read") }
        let mode = try NetworkMode.parse(s.network)
        guard let primary = mode.networkName else {
            if case .container = mode {
                throw HiveError(.conflict, "container \(r.name) shares the network namespace of another container (--network \(s.network)): it cannot be connected to other networks")
            }
            throw HiveError(.conflict, "container \(r.name) runs with --network \(s.network): it cannot be connected to other networks")
        }
        let net = s.net ?? NetworkRequest()
        // --network may name the network by ID; a connection holds the name connect gave it
        let isPrimary = (try? m.network(primary))?.id == n.id
        let alive = isAlive(r)
        if !alive && (isPrimary || net.connected.contains(where: { $0.network == n.name })) {
            throw HiveError(.conflict, "container \(r.name) is already connected to network \(n.name)")
        }
        var conn = NetworkRequest.Connection(network: n.name)
        conn.aliases = aliases
        conn.ip = ip
        conn.ip6 = ip6
        // recorded once (a running container's --network is not: it is attached anyway)
        let record = { (list: inout [NetworkRequest.Connection]) in
            if !isPrimary && !list.contains(where: { $0.network == n.name }) { list.append(conn) }
        }
        if alive {
            let e = try m.connect(container: r.id, name: r.name, endpoint: req)
            do { try recordConnections(r.id, record) } catch {
                try? m.disconnect(container: r.id, network: n.id)
                throw error
            }
            networkEvent(.onConnect, "connect", r, e, netns: m.netnsPath(r.id))
        } else {
            try recordConnections(r.id, record)
        }
    }

    /// `network disconnect [-f] NET CTR` (with `force`, a container that is gone is fine):
    /// the endpoint of a running container released, the network no longer recorded.
    public func disconnectNetwork(_ ref: String, container: String, force: Bool) throws {
        let m = try networks()
        let n = try m.network(ref)
        guard let r = try store.container(container) else {
            if force { return }
            throw HiveError(.notFound, "no such container: \(container) (hive ps -a lists them)")
        }
        let recorded = (spec(r)?.net?.connected ?? []).contains { $0.network == n.name }
        let alive = isAlive(r)
        let before = alive ? try m.endpoints(container: r.id).first { $0.network.id == n.id } : nil
        if before == nil && !recorded {
            if !alive, let s = spec(r), (try? NetworkMode.parse(s.network))?.networkName.flatMap({ try? m.network($0) })?.id == n.id {
                throw HiveError(.conflict, "network \(n.name) is the --network of container \(r.name), which is not running: it cannot be disconnected (create the container again with another --network)")
            }
            throw HiveError(.notFound, "container \(r.name) is not connected to network \(n.name)")
        }
        if let before {
            try m.disconnect(container: r.id, network: n.id)
            networkEvent(.onDisconnect, "disconnect", r, before, netns: m.netnsPath(r.id))
        }
        if recorded { try recordConnections(r.id) { list in list.removeAll { $0.network == n.name } } }
    }

    /// Changes the networks recorded in container `id`'s spec, in one write transaction.
    func recordConnections(_ id: String, _ change: (inout [NetworkRequest.Connection]) -> Void) throws {
        try store.db.transaction(durable: false) { () throws(HiveError) in
            guard let r = try store.container(id), var s = spec(r) else { throw HiveError(.notFound, "no such container: \(id.prefix(12))") }
            var net = s.net ?? NetworkRequest()
            change(&net.connected)
            s.net = net == NetworkRequest() ? nil : net
            try store.updateContainerConfig(id, s.json)
        }
    }

    /// `hive port`: a running container's published ports (empty otherwise).
    public func publishedPorts(_ ref: String) throws -> [NetworkInspect.PublishedPort] {
        let r = try record(ref)
        guard isAlive(r) else { return [] }
        return NetworkInspect.published(try store.endpoints(container: r.id))
    }

    /// `ps`: the published ports and network names of running containers, by container ID.
    /// One query, and no network manager (nothing is made or reconciled).
    public func containerNetworks() throws -> (ports: [String: [NetworkInspect.PublishedPort]], networks: [String: [String]]) {
        let endpoints = try store.allEndpoints()
        if endpoints.isEmpty { return ([:], [:]) }
        let names = Dictionary(try store.networks().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var ports: [String: [NetworkInspect.PublishedPort]] = [:]
        var nets: [String: [String]] = [:]
        for e in endpoints {
            ports[e.containerID, default: []] += NetworkInspect.published([e])
            nets[e.containerID, default: []].append(names[e.networkID] ?? String(e.networkID.prefix(12)))
        }
        return (ports, nets)
    }

    /// A container inspect's network keys: NetworkSettings, HostConfig's
    /// network keys and Config.ExposedPorts, set on `inspect` (ContainerInspect's JSON).
    func withNetworkSettings(_ inspect: JSONValue, _ r: ContainerRecord, running: Bool) throws -> JSONValue {
        guard case .object(var o) = inspect, let s = spec(r) else { return inspect }
        let net = s.net ?? NetworkRequest()
        let endpoints = running ? try store.endpoints(container: r.id) : []
        let attached = try attachedNetworks(s, endpoints: endpoints) { ref throws(HiveError) in try store.network(ref) }
        let sandbox = running && s.network != "host" ? (endpoints.isEmpty ? "/proc/\(r.pid ?? 0)/ns/net" : netnsPath(r.id)) : nil
        let exposed = NetworkInspect.exposedKeys(net)
        o["NetworkSettings"] = NetworkInspect.settings(containerID: r.id, networks: attached, exposed: exposed, running: running, sandboxKey: sandbox)
        if case .object(var hc) = o["HostConfig"] {
            for (k, v) in NetworkInspect.hostConfig(network: s.network, net: net, extraHosts: s.extraHosts ?? []) { hc[k] = v }
            o["HostConfig"] = .object(hc)
        }
        // joined with the image's EXPOSE (ContainerInspect.config), as Docker's daemon merges them into Config
        if case .object(var cfg) = o["Config"], !exposed.isEmpty {
            var all = cfg["ExposedPorts"]?.objectValue ?? [:]
            for k in exposed { all[k] = .object([:]) }
            cfg["ExposedPorts"] = .object(all)
            o["Config"] = .object(cfg)
        }
        return .object(o)
    }

    /// A container's networks as inspect shows them: its endpoints while it
    /// runs, else the network it asked for and those connected since
    /// (`network`: a network record by name or ID).
    func attachedNetworks(_ s: ContainerSpec, endpoints: [EndpointRecord],
                          network: (String) throws(HiveError) -> NetworkRecord?) throws -> [NetworkInspect.Attached] {
        var attached: [NetworkInspect.Attached] = []
        if !endpoints.isEmpty {
            for e in endpoints {
                let n = try network(e.networkID)
                attached.append(NetworkInspect.Attached(name: n?.name ?? e.networkID, networkID: e.networkID, network: n, endpoint: e))
            }
            return attached
        }
        switch try? NetworkMode.parse(s.network) {
        case .host?, .none?:
            let p = NetworkManager.pseudoNetwork(s.network)
            attached.append(NetworkInspect.Attached(name: p.name, networkID: p.id, network: nil, endpoint: nil))
        case .bridge?, .network?:
            // --network, then what `network connect` recorded
            for ref in [try NetworkMode.parse(s.network).networkName ?? s.network] + (s.net ?? NetworkRequest()).connected.map(\.network) {
                let n = try network(ref)
                attached.append(NetworkInspect.Attached(name: n?.name ?? ref, networkID: n?.id ?? "", network: n, endpoint: nil))
            }
        default: break
        }
        return attached
    }

    // MARK: - events

    func networkNotFound(_ ref: String) -> HiveError { HiveError(.notFound, "network \(ref) not found") }

    /// What hooks see of a network.
    func networkContext(_ n: NetworkRecord) -> JSONValue {
        var o: [String: JSONValue] = [
            "type": .string("network"), "id": .string(n.id), "name": .string(n.name), "driver": .string(n.driver),
            "bridge": .string(n.bridge), "subnet": .string(n.subnet.description), "gateway": .string(n.gateway.description),
            "internal": .bool(n.isInternal), "labels": .object(n.labels.mapValues(JSONValue.string)),
            "options": .object(n.options.mapValues(JSONValue.string)),
        ]
        if let r = n.ipRange { o["ip_range"] = .string(r.description) }
        if let s6 = n.subnet6 { o["subnet6"] = .string(s6.description) }
        if let g6 = n.gateway6 { o["gateway6"] = .string(g6.description) }
        return .object(o)
    }

    func networkRemovedEvent(_ n: NetworkRecord) {
        emit(.onNetworkRemove, EventRecord(type: "network", action: "destroy", id: n.id, attributes: ["name": n.name, "type": n.driver]),
             context: networkContext(n))
    }
}
