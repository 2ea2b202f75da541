// `hive info` / `hive system info`: `docker info`'s text (Client: and Server:
// sections) and its JSON keys with their types (`--format '{{json .}}'`,
// `{{.ContainersRunning}}`), plus hive's own: the hook directories and files,
// the plugin directories and the enabled plugins.
import HiveEngine
import HiveOCI
import HivePlatform

enum SystemInfoCommand {
    static let def = CommandDef(
        name: "info", aliases: ["info", "system info"], usage: "[OPTIONS]", summary: "Display system-wide information",
        options: [.value("format", "f", "string", "Format output using a Go template, or json")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let i = try c.engine().systemInfo()
        let debug = c.globals.logLevel == "debug"
        if let f = c.args.value("format") {
            let v = json(i, debug: debug)
            c.out.line(f == "json" ? v.serialized() : try Template(f).render(v))
            return 0
        }
        text(i, debug: debug, to: c.out)
        return 0
    }

    static let logDrivers = ["json-file"]
    static let networkDrivers = ["bridge", "host", "none"]

    /// Docker's info object (API 1.41 keys and types), hive's values.
    static func json(_ i: SystemInfo, debug: Bool) -> JSONValue {
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
            "DriverStatus": .array(driverStatus(i).map { .array([.string($0.0), .string($0.1)]) }),
            "Plugins": .object(["Volume": strings(["local"]), "Network": strings(networkDrivers), "Authorization": .null, "Log": strings(logDrivers)]),
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
            "ServerVersion": .string(HiveCommand.version),
            "Runtimes": .object(["hive": .object(["path": .string("hive")])]), "DefaultRuntime": .string("hive"),
            "Swarm": .object([
                "NodeID": .string(""), "NodeAddr": .string(""), "LocalNodeState": .string("inactive"), "ControlAvailable": .bool(false),
                "Error": .string(""), "RemoteManagers": .null,
            ]),
            "LiveRestoreEnabled": .bool(false), "Isolation": .string(""), "InitBinary": .string("hive-init"),
            "ContainerdCommit": .object(["ID": .string("")]), "RuncCommit": .object(["ID": .string("")]), "InitCommit": .object(["ID": .string("")]),
            "SecurityOptions": strings(securityOptions(i)),
            "CDISpecDirs": .array([]),
            "Warnings": strings(i.warnings),
            "ClientInfo": .object([
                "Debug": .bool(debug), "Version": .string(HiveCommand.version), "Context": .string("default"),
                "Plugins": .array([]), "Warnings": .null,
            ]),
            "Hooks": .object([
                "Dirs": strings(i.hookDirs), "PluginDirs": strings(i.pluginDirs), "Plugins": strings(i.enabledPlugins),
                "Files": strings(i.hookFiles),
            ]),
            "RunRootDir": .string(i.runroot),
        ])
    }

    static func driverStatus(_ i: SystemInfo) -> [(String, String)] {
        [("Backing Filesystem", i.backingFilesystem), ("Supports d_type", "true"), ("Native Overlay Diff", "true"), ("userxattr", "false")]
    }

    static func securityOptions(_ i: SystemInfo) -> [String] {
        i.cgroupVersion == "2" ? ["name=seccomp,profile=builtin", "name=cgroupns"] : ["name=seccomp,profile=builtin"]
    }

    /// `docker info`'s text layout.
    static func text(_ i: SystemInfo, debug: Bool, to o: Output) {
        o.line("Client:")
        o.line(" Version:    \(HiveCommand.version)")
        o.line(" Context:    default")
        o.line(" Debug Mode: \(debug)")
        o.line("")
        o.line("Server:")
        o.line(" Containers: \(i.containers)")
        o.line("  Running: \(i.running)")
        o.line("  Paused: \(i.paused)")
        o.line("  Stopped: \(i.stopped)")
        o.line(" Images: \(i.images)")
        o.line(" Server Version: \(HiveCommand.version)")
        o.line(" Storage Driver: overlay")
        for (k, v) in driverStatus(i) { o.line("  \(k): \(v)") }
        o.line(" Logging Driver: json-file")
        o.line(" Cgroup Driver: cgroupfs")
        o.line(" Cgroup Version: \(i.cgroupVersion)")
        o.line(" Plugins:")
        o.line("  Volume: local")
        o.line("  Network: " + networkDrivers.joined(separator: " "))
        o.line("  Log: " + logDrivers.joined(separator: " "))
        o.line(" Swarm: inactive")
        o.line(" Runtimes: hive")
        o.line(" Default Runtime: hive")
        o.line(" Init Binary: hive-init")
        o.line(" Security Options:")
        o.line("  seccomp")
        o.line("   Profile: builtin")
        if i.cgroupVersion == "2" { o.line("  cgroupns") }
        o.line(" Kernel Version: \(i.kernelVersion)")
        o.line(" Operating System: \(i.operatingSystem)")
        o.line(" OSType: linux")
        o.line(" Architecture: \(i.machine)")
        o.line(" CPUs: \(i.ncpu)")
        o.line(" Total Memory: \(Units.bytesSize(i.memTotal))")
        o.line(" Name: \(i.hostname)")
        o.line(" ID: \(i.id)")
        o.line(" Docker Root Dir: \(i.root)")
        o.line(" Run Root Dir: \(i.runroot)")
        o.line(" Debug Mode: \(debug)")
        o.line(" Experimental: false")
        o.line(" Insecure Registries:")
        for r in i.insecureRegistries + ["::1/128", "127.0.0.0/8"] { o.line("  \(r)") }
        if let m = i.mirrors["docker.io"], !m.isEmpty {
            o.line(" Registry Mirrors:")
            for u in m { o.line("  \(u)") }
        }
        for (host, m) in i.mirrors.sorted(by: { $0.key < $1.key }) where host != "docker.io" && !m.isEmpty {
            o.line(" Registry Mirrors (\(host)):")
            for u in m { o.line("  \(u)") }
        }
        o.line(" Live Restore Enabled: false")
        o.line(" Hooks:")
        o.line("  Directories: " + (i.hookDirs.isEmpty ? "-" : i.hookDirs.joined(separator: " ")))
        o.line("  Plugin Directories: " + (i.pluginDirs.isEmpty ? "-" : i.pluginDirs.joined(separator: " ")))
        o.line("  Enabled Plugins: " + (i.enabledPlugins.isEmpty ? "-" : i.enabledPlugins.joined(separator: " ")))
        o.line("  Files: \(i.hookFiles.count)")
        for f in i.hookFiles { o.line("   \(f)") }
        if !i.warnings.isEmpty {
            o.line("")
            for w in i.warnings { o.line(w) }
        }
    }
}
