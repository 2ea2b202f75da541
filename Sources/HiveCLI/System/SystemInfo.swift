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
            let v = i.dockerJSON(debug: debug)
            c.out.line(f == "json" ? v.serialized() : try Template(f).render(v))
            return 0
        }
        text(i, debug: debug, to: c.out)
        return 0
    }

    static func text(_ i: SystemInfo, debug: Bool, to o: Output) {
        o.line("Client:")
        o.line(" Version:    \(EngineVersion.hive)")
        o.line(" Context:    default")
        o.line(" Debug Mode: \(debug)")
        o.line("")
        o.line("Server:")
        o.line(" Containers: \(i.containers)")
        o.line("  Running: \(i.running)")
        o.line("  Paused: \(i.paused)")
        o.line("  Stopped: \(i.stopped)")
        o.line(" Images: \(i.images)")
        o.line(" Server Version: \(EngineVersion.hive)")
        o.line(" Storage Driver: overlay")
        for (k, v) in i.driverStatus { o.line("  \(k): \(v)") }
        o.line(" Logging Driver: json-file")
        o.line(" Cgroup Driver: cgroupfs")
        o.line(" Cgroup Version: \(i.cgroupVersion)")
        o.line(" Plugins:")
        o.line("  Volume: local")
        o.line("  Network: " + SystemInfo.networkDrivers.joined(separator: " "))
        o.line("  Log: " + SystemInfo.logDrivers.joined(separator: " "))
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
