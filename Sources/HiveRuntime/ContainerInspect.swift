// `hive inspect` of a container: its spec and state in Docker's JSON shape
// (docker container inspect, API 1.41: Tests/fixtures/docker-inspect holds
// Docker 20.10's own output, and 1xx-inspect-shape.bats compares the trees).
// The engine gathers the state; this is the format. Every key Docker writes
// on Linux is here with Docker's JSON type; a value hive does not have takes
// Docker's empty value for it (null, [], "", 0 or false, as Docker's for an
// unset flag), and a key Docker omits when unset (Go's omitempty) is omitted
// the same way. Config is ContainerInspect+Config, HostConfig +HostConfig.
import Glibc
import HiveOCI
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
        /// created, running, paused, restarting or exited.
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
        /// Frozen by `hive pause` (Docker: Status "paused", Running and Paused true).
        public var paused = false
        /// Its last run ended by the kernel's OOM killer (the engine keeps it at each exit: `oomKills(cgroupDirs:)`).
        public var oomKilled = false
        /// The files hive writes for it ("" for one it has not: Docker's empty value).
        public var logPath = ""
        public var hostnamePath = ""
        public var hostsPath = ""
        public var resolvConfPath = ""
        /// The image's config (ENTRYPOINT, CMD, ENV, VOLUME, LABEL apart from
        /// the container's own); nil when the image is gone.
        public var image: ContainerConfig? = nil

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

    /// Docker's zero time, for a time that has not happened.
    static let zeroTime = "0001-01-01T00:00:00Z"

    static func time(_ n: Int64?) -> JSONValue { .string(n.map { Timestamp(unixNanos: $0).rfc3339 } ?? zeroTime) }

    static func strings(_ a: [String]) -> JSONValue { .array(a.map(JSONValue.string)) }

    /// `a`, or null when empty (Docker's nil slice).
    static func stringsOrNull(_ a: [String]?) -> JSONValue { a.map { $0.isEmpty ? .null : strings($0) } ?? .null }

    public static func json(_ r: State, spec s: ContainerSpec?) -> JSONValue {
        let (hasInit, argv) = command(s?.argv ?? [])
        let dir = r.containerDir
        return .object([
            "Id": .string(r.id),
            "Created": time(r.created),
            "Path": .string(argv.first ?? ""),
            "Args": strings(Array(argv.dropFirst())),
            "State": state(r),
            "Image": .string(r.imageID),
            "ResolvConfPath": .string(r.resolvConfPath),
            "HostnamePath": .string(r.hostnamePath),
            "HostsPath": .string(r.hostsPath),
            "LogPath": .string(r.logPath),
            "Name": .string("/" + r.name),
            "RestartCount": .int(r.restartCount),
            // Docker's is its storage driver's name (overlay2); hive mounts
            // overlayfs itself, every layer a lower directory
            "Driver": .string("overlay"),
            "Platform": .string("linux"),
            "MountLabel": .string(""),
            "ProcessLabel": .string(""),
            "AppArmorProfile": .string(""),
            "ExecIDs": .null,
            "HostConfig": hostConfig(s, hasInit: hasInit),
            "GraphDriver": .object(["Name": .string("overlay"), "Data": .object([
                "LowerDir": .string(r.layerDirs.joined(separator: ":")), "UpperDir": .string(dir + "/upper"),
                "WorkDir": .string(dir + "/work"), "MergedDir": .string(dir + "/rootfs"),
            ])]),
            "Mounts": .array((s?.mounts ?? []).compactMap(mount)),
            "Config": config(r, s, argv: argv),
            "NetworkSettings": .object(["Networks": .object([:])]),
        ])
    }

    /// The stored argv without hive's init in front (`--init` runs
    /// `/dev/init -- ARGV`; Docker's Path and Args are the container's own).
    static func command(_ argv: [String]) -> (hasInit: Bool, argv: [String]) {
        if argv.count > 2, argv[0] == "/dev/init", argv[1] == "--" { return (true, Array(argv.dropFirst(2))) }
        return (false, argv)
    }

    static func state(_ r: State) -> JSONValue {
        var o: [String: JSONValue] = [
            "Status": .string(r.status), "Running": .bool(r.running || r.restarting), "Paused": .bool(r.paused),
            "Restarting": .bool(r.restarting), "OOMKilled": .bool(r.oomKilled), "Dead": .bool(false), "Pid": .int(r.pid),
            "ExitCode": .int(Int64(r.exitCode ?? 0)), "Error": .string(""),
            "StartedAt": time(r.started), "FinishedAt": time(r.finished),
        ]
        if let h = r.health { o["Health"] = h }
        return .object(o)
    }

    /// One of Docker's Mounts: binds and volumes (a `--tmpfs` is HostConfig.Tmpfs
    /// only, as Docker shows it). Mode is what Docker writes for `-v`: "ro" or ""
    /// for a bind, "z" for a named volume (its default relabel mode), "" for an anonymous one.
    public static func mount(_ m: MountInfo) -> JSONValue? {
        switch m.type {
        case "bind":
            return .object(["Type": .string("bind"), "Source": .string(m.source), "Destination": .string(m.destination),
                            "Mode": .string(m.rw ? "" : "ro"), "RW": .bool(m.rw), "Propagation": .string(m.propagation ?? "rprivate")])
        case "volume":
            let name = m.name ?? ""
            return .object(["Type": .string("volume"), "Name": .string(name), "Source": .string(m.source),
                            "Destination": .string(m.destination), "Driver": .string("local"),
                            "Mode": .string(!m.rw ? "ro" : isAnonymous(name) ? "" : "z"), "RW": .bool(m.rw), "Propagation": .string("")])
        default:
            return nil
        }
    }

    /// An anonymous volume's name: 64 hex digits (hive names them as Docker does).
    static func isAnonymous(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// How many processes the kernel's OOM killer killed in the container's
    /// memory group (v1 memory.oom_control, v2 memory.events: `oom_kill N`).
    /// The groups stay until `rm`, so this reads after the exit; it counts
    /// every run since the container was made (State.OOMKilled is about the
    /// last run: the engine keeps the count at each exit).
    public static func oomKills(cgroupDirs: [String]) -> Int64 {
        let memory = cgroupDirs.filter { $0.contains("/memory/") }  // v1: that group only
        for d in memory.isEmpty ? cgroupDirs : memory {
            let text = Files.readText(d + "/memory.events") ?? Files.readText(d + "/memory.oom_control")
            guard let text else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
                if let n = Int64(line.dropFirst(9)), n > 0 { return n }
            }
        }
        return 0
    }
}
