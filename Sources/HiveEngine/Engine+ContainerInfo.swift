// Container inspect (Docker-shaped JSON), rename, diff, top, stats, prune.
import Glibc
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
        let n = try Engine.validateName(newName)
        try store.db.transaction { () throws(HiveError) in try store.renameContainer(r.id, to: n) }
    }

    /// `diff`: A/C/D from the writable layer (whiteouts are deletions).
    public func diff(_ ref: String) throws -> [(Character, String)] {
        let r = try record(ref)
        let upper = containerDir(r.id) + "/upper"
        let lowers = try store.layers(of: r.imageID).map { store.layerDiffDir($0.chainID) }
        var out: [(Character, String)] = []
        func existsBelow(_ rel: String) -> Bool {
            lowers.contains { l in var st = stat(); return lstat(l + rel, &st) == 0 }
        }
        func walk(_ rel: String) {
            for name in FileTree.names(in: upper + rel).sorted() {
                let path = rel + "/" + name
                var st = stat()
                guard lstat(upper + path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 {
                    out.append(("D", path))
                    continue
                }
                out.append((existsBelow(path) ? "C" : "A", path))
                if (st.st_mode & S_IFMT) == S_IFDIR { walk(path) }
            }
        }
        walk("")
        // mount points hive made are not changes (as docker diff hides them)
        var hidden: Set<String> = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]
        for m in spec(r)?.mounts ?? [] { hidden.insert(m.destination) }
        return out.filter { !($0.0 == "A" && hidden.contains($0.1)) }
    }

    /// `top`: the container's processes (pid on the host, pid 1 is its init).
    public func top(_ ref: String) throws -> [(String, String, String)] {
        let r = try record(ref)
        guard isAlive(r), let initPid = r.pid else { throw HiveError(.conflict, "container \(ref) is not running") }
        var pids: [Int32] = [initPid]
        var i = 0
        while i < pids.count {
            if let bytes = Files.read("/proc/\(pids[i])/task/\(pids[i])/children") {
                pids += String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap { Int32($0.trimmed) }
            }
            i += 1
        }
        return pids.map { p in
            let cmd = Files.read("/proc/\(p)/cmdline").map { String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).trimmed } ?? ""
            var st = stat()
            let uid = stat("/proc/\(p)", &st) == 0 ? String(st.st_uid) : "?"
            return (uid, String(p), cmd)
        }
    }

    /// `stats --no-stream`: memory and pids from the container's cgroups.
    public func stats(_ ref: String) throws -> (String, String, Int64?, Int64?, Int64?) {
        let r = try record(ref)
        let dirs = Files.read(containerDir(r.id) + "/cgroups").map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
        let u = Cgroups.usage(dirs)
        return (r.id, r.name, u.memory, u.limit, u.pids)
    }

    /// `container prune`: removes every stopped container.
    /// `container prune`: every stopped container, after the pre-prune hooks.
    public func pruneContainers() throws -> [String] {
        try store.lockExclusive()
        defer { store.unlock() }
        let list = try store.allContainers().filter { !isAlive($0) }.map {
            PruneCandidate(type: "container", id: $0.id, name: $0.name, created: $0.created, lastUsed: $0.finished, size: 0, reason: "stopped")
        }
        var report = GCReport()
        try remove(try prePrune(list, reason: "container prune"), into: &report)
        return report.containers
    }
}


extension Engine {
    func cgroupDirs(_ id: String) -> [String] {
        Files.read(containerDir(id) + "/cgroups").map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
    }

    public func pause(_ ref: String, _ on: Bool) throws {
        let r = try record(ref)
        guard isAlive(r) else { throw HiveError(.conflict, "container \(ref) is not running") }
        if on && Cgroups.isFrozen(cgroupDirs(r.id)) { throw HiveError(.conflict, "container \(ref) is already paused") }
        if !on && !Cgroups.isFrozen(cgroupDirs(r.id)) { throw HiveError(.conflict, "container \(ref) is not paused") }
        try Cgroups.freeze(cgroupDirs(r.id), on)
    }

    func isPaused(_ id: String) -> Bool { Cgroups.isFrozen(cgroupDirs(id)) }
}
