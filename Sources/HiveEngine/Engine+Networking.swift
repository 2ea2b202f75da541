// The command's network manager: one per command, made on first use (a run
// with --network none or host never makes one) from hive.toml's [network].
// The engine's network funnel: before every launch of a container on a
// network (run, start, start -a, a build's RUN step) `attachNetwork`; in the
// transaction that marks it running `holdNetwork`; on its exit and removal
// `detachNetwork`. `container:NAME` joins the other one's namespace.
import Glibc
import HiveHooks
import HiveNetwork
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// The network manager for this command (made once).
    public func networks() throws -> NetworkManager {
        if let networkManager { return networkManager }
        let m = NetworkManager(store: store, runroot: store.runroot, containersDir: store.containersDir, settings: try networkSettings())
        m.containerName = { [unowned self] id in (try? self.store.container(id))??.name }
        networkManager = m
        return m
    }

    /// hive.toml's [network] as the manager's settings.
    func networkSettings() throws -> NetworkSettings {
        try NetworkSettings(config: config().network)
    }

    /// Where container `id`'s own namespace is pinned (without making a manager).
    func netnsPath(_ id: String) -> String { NetworkManager.netnsPath(runroot: store.runroot, id: id) }

    /// What the planner needs of the network before it plans container `id`: the
    /// namespace it joins (its own pin: for container:NAME too, pinned to that
    /// one's at every start), for container:NAME the files it shares (and the mode
    /// kept as `container:ID`, as Docker keeps it), the default gateway for
    /// `--add-host NAME:host-gateway`.
    func networkInputs(_ o: inout RunOptions, id: String, into inputs: inout ContainerPlanner.Inputs) throws {
        let mode = try NetworkMode.parse(o.network)
        var shares = false
        switch mode {
        case .container(let ref):
            let other = try runningNetworkOwner(ref)
            o.network = "container:" + other.id
            shares = true
            inputs.sharedDir = containerDir(other.id)
            inputs.sharedHostname = spec(other)?.hostname
        default: break
        }
        if mode.attaches || shares { inputs.netnsPath = netnsPath(id) }
        if o.extraHosts.contains(where: { $0.hasSuffix(ExtraHost.hostGateway) }) {
            inputs.hostGateway = try networks().network(NetworkManager.defaultNetwork).gateway
        }
    }

    /// create, before the image is looked up (after pre-create hooks, which may change
    /// it): a named network exists (Docker refuses at create; no manager is made).
    func checkNetworkExists(_ o: RunOptions) throws {
        guard case .network(let name) = try NetworkMode.parse(o.network) else { return }
        guard try store.network(name) != nil else { throw networkNotFound(name) }
    }

    /// container:NAME: the container must run (Docker's message otherwise).
    func runningNetworkOwner(_ ref: String) throws -> ContainerRecord {
        guard let other = try store.container(ref) else { throw HiveError(.notFound, "no such container: \(ref) (for --network container:\(ref))") }
        guard isAlive(other) else { throw HiveError(.conflict, "cannot join network of a non running container: \(other.name)") }
        return other
    }

    /// The other container's namespace now: its pin (its own network, or the one it
    /// shares), else its init's (--network none).
    func joinPath(_ other: ContainerRecord) -> String {
        let pin = netnsPath(other.id)
        return access(pin, F_OK) == 0 ? pin : "/proc/\(other.pid ?? 0)/ns/net"
    }

    /// container:NAME, before every start: the container's own pin is made the
    /// namespace `other` has now (its plan joins the pin), so a start after
    /// `other` restarted joins its new namespace, never a stale /proc path.
    func pinShared(_ id: String, joining other: ContainerRecord) throws {
        let fd = try NetNamespace.open(joinPath(other))
        defer { close(fd) }
        // the init we opened through is still the one the record names (no reused pid)
        guard isAlive(other) else { throw HiveError(.conflict, "cannot join network of a non running container: \(other.name)") }
        let path = netnsPath(id)
        NetNamespace.remove(path)
        try NetNamespace.pin(fd, at: path)
    }

    /// What a container asks of its networks, as the manager's endpoint requests: its
    /// `--network`, then the networks `network connect` recorded.
    static func endpointRequests(network: NetworkMode, net: NetworkRequest?) throws -> [EndpointRequest] {
        guard let name = network.networkName else { return [] }
        var e = EndpointRequest(network: name)
        let net = net ?? NetworkRequest()
        e.aliases = net.aliases
        e.ip = net.ip
        e.ip6 = net.ip6
        e.mac = net.mac
        for p in net.ports { e.ports += try PortSpec.parse(p) }
        if net.publishAll {
            for x in net.exposed {
                for (port, proto) in try PortSpec.parseExposed(x)
                where !e.ports.contains(where: { $0.containerPort == port && $0.proto == proto && $0.hostPort == 0 }) {
                    e.ports.append(PortMapping(proto: proto, hostIP: nil, hostPort: 0, containerPort: port))
                }
            }
        }
        return [e] + net.connected.map { c in
            var x = EndpointRequest(network: c.network)
            x.aliases = c.aliases
            x.ip = c.ip
            x.ip6 = c.ip6
            return x
        }
    }

    /// Before container `r` is launched: its endpoints (nil when its mode has none of its own).
    /// container:NAME checks the other one still runs.
    @discardableResult
    func attachNetwork(_ r: ContainerRecord, hostsBase: String = "", prepared: NetNamespace.Prepared? = nil, events: Bool = true) throws -> Attachment? {
        guard let s = spec(r) else { return nil }
        let mode = try NetworkMode.parse(s.network)
        if case .container(let ref) = mode {
            try pinShared(r.id, joining: try runningNetworkOwner(ref))
            return nil
        }
        guard mode.attaches else { return nil }
        let requests = try Engine.endpointRequests(network: mode, net: s.net)
        let a = try networks().attach(container: r.id, name: r.name, hostname: s.hostname, hostsBase: hostsBase, endpoints: requests,
                                      prepared: prepared)
        Profile.mark("attached")
        if events { for e in a.endpoints { networkEvent(.onConnect, "connect", r, e, netns: a.netnsPath) } }
        return a
    }

    /// A container joined or left a network: the event log and on-connect/on-disconnect hooks,
    /// with the namespace's path and the interface names (a hook may wire more into them).
    func networkEvent(_ event: HookEvent, _ action: String, _ r: ContainerRecord, _ e: Endpoint, netns: String) {
        let n = e.network, x = e.record
        emit(event, EventRecord(type: "network", action: action, id: n.id, attributes: ["container": r.id, "name": n.name, "type": n.driver]),
             context: .object([
                "network": .object(["id": .string(n.id), "name": .string(n.name), "bridge": .string(n.bridge), "subnet": .string(n.subnet.description),
                                    "gateway": .string(n.gateway.description), "internal": .bool(n.isInternal)]),
                "container": .object(["id": .string(r.id), "name": .string(r.name)]),
                "netns": .string(netns), "interface": .string(x.interface), "host_interface": .string(x.hostInterface),
                "ipv4": x.ipv4.map { .string($0.description) } ?? .null, "ipv6": x.ipv6.map { .string($0.description) } ?? .null,
                "mac": .string(x.mac.description), "aliases": .array(x.aliases.map(JSONValue.string)),
             ]), subject: containerSubject(r))
    }

    /// Inside the transaction that marks `id` running: its endpoints are held by `pid`.
    func holdNetwork(_ id: String, pid: pid_t, start: Int64) throws(HiveError) {
        guard let m = networkManager else { return }
        try m.hold(container: id, pid: pid, start: start)
    }

    /// On exit or removal: releases what the container had (nothing to do, and no
    /// manager made, for one that never had a namespace of its own).
    func detachNetwork(_ id: String, events: Bool = true) {
        let pinned = access(netnsPath(id), F_OK) == 0
        guard pinned || networkManager != nil, let m = try? networks() else { return }
        let gone = (try? m.endpoints(container: id)) ?? []
        guard pinned || !gone.isEmpty else { return }  // released already (exit, then removal)
        m.detach(container: id)
        Profile.mark("detached")
        if events, !gone.isEmpty, let r = try? store.container(id) {
            for e in gone { networkEvent(.onDisconnect, "disconnect", r, e, netns: m.netnsPath(id)) }
        }
    }
}
