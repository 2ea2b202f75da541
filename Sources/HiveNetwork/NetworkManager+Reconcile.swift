// Releasing endpoints: on a container's exit (detach), on `network
// disconnect`, and when their holder is gone (a `kill -9` of the CLI or the
// monitor): reconcile finds those by the holder's pid and start time, and
// removes namespace pins no endpoint and no running container explains,
// host veths and published-port elements of the firewall no endpoint claims.
// Host ports are chosen here too (`-p CPORT`, `-P`).
import Glibc
import HivePlatform
import HiveStore

extension NetworkManager {
    /// Releases endpoints whose holder is gone (a `kill -9` anywhere); returns how many.
    @discardableResult
    public func reconcile() -> Int {
        var released = 0
        try? store.db.transaction(durable: false) { () throws(HiveError) in
            let all = try store.allEndpoints()
            released = releaseStale(all)
            let rows = released == 0 ? all : try store.allEndpoints()  // what releaseStale left
            let holders = Set(rows.map(\.containerID))
            let dir = runroot + "/netns"
            for id in Files.names(in: dir) {
                guard id.utf8.count == 64, id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { continue }
                if !holders.contains(id) && !containerRuns(id) && !containerStarting(id) { NetNamespace.remove(dir + "/" + id) }
            }
            removeOrphanVeths(rows)
            removeOrphanPorts(rows)
        }
        return released
    }

    /// Inside the caller's transaction (no attach is half done): deletes the host ends on
    /// hive's bridges that no endpoint row (`rows`: all of them) claims (a command killed
    /// before its transaction committed, or a namespace still held by a process hive lost track of).
    func removeOrphanVeths(_ rows: [EndpointRecord]) {
        guard let host = try? hostSocket(), let links = try? host.linkDetails(), let nets = try? store.networks() else { return }
        let bridgeNames = Set(nets.map(\.bridge))
        let bridges = Set(links.filter { $0.kind == "bridge" && bridgeNames.contains($0.name) }.map(\.index))
        let claimed = Set(rows.map(\.hostInterface))
        for l in links where l.kind == "veth" && l.name.hasPrefix("veth") && !claimed.contains(l.name) {
            guard let m = l.master, bridges.contains(m) else { continue }
            try? host.deleteLink(l.name)
        }
    }

    /// Inside the caller's transaction (no attach is half done): removes the firewall's
    /// published-port elements that no endpoint's published port (`rows`: all of them)
    /// explains (a `kill -9` between the kernel's change and the rows' removal, or a database restored).
    func removeOrphanPorts(_ rows: [EndpointRecord]) {
        let fw = firewall
        guard let elements = try? fw.published(), !elements.isEmpty else { return }
        func key(_ m: PortMapping, _ target: IPAddress) -> String {
            let host = m.hostIP.flatMap { $0.isUnspecified ? nil : $0.description } ?? ""
            return "\(m.proto.rawValue) \(host) \(m.hostPort) \(target) \(m.containerPort)"
        }
        var claimed: Set<String> = []
        for e in rows { if let ip = e.ipv4 { for p in e.ports { claimed.insert(key(p, ip)) } } }
        for el in elements where !claimed.contains(key(el.mapping, el.target)) {
            try? fw.unpublish([el.mapping], to: el.target)
        }
    }

    /// Inside the caller's transaction: releases the endpoints of `rows` whose
    /// holder is gone; one whose container still runs is handed to its init.
    @discardableResult
    func releaseStale(_ rows: [EndpointRecord]) -> Int {
        var gone: [EndpointRecord] = []
        for e in rows where !NetworkManager.alive(e.holderPID, e.holderStart) {
            if let r = try? store.container(e.containerID), r.state == .running, let pid = r.pid, NetworkManager.alive(pid, r.pidStart ?? 0) {
                try? store.setEndpointHolder(container: e.containerID, pid: pid, start: r.pidStart ?? 0)
            } else {
                gone.append(e)
            }
        }
        if gone.isEmpty { return 0 }
        // their host ends are deleted (28 ms each, on this rare path): a namespace a lost process
        // still holds would keep the pair, and one unpinned below keeps it ~35 ms more
        release(gone, deleteVeth: true)
        for id in Set(gone.map(\.containerID)) where (try? store.endpoints(container: id))?.isEmpty != false {
            NetNamespace.remove(netnsPath(id))
        }
        return gone.count
    }

    /// Inside the caller's transaction: unpublishes the endpoints' ports, deletes their host
    /// veths (`deleteVeth`: otherwise they go with the namespace) and rows, updates the peers.
    func release(_ rows: [EndpointRecord], deleteVeth: Bool = false) {
        if rows.isEmpty { return }
        var nets: [NetworkRecord] = []
        let fw = firewall  // one socket for all of them
        for e in rows {
            if !e.ports.isEmpty, let ip = e.ipv4 { try? fw.unpublish(e.ports, to: ip) }
            if deleteVeth { try? hostSocket().deleteLink(e.hostInterface) }
            try? store.deleteEndpoint(container: e.containerID, network: e.networkID)
            if let n = try? store.network(e.networkID), !n.isDefault, !nets.contains(where: { $0.id == n.id }) { nets.append(n) }
        }
        for id in Set(rows.map(\.containerID)) { try? updatePeers(on: nets, except: id) }
    }

    /// Whether process `pid` is the one that started at `start` (clock ticks after boot).
    static func alive(_ pid: Int32, _ start: Int64) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) && ProcStat.startTime(pid) == start
    }

    /// Whether container `id`'s record says it runs and its init is there.
    func containerRuns(_ id: String) -> Bool {
        guard let r = try? store.container(id), r.state == .running, let pid = r.pid else { return false }
        return NetworkManager.alive(pid, r.pidStart ?? 0)
    }

    /// Whether container `id` is created, not yet running: `--network container:NAME`
    /// pins its namespace before its launch with no endpoint row (detach or rm removes it).
    func containerStarting(_ id: String) -> Bool {
        (try? store.container(id))??.state == .created
    }

    /// Host ports for mappings that name none (the ephemeral range, free in
    /// the state database and on the host); requested ones checked on the host
    /// (a clash with another container is the database's: insertEndpoint).
    func choosePorts(_ ports: [PortMapping]) throws(HiveError) -> [PortMapping] {
        if ports.isEmpty { return [] }
        var used = Set(try store.publishedPorts().map { "\($0.proto)/\($0.hostPort)" })
        let ephemeral = ephemeralRange()
        var out: [PortMapping] = []
        for var p in ports {
            if p.hostPort == 0 {
                let range = p.hostRange ?? ephemeral  // -p 8000-8010:80: one free port of the range
                var found: UInt16? = nil
                var port = range.lowerBound
                while port <= range.upperBound {
                    if !used.contains("\(p.proto)/\(port)") && Netlink.portIsFree(p.proto, ip: p.hostIP, port: port) { found = port; break }
                    if port == UInt16.max { break }
                    port += 1
                }
                guard let found else { throw HiveError(.unavailable, "no free host port for \(p.containerPort)/\(p.proto) in \(range.lowerBound)-\(range.upperBound)") }
                p.hostPort = found
                p.hostRange = nil
            } else if !used.contains("\(p.proto)/\(p.hostPort)"), !Netlink.portIsFree(p.proto, ip: p.hostIP, port: p.hostPort) {
                throw HiveError(.conflict, "host port \(p.hostPort)/\(p.proto) is in use on the host")
            }
            used.insert("\(p.proto)/\(p.hostPort)")
            out.append(p)
        }
        return out
    }

    /// The host's ephemeral port range (net.ipv4.ip_local_port_range), or Docker's 49153-65535.
    func ephemeralRange() -> ClosedRange<UInt16> {
        let parts = (Netlink.sysctl("net.ipv4.ip_local_port_range") ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        if parts.count == 2, let lo = UInt16(parts[0]), let hi = UInt16(parts[1]), lo > 0, lo <= hi { return lo...hi }
        return 49153...65535
    }
}
