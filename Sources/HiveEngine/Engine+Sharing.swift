// What a container takes from another: `--ipc container:NAME` and `--pid
// container:NAME` (the other one's namespace, joined by the launcher through
// its init's /proc/PID/ns file, the init's start time checked after the open),
// and `--volumes-from CTR[:ro|rw]` (its volumes and binds). Resolved at create
// (the modes kept as container:ID, as Docker keeps them) and, for the
// namespaces, again before every start: the other one's init changes when it restarts.
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// create: container:NAME modes resolved to a running container and its init
    /// now; --volumes-from's mounts added after the request's own (a target the
    /// request mounts itself keeps the request's, as with Docker).
    func resolveSharing(_ o: inout RunOptions, into inputs: inout ContainerPlanner.Inputs) throws {
        if let ref = IsolationRequest.containerRef(o.isolation.ipc) {
            let (other, join) = try joinTarget(ref, kind: "IPC", flag: "ipc")
            guard let mode = spec(other)?.isolation?.ipc, mode == "shareable" || mode == "host" else {
                throw HiveError(.invalidArgument, "non-shareable IPC (hint: create \(other.name) with --ipc shareable to share its IPC namespace)")
            }
            o.isolation.ipc = "container:" + other.id
            inputs.ipcJoin = join
        }
        if let ref = IsolationRequest.containerRef(o.isolation.pid) {
            let (other, join) = try joinTarget(ref, kind: "PID", flag: "pid")
            o.isolation.pid = "container:" + other.id
            inputs.pidJoin = join
        }
        var resolved: [String] = []
        for v in o.volumesFrom {
            let parts = v.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), !parts[0].isEmpty else { throw HiveError(.invalidArgument, "invalid --volumes-from \"\(v)\" (use CONTAINER[:ro|rw])") }
            let mode = parts.count == 2 ? parts[1] : nil
            if let mode, mode != "ro" && mode != "rw" { throw HiveError(.invalidArgument, "invalid mode: \(mode) (--volumes-from \(v) takes ro or rw)") }
            guard let other = try store.container(parts[0]) else { throw HiveError(.notFound, "no such container: \(parts[0]) (for --volumes-from)") }
            for m in spec(other)?.mounts ?? [] where m.type != "tmpfs" && !o.mounts.contains(where: { $0.target == m.destination }) {
                let ro = mode.map { $0 == "ro" } ?? !m.rw
                o.mounts.append(m.type == "volume"
                    ? MountRequest(kind: .volume, source: m.name, target: m.destination, readonly: ro)
                    : MountRequest(kind: .bind, source: m.source, target: m.destination, readonly: ro))
            }
            resolved.append(other.id + (mode.map { ":" + $0 } ?? ""))
        }
        o.volumesFrom = resolved
    }

    /// The running container `ref` and its init as a namespace to join (Docker's words when it is not running).
    func joinTarget(_ ref: String, kind: String, flag: String) throws -> (ContainerRecord, SharedNamespace) {
        guard let other = try store.container(ref) else { throw HiveError(.notFound, "no such container: \(ref) (for --\(flag) container:\(ref))") }
        guard isAlive(other), let pid = other.pid, let start = other.pidStart else {
            throw HiveError(.conflict, "cannot join \(kind) of a non running container: \(other.name)")
        }
        return (other, .join(pid: pid, start: start))
    }

    /// Before a start: the plan's container:ID namespaces point at those containers' inits now.
    func refreshJoins(_ r: ContainerRecord) throws {
        guard let iso = spec(r)?.isolation else { return }
        let ipc = try IsolationRequest.containerRef(iso.ipc).map { try joinTarget($0, kind: "IPC", flag: "ipc").1 }
        let pid = try IsolationRequest.containerRef(iso.pid).map { try joinTarget($0, kind: "PID", flag: "pid").1 }
        guard ipc != nil || pid != nil else { return }
        try Launcher.setJoins(planFile: containerDir(r.id) + "/plan", ipc: ipc, pid: pid)
    }
}
