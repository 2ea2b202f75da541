// Container inspect (HiveRuntime's ContainerInspect makes the JSON), rename, diff (HiveArchive's
// LayerChanges), top and stats (HiveRuntime's ContainerProcesses, Cgroups),
// prune (HiveStore's PrunePlan), pause.
import HiveArchive
import HiveOCI
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// `size` (-s): with Docker's SizeRw and SizeRootFs (containerSizes).
    public func inspectContainer(_ ref: String, size: Bool = false) throws -> JSONValue {
        let r = try record(ref)
        let alive = isAlive(r)
        let restarting = isRestarting(r)
        let paused = alive && isPaused(r.id)
        let status = r.state == .created ? "created" : paused ? "paused" : alive ? "running" : restarting ? "restarting" : "exited"
        let layers = try store.layers(of: r.imageID).reversed().map { store.layerDiffDir($0.chainID) }
        let dir = containerDir(r.id)
        var state = ContainerInspect.State(
            id: r.id, name: r.name, imageID: r.imageID.description, imageName: r.imageName, created: r.created, started: r.started,
            finished: r.state == .exited ? r.finished : nil, status: status, running: alive, pid: alive ? Int64(r.pid ?? 0) : 0,
            exitCode: r.exitCode, layerDirs: layers, containerDir: dir, restarting: restarting, restartCount: r.restartCount)
        let s = spec(r)
        state.health = r.started == nil ? nil : healthState(r)  // Docker's comes with the first start
        state.paused = paused
        state.oomKilled = r.state == .exited && !restarting && lastRunOOMKilled(r.id)
        func file(_ path: String) -> String { access(path, F_OK) == 0 ? path : "" }
        state.logPath = s?.logDriver == "none" ? "" : file(dir + "/log")
        state.hostnamePath = file(dir + "/hostname")
        state.hostsPath = file(dir + "/hosts")
        state.resolvConfPath = file(dir + "/resolv.conf")
        state.image = (try? store.imageConfig(r.imageID))?.config
        var inspect = try withNetworkSettings(ContainerInspect.json(state, spec: s), r, running: alive)
        if size, case .object(var o) = inspect {
            let (rw, rootfs) = try containerSizes(r)
            o["SizeRw"] = .int(rw)
            o["SizeRootFs"] = .int(rootfs)
            inspect = .object(o)
        }
        return inspect
    }

    public func renameContainer(_ ref: String, to newName: String) throws {
        let r = try record(ref)
        let n = try ContainerName.validate(newName)
        try store.db.transaction { () throws(HiveError) in try store.renameContainer(r.id, to: n) }
    }

    /// `diff`: A/C/D from the writable layer (whiteouts are deletions).
    public func diff(_ ref: String) throws -> [(Character, String)] {
        let r = try record(ref)
        let lowers = try store.layers(of: r.imageID).map { store.layerDiffDir($0.chainID) }
        let changes = try LayerChanges.list(upper: containerDir(r.id) + "/upper", lowers: lowers)
        // mount points hive made are not changes (as docker diff hides them)
        var hidden: Set<String> = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]
        for m in spec(r)?.mounts ?? [] { hidden.insert(m.destination) }
        return changes.filter { !($0.kind == .added && hidden.contains($0.path)) }.map { ($0.kind.rawValue, $0.path) }
    }

    /// `top`: the container's processes (pid on the host, pid 1 is its init).
    public func top(_ ref: String) throws -> [(String, String, String)] {
        let r = try record(ref)
        guard isAlive(r), let initPid = r.pid else { throw HiveError(.conflict, "container \(ref) is not running") }
        return ContainerProcesses.list(from: initPid).map { ($0.uid, String($0.pid), $0.command) }
    }

    /// `top CONTAINER PS-OPTIONS`: the host's ps with those options, its lines
    /// kept for the container's processes only (Docker's way): the header, then rows.
    public func top(_ ref: String, psOptions: [String]) throws -> [String] {
        let r = try record(ref)
        guard isAlive(r), let initPid = r.pid else { throw HiveError(.conflict, "container \(ref) is not running") }
        let candidates: [String] = ["/usr/bin/ps", "/bin/ps"]
        guard let ps = candidates.first(where: { Glibc.access($0, X_OK) == 0 }) else {
            throw HiveError(.unavailable, "top with ps options needs the host's ps (apt-get install procps)")
        }
        let argv: [String] = [ps] + psOptions
        let result = try HostProcess.run(argv, environment: ["PATH=/usr/bin:/bin", "LC_ALL=C"],
                                         timeoutNanos: 10_000_000_000, what: "top")
        guard result.status == 0 else {
            throw HiveError(.invalidArgument, "ps \(psOptions.joined(separator: " ")) failed: \(result.stderr.trimmed)")
        }
        let pids = Set(ContainerProcesses.pids(from: initPid).map(String.init))
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard let header = lines.first,
              let column = header.split(separator: " ").firstIndex(where: { $0 == "PID" }) else {
            throw HiveError(.invalidArgument, "ps \(psOptions.joined(separator: " ")) has no PID column: give options that show it (e.g. -ef, aux)")
        }
        return [header] + lines.dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > column && pids.contains(String(fields[column]))
        }
    }

    /// `container prune`: every stopped container, after the pre-prune hooks.
    /// Docker's `container prune` filters: `until` (created before), `label`, `label!`.
    public static let containerPruneFilters: Set<String> = ["until", "label", "label!"]

    public func pruneContainers(filters: FilterArgs? = nil) throws -> [String] {
        let until = try filters?["until"]?.map { try HumanTime.parseFilter($0) }.min()
        try store.lockExclusive()
        defer { store.unlock() }
        var input = try pruneInput(volumes: false)
        if let filters { input.containers = input.containers.filter { filters.matchLabels(labels($0.labelsJSON)) } }
        let list = PrunePlan.stoppedContainers(input, until: until)
        var report = GCReport()
        try remove(try prePrune(list, reason: "container prune"), into: &report)
        return report.containers
    }
}


extension Engine {
    func cgroupDirs(_ id: String) -> [String] { Cgroups.recorded(containerDir: containerDir(id)) }

    public func pause(_ ref: String, _ on: Bool) throws {
        let r = try record(ref)
        guard isAlive(r) else { throw HiveError(.conflict, "container \(ref) is not running") }
        if on && Cgroups.isFrozen(cgroupDirs(r.id)) { throw HiveError(.conflict, "container \(ref) is already paused") }
        if !on && !Cgroups.isFrozen(cgroupDirs(r.id)) { throw HiveError(.conflict, "container \(ref) is not paused") }
        try Cgroups.freeze(cgroupDirs(r.id), on)
    }

    func isPaused(_ id: String) -> Bool { Cgroups.isFrozen(cgroupDirs(id)) }
}

/// One reading of `hive stats` for a container.
public struct StatsSample: Sendable {
    public var id: String
    public var name: String
    /// Zeros when it is not running.
    public var usage: ContainerUsage
    /// The host's CPU time at the reading (CPU % is the container's share of it).
    public var hostCPU: UInt64
}

extension Engine {
    /// One frame of `hive stats`: the containers `named`, each with the name as
    /// given (one not found throws with `strict`, else is left out), or with none
    /// named the running ones (every one with `all`) by ID, oldest first. The
    /// records, the host's CPU time and its memory are read once a frame.
    public func statsFrame(named: [String], all: Bool, strict: Bool) throws -> [(String, StatsSample)] {
        let records: [(String, ContainerRecord)]
        if named.isEmpty {
            records = try store.allContainers().sorted { $0.created < $1.created }.map { ($0.id, $0) }
        } else if strict {
            records = try named.map { n in (n, try record(n)) }
        } else {
            records = named.compactMap { n in (try? record(n)).map { (n, $0) } }
        }
        var hostMemory: Int64? = nil
        var frame: [(String, StatsSample)] = []
        for (given, r) in records {
            let alive = isAlive(r)
            if named.isEmpty && !all && !alive { continue }
            var usage = ContainerUsage()
            if alive {
                if hostMemory == nil { hostMemory = Cgroups.hostMemory() }
                usage = Cgroups.sample(dirs: cgroupDirs(r.id), pid: r.pid, hostMemory: hostMemory)
            }
            frame.append((given, StatsSample(id: r.id, name: r.name, usage: usage, hostCPU: 0)))
        }
        let hostCPU = Cgroups.hostCPUNanos()
        for i in frame.indices { frame[i].1.hostCPU = hostCPU }
        return frame
    }
}
