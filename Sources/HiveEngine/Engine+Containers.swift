// Listing and removing containers. A "running" record whose process is gone
// (its CLI was killed: the container died with it) reads as exited.
import Glibc
import HiveArchive
import HiveNetwork
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

public struct ContainerSummary {
    public var id: String
    public var name: String
    public var image: String
    /// The command line as one string.
    public var command: String
    public var created: Int64
    public var state: String
    public var status: String
    public var exitCode: Int32?
    public var labelsJSON: String
    public var imageID: String
    /// A running container's health status (starting, healthy, unhealthy); "none" without a check.
    public var health = "none"
    public var labels: [String: String] { (try? JSONCoding.decode([String: String].self, from: Array(labelsJSON.utf8))) ?? [:] }
}

/// A container's mounts, networks and ports, as `ps` filters and shows them.
public struct ContainerDetails {
    public var mounts: [MountInfo] = []
    /// The volumes it uses (a volume with driver options mounts as its device: named only here).
    public var volumes: [String] = []
    /// Network names: the --network one, then those connected since.
    public var networks: [String] = []
    /// Container ports with a host binding (`80/tcp`): HostConfig.PortBindings keys.
    public var published: Set<String> = []
    /// Config.ExposedPorts keys.
    public var exposed: Set<String> = []
}

extension Engine {
    func isAlive(_ r: ContainerRecord) -> Bool {
        guard r.state == .running, let pid = r.pid else { return false }
        return ProcStat.alive(pid, start: r.pidStart)
    }

    public func listContainers() throws -> [ContainerSummary] {
        let now = Timestamp.now().unixNanos
        return try store.allContainers().map { r in
            var state = r.state.rawValue
            var status: String
            var health = "none"
            switch r.state {
            case .created: status = "Created"
            case .running:
                if isAlive(r) {
                    status = "Up " + HumanTime.duration((now - (r.started ?? now)) / 1_000_000_000)
                    if isPaused(r.id) { status += " (Paused)"; state = "paused" }
                    if let h = healthStatus(r.id) { health = h; status += h == "starting" ? " (health: starting)" : " (\(h))" }
                } else {
                    state = "exited"
                    status = "Exited (unknown): its process is gone"
                }
            case .exited where r.restarting && monitorAlive(r):
                state = "restarting"
                status = "Restarting (\(r.exitCode ?? -1)) " + HumanTime.duration((now - (r.finished ?? now)) / 1_000_000_000) + " ago"
            case .exited:
                status = "Exited (\(r.exitCode ?? -1)) " + HumanTime.duration((now - (r.finished ?? now)) / 1_000_000_000) + " ago"
            }
            return ContainerSummary(id: r.id, name: r.name, image: r.imageName, command: r.command, created: r.created,
                                    state: state, status: status, exitCode: r.exitCode, labelsJSON: r.labelsJSON, imageID: r.imageID.hex,
                                    health: health)
        }
    }

    /// What `ps` shows and filters on beyond the record: mounts, networks
    /// (kept after a stop, as Docker's NetworkSettings), published and exposed ports.
    public func details(_ c: ContainerSummary) -> ContainerDetails {
        var d = ContainerDetails()
        d.volumes = (try? store.volumeNames(of: c.id)) ?? []
        guard let r = try? store.container(c.id), let s = spec(r) else { return d }
        d.mounts = s.mounts ?? []
        let net = s.net ?? NetworkRequest()
        switch try? NetworkMode.parse(s.network) {
        case .host?: d.networks = ["host"]
        case .none?: d.networks = ["none"]
        case .bridge?: d.networks = ["bridge"]
        case .network(let n)?: d.networks = [n]
        default: break
        }
        d.networks += net.connected.map(\.network)
        d.exposed = Set(NetworkInspect.exposedKeys(net))
        for spec in net.ports {
            if let maps = try? PortSpec.parse(spec) { d.published.formUnion(maps.map { "\($0.containerPort)/\($0.proto.rawValue)" }) }
        }
        if net.publishAll { d.published.formUnion(d.exposed) }
        return d
    }

    /// Network names to IDs, for `ps --filter network=ID` (host and none included).
    public func networkIDs() throws -> [String: String] {
        var out = Dictionary(try store.networks().map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        for n in ["host", "none"] where out[n] == nil { out[n] = NetworkManager.pseudoNetwork(n).id }
        return out
    }

    /// Image IDs (hex) and their sizes, for `ps -s`'s virtual size.
    public func imageSizes() throws -> [String: Int64] {
        Dictionary(try store.allImages().map { ($0.id.hex, $0.size) }, uniquingKeysWith: { a, _ in a })
    }

    /// The image `ref` names and every image built on it (hex IDs), for `ps --filter ancestor=`.
    public func imageAndDescendants(_ ref: String) throws -> Set<String> {
        guard let id = try? resolveImage(ref).id else { return [] }
        let images = try store.allImages()
        var out: Set<Digest> = [id]
        var grew = true
        while grew {
            grew = false
            for i in images where !out.contains(i.id) {
                if let p = i.parent, out.contains(p) { out.insert(i.id); grew = true }
            }
        }
        return Set(out.map(\.hex))
    }

    /// Bytes in the container's writable layer (`ps -s`).
    public func writableSize(_ id: String) -> Int64 {
        FileTree.diskUsage(store.containersDir + "/" + id + "/upper")
    }

    public func removeContainer(_ ref: String, force: Bool, volumes: Bool = false) throws {
        guard var r = try store.container(ref) else {
            throw HiveError(.notFound, "no such container: \(ref) (hive ps -a lists them)")
        }
        if isRestarting(r) {
            guard force else {
                throw HiveError(.conflict, "cannot remove container \"\(ref)\": it is restarting: stop the container before removing or force remove")
            }
            r = try endRestarting(r)
        }
        if isAlive(r) {
            guard force else {
                throw HiveError(.conflict, "cannot remove container \"\(ref)\": container is running: stop the container before removing or force remove")
            }
            if isPaused(r.id) { try? Cgroups.freeze(cgroupDirs(r.id), false) }
            // stopped by the user: its restart policy does not bring it back
            markStopping(r.id)
            kill(r.pid!, SIGKILL)
            for _ in 0..<500 where kill(r.pid!, 0) == 0 { usleep(2000) }
        }
        if force { Cgroups.killAll(cgroupDirs(r.id)) }
        let wasRunning = r.state == .running
        try cleanupContainer(r.id, volumes: volumes)
        var gone = r
        if wasRunning {
            // the monitor finds no record to clean up: the exit is announced here
            gone.state = .exited
            gone.exitCode = 137
            emit(.onExit, containerEvent(gone, "die", ["exitCode": "137"]), context: containerOverlay(gone, extra: ["status": .int(137)]),
                 base: containerBase(gone), subject: containerSubject(gone))
            emit(.onStop, containerEvent(gone, "stop", ["by": "user"]), context: containerOverlay(gone, extra: ["by": .string("user")]),
                 base: containerBase(gone), subject: containerSubject(gone))
        }
        removedEvent(gone)
    }
}
