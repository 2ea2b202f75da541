// `hive inspect` of a container: its spec and state in Docker's JSON shape
// (docker container inspect). The engine gathers the state; this is the format.
import HivePlatform

public enum ContainerInspect {
    /// What a container's record and directories say, besides its spec.
    public struct State {
        public var id: String
        public var name: String
        public var imageID: String
        public var imageName: String
        public var created: Int64
        public var started: Int64?
        /// Set only once it has exited.
        public var finished: Int64?
        /// created, running or exited.
        public var status: String
        public var running: Bool
        /// 0 unless it runs.
        public var pid: Int64
        public var exitCode: Int32?
        /// The image's layer directories, top first.
        public var layerDirs: [String]
        public var containerDir: String
        /// Between two runs under its restart policy (Docker then says Running
        /// too); restarts it made so far.
        public var restarting: Bool
        public var restartCount: Int64
        /// State.Health (Docker's Status, FailingStreak, Log), for a container with a health check.
        public var health: JSONValue? = nil

        public init(id: String, name: String, imageID: String, imageName: String, created: Int64, started: Int64?, finished: Int64?,
                    status: String, running: Bool, pid: Int64, exitCode: Int32?, layerDirs: [String], containerDir: String,
                    restarting: Bool = false, restartCount: Int64 = 0) {
            self.restarting = restarting
            self.restartCount = restartCount
            self.id = id
            self.name = name
            self.imageID = imageID
            self.imageName = imageName
            self.created = created
            self.started = started
            self.finished = finished
            self.status = status
            self.running = running
            self.pid = pid
            self.exitCode = exitCode
            self.layerDirs = layerDirs
            self.containerDir = containerDir
        }
    }

    public static func json(_ r: State, spec s: ContainerSpec?) -> JSONValue {
        func ts(_ n: Int64?) -> JSONValue { .string(n.map { Timestamp(unixNanos: $0).rfc3339 } ?? "0001-01-01T00:00:00Z") }
        let argv = s?.argv ?? []
        let dir = r.containerDir
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
                "Status": .string(r.status), "Running": .bool(r.running || r.restarting), "Paused": .bool(false), "Restarting": .bool(r.restarting),
                "OOMKilled": .bool(false), "Dead": .bool(false), "Pid": .int(r.pid),
                "ExitCode": .int(Int64(r.exitCode ?? 0)), "Error": .string(""),
                "StartedAt": ts(r.started), "FinishedAt": ts(r.finished),
            ].merging(r.health.map { ["Health": $0] } ?? [:]) { a, _ in a }),
            "Image": .string(r.imageID),
            "Name": .string("/" + r.name),
            "RestartCount": .int(r.restartCount),
            "Driver": .string("overlay"),
            "Platform": .string("linux"),
            "HostConfig": .object([
                "Privileged": .bool(s?.privileged ?? false), "ReadonlyRootfs": .bool(s?.readOnly ?? false),
                "NetworkMode": .string(s?.network ?? "none"), "AutoRemove": .bool(s?.autoRemove ?? false),
                "Memory": .int(s?.resources?.memory ?? 0), "NanoCpus": .int(Int64((s?.resources?.cpus ?? 0) * 1e9)),
                "PidsLimit": .int(s?.resources?.pidsLimit ?? 0),
                "MemorySwap": .int(s?.resources?.memorySwap ?? s?.resources?.memory ?? 0), "CpuShares": .int(s?.resources?.cpuShares ?? 0),
                "CpusetCpus": .string(s?.resources?.cpusetCpus ?? ""),
                "SecurityOpt": .array((s.map { ["seccomp=" + $0.seccomp, "no-new-privileges=" + String($0.noNewPrivs)] } ?? []).map { .string($0) }),
                "CapAdd": .array((s?.caps ?? []).map { .string($0) }),
                "RestartPolicy": (s?.restartPolicy ?? RestartPolicy()).json,
            ]),
            "GraphDriver": .object(["Name": .string("overlay"), "Data": .object([
                "LowerDir": .string(r.layerDirs.joined(separator: ":")), "UpperDir": .string(dir + "/upper"),
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
}
