// Listing and removing containers. A "running" record whose process is gone
// (its CLI was killed: the container died with it) reads as exited.
import Glibc
import HiveArchive
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
