// Container inspect (Docker-shaped JSON), rename, diff (HiveArchive's
// LayerChanges), top and stats (HiveRuntime's ContainerProcesses, Cgroups),
// prune (HiveStore's PrunePlan), pause.
import HiveArchive
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    public func inspectContainer(_ ref: String) throws -> JSONValue {
        let r = try record(ref)
        let s = spec(r)
        let alive = isAlive(r)
        let status = r.state == .created ? "created" : alive ? "running" : "exited"
        let dir = containerDir(r.id)
        let layers = try store.layers(of: r.imageID).reversed().map { store.layerDiffDir($0.chainID) }
        func ts(_ n: Int64?) -> JSONValue { .string(n.map { Timestamp(unixNanos: $0).rfc3339 } ?? "0001-01-01T00:00:00Z") }
        let argv = s?.argv ?? []
        let mounts: [JSONValue] = (s?.mounts ?? []).map { m in
            var o: [String: JSONValue] = ["Type": .string(m.type), "Source": .string(m.source), "Destination": .string(m.destination),
                                          "RW": .bool(m.rw), "Mode": .string(""), "Propagation": .string("rprivate")]
            if let n = m.name { o["Name"] = .string(n); o["Driver"] = .string("local") }
            return .object(o)
        }
        return .object([
            "Id": .string(r.id),
            "Created": ts(r.created),
            "Path": .string(argv.first ?? ""),
            "Args": .array(argv.dropFirst().map { .string($0) }),
            "State": .object([
                "Status": .string(status), "Running": .bool(alive), "Paused": .bool(false), "Restarting": .bool(false),
                "OOMKilled": .bool(false), "Dead": .bool(false), "Pid": .int(alive ? Int64(r.pid ?? 0) : 0),
                "ExitCode": .int(Int64(r.exitCode ?? 0)), "Error": .string(""),
                "StartedAt": ts(r.started), "FinishedAt": ts(r.state == .exited ? r.finished : nil),
            ]),
            "Image": .string(r.imageID.description),
            "Name": .string("/" + r.name),
            "RestartCount": .int(0),
            "Driver": .string("overlay"),
            "Platform": .string("linux"),
            "HostConfig": .object([
                "Privileged": .bool(s?.privileged ?? false), "ReadonlyRootfs": .bool(s?.readOnly ?? false),
                "NetworkMode": .string(s?.network ?? "none"), "AutoRemove": .bool(s?.autoRemove ?? false),
                "Memory": .int(s?.resources?.memory ?? 0), "NanoCpus": .int(Int64((s?.resources?.cpus ?? 0) * 1e9)),
                "PidsLimit": .int(s?.resources?.pidsLimit ?? 0),
                "SecurityOpt": .array((s.map { ["seccomp=" + $0.seccomp, "no-new-privileges=" + String($0.noNewPrivs)] } ?? []).map { .string($0) }),
                "CapAdd": .array((s?.caps ?? []).map { .string($0) }),
            ]),
            "GraphDriver": .object(["Name": .string("overlay"), "Data": .object([
                "LowerDir": .string(layers.joined(separator: ":")), "UpperDir": .string(dir + "/upper"),
                "WorkDir": .string(dir + "/work"), "MergedDir": .string(dir + "/rootfs"),
            ])]),
            "Mounts": .array(mounts),
            "Config": .object([
                "Hostname": .string(s?.hostname ?? ""), "User": .string(s?.user ?? ""),
                "Env": .array((s?.env ?? []).map { .string($0) }), "Cmd": .array(argv.map { .string($0) }),
                "Image": .string(r.imageName), "WorkingDir": .string(s?.cwd ?? "/"),
                "Labels": .object((s?.labels ?? [:]).mapValues { .string($0) }),
                "StopSignal": .string(s?.stopSignal ?? "SIGTERM"),
            ]),
            "NetworkSettings": .object(["Networks": .object([:])]),
        ])
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

    /// `stats --no-stream`: memory and pids from the container's cgroups.
    public func stats(_ ref: String) throws -> (String, String, Int64?, Int64?, Int64?) {
        let r = try record(ref)
        let u = Cgroups.stats(containerDir: containerDir(r.id))
        return (r.id, r.name, u.memory, u.limit, u.pids)
    }

    /// `container prune`: every stopped container, after the pre-prune hooks.
    public func pruneContainers() throws -> [String] {
        try store.lockExclusive()
        defer { store.unlock() }
        let list = PrunePlan.stoppedContainers(try pruneInput(volumes: false))
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
