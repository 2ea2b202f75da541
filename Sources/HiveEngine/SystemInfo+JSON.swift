// Docker's info object (`GET /info`, `hive info --format json`): one
// renderer for the CLI and the Engine API, so the two cannot drift.
import HivePlatform

extension SystemInfo {
    public static let logDrivers = ["json-file"]
    public static let networkDrivers = ["bridge", "host", "none"]

    /// Docker's info object (API 1.41 keys and types), hive's values.
    public func dockerJSON(debug: Bool) -> JSONValue {
        let i = self
        func strings(_ a: [String]) -> JSONValue { .array(a.map(JSONValue.string)) }
        var indexConfigs: [String: JSONValue] = [
            "docker.io": .object(["Name": .string("docker.io"), "Mirrors": strings(i.mirrors["docker.io"] ?? []), "Secure": .bool(true), "Official": .bool(true)]),
        ]
        for (host, m) in i.mirrors where host != "docker.io" {
            indexConfigs[host] = .object(["Name": .string(host), "Mirrors": strings(m), "Secure": .bool(!i.insecureRegistries.contains(host)), "Official": .bool(false)])
        }
        for host in i.insecureRegistries where indexConfigs[host] == nil {
            indexConfigs[host] = .object(["Name": .string(host), "Mirrors": .array([]), "Secure": .bool(false), "Official": .bool(false)])
        }
        let c = i.controllers
        return .object([
            "ID": .string(i.id),
            "Containers": .int(Int64(i.containers)), "ContainersRunning": .int(Int64(i.running)),
            "ContainersPaused": .int(Int64(i.paused)), "ContainersStopped": .int(Int64(i.stopped)),
            "Images": .int(Int64(i.images)),
            "Driver": .string("overlay"),
            "DriverStatus": .array(driverStatus.map { .array([.string($0.0), .string($0.1)]) }),
            "Plugins": .object(["Volume": strings(["local"]), "Network": strings(SystemInfo.networkDrivers), "Authorization": .null, "Log": strings(SystemInfo.logDrivers)]),
            "MemoryLimit": .bool(c.contains("memory")), "SwapLimit": .bool(i.swapLimit),
            "CpuCfsPeriod": .bool(c.contains("cpu")), "CpuCfsQuota": .bool(c.contains("cpu")), "CPUShares": .bool(c.contains("cpu")),
            "CPUSet": .bool(c.contains("cpuset")), "PidsLimit": .bool(c.contains("pids")),
            "KernelMemory": .bool(false), "KernelMemoryTCP": .bool(false), "OomKillDisable": .bool(i.cgroupVersion == "1"),
            "IPv4Forwarding": .bool(i.ipv4Forwarding), "BridgeNfIptables": .bool(false), "BridgeNfIp6tables": .bool(false),
            "Debug": .bool(debug), "NFd": .int(Int64(Files.names(in: "/proc/self/fd").count)), "NGoroutines": .int(0),
            "SystemTime": .string(Timestamp.now().rfc3339), "LoggingDriver": .string("json-file"),
            "CgroupDriver": .string("cgroupfs"), "CgroupVersion": .string(i.cgroupVersion), "NEventsListener": .int(0),
            "KernelVersion": .string(i.kernelVersion), "OperatingSystem": .string(i.operatingSystem), "OSVersion": .string(i.osVersion),
            "OSType": .string("linux"), "Architecture": .string(i.machine),
            "IndexServerAddress": .string("https://index.docker.io/v1/"),
            "RegistryConfig": .object([
                "AllowNondistributableArtifactsCIDRs": .array([]), "AllowNondistributableArtifactsHostnames": .array([]),
                "InsecureRegistryCIDRs": strings(["::1/128", "127.0.0.0/8"]), "IndexConfigs": .object(indexConfigs),
                "Mirrors": strings(i.mirrors["docker.io"] ?? []),
            ]),
            "NCPU": .int(Int64(i.ncpu)), "MemTotal": .int(i.memTotal), "GenericResources": .null,
            "DockerRootDir": .string(i.root), "HttpProxy": .string(""), "HttpsProxy": .string(""), "NoProxy": .string(""),
            "Name": .string(i.hostname), "Labels": .array([]), "ExperimentalBuild": .bool(false),
            "ServerVersion": .string(EngineVersion.hive),
            "Runtimes": .object(["hive": .object(["path": .string("hive")])]), "DefaultRuntime": .string("hive"),
            "Swarm": .object([
                "NodeID": .string(""), "NodeAddr": .string(""), "LocalNodeState": .string("inactive"), "ControlAvailable": .bool(false),
                "Error": .string(""), "RemoteManagers": .null,
            ]),
            "LiveRestoreEnabled": .bool(false), "Isolation": .string(""), "InitBinary": .string("hive-init"),
            "ContainerdCommit": .object(["ID": .string("")]), "RuncCommit": .object(["ID": .string("")]), "InitCommit": .object(["ID": .string("")]),
            "SecurityOptions": strings(securityOptions),
            "CDISpecDirs": .array([]),
            "Warnings": strings(i.warnings),
            "ClientInfo": .object([
                "Debug": .bool(debug), "Version": .string(EngineVersion.hive), "Context": .string("default"),
                "Plugins": .array([]), "Warnings": .null,
            ]),
            "Hooks": .object([
                "Dirs": strings(i.hookDirs), "PluginDirs": strings(i.pluginDirs), "Plugins": strings(i.enabledPlugins),
                "Files": strings(i.hookFiles),
            ]),
            "RunRootDir": .string(i.runroot),
        ])
    }

    public var driverStatus: [(String, String)] {
        [("Backing Filesystem", backingFilesystem), ("Supports d_type", "true"), ("Native Overlay Diff", "true"), ("userxattr", "false")]
    }

    public var securityOptions: [String] {
        cgroupVersion == "2" ? ["name=seccomp,profile=builtin", "name=cgroupns"] : ["name=seccomp,profile=builtin"]
    }

    /// `docker info`'s text layout.
}
