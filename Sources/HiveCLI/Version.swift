// `hive version`: `docker version`'s shape, a Client and a Server object
// (`{{.Server.Version}}`, `{{.Client.Version}}`, `--format json`), with the
// Swift compiler in Go's place and the runtime's parts (Lua, libseccomp) as
// the Server's Components. The flat keys of hive's first version (Version,
// Os, Arch, Lua, Libseccomp) stay at the top level for existing scripts.
// Opens nothing: no store, no hive.toml.
import Glibc
import HiveEngine
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime

enum Version {
    static let def = CommandDef(
        name: "version", aliases: ["version"], usage: "[OPTIONS]", summary: "Show the hive version information",
        options: [.value("format", "f", "string", "Format output using a Go template or json")], run: run)

    /// The Docker API level whose object shapes hive's output follows (Docker 20.10).
    static let apiVersion = "1.41"
    static let minAPIVersion = "1.12"

    /// The compiler hive was built with, in Go's place (`swift6.3`).
    static var swiftVersion: String {
        #if compiler(>=6.4)
        return "swift6.4+"
        #elseif compiler(>=6.3)
        return "swift6.3"
        #elseif compiler(>=6.2)
        return "swift6.2"
        #elseif compiler(>=6.1)
        return "swift6.1"
        #elseif compiler(>=6.0)
        return "swift6.0"
        #else
        return "swift5"
        #endif
    }

    static func info() -> JSONValue {
        let arch = HostPlatform.architecture
        let client: JSONValue = .object([
            "Platform": .object(["Name": .string("hive")]), "Version": .string(HiveCommand.version),
            "ApiVersion": .string(apiVersion), "DefaultAPIVersion": .string(apiVersion), "GitCommit": .string(""),
            "GoVersion": .string(swiftVersion), "Os": .string("linux"), "Arch": .string(arch), "BuildTime": .string(""),
            "Context": .string("default"),
        ])
        let kernel = HostPlatform.uts.release
        func component(_ name: String, _ version: String, _ details: [String: JSONValue]) -> JSONValue {
            .object(["Name": .string(name), "Version": .string(version), "Details": .object(details)])
        }
        let server: JSONValue = .object([
            "Platform": .object(["Name": .string("hive")]),
            "Components": .array([
                component("Engine", HiveCommand.version, [
                    "ApiVersion": .string(apiVersion), "Arch": .string(arch), "BuildTime": .string(""), "Experimental": .string("false"),
                    "GitCommit": .string(""), "GoVersion": .string(swiftVersion), "KernelVersion": .string(kernel),
                    "MinAPIVersion": .string(minAPIVersion), "Os": .string("linux"),
                ]),
                component("Lua", Hooks.luaVersion, [:]),
                component("libseccomp", RuntimeInfo.libseccompVersion, [:]),
            ]),
            "Version": .string(HiveCommand.version), "ApiVersion": .string(apiVersion), "MinAPIVersion": .string(minAPIVersion),
            "GitCommit": .string(""), "GoVersion": .string(swiftVersion), "Os": .string("linux"), "Arch": .string(arch),
            "KernelVersion": .string(kernel), "Experimental": .bool(false), "BuildTime": .string(""),
        ])
        return .object([
            "Client": client, "Server": server,
            "Version": .string(HiveCommand.version), "Os": .string("linux"), "Arch": .string(arch),
            "Lua": .string(Hooks.luaVersion), "Libseccomp": .string(RuntimeInfo.libseccompVersion),
        ])
    }

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let v = info()
        if let f = c.args.value("format") {
            c.out.line(f == "json" ? v.serialized() : try Template(f).render(v))
            return 0
        }
        let arch = HostPlatform.architecture
        c.out.line("Client: hive")
        c.out.line(" Version:           \(HiveCommand.version)")
        c.out.line(" API version:       \(apiVersion)")
        c.out.line(" Swift version:     \(swiftVersion)")
        c.out.line(" OS/Arch:           linux/\(arch)")
        c.out.line(" Context:           default")
        c.out.line("")
        c.out.line("Server: hive")
        c.out.line(" Engine:")
        c.out.line("  Version:          \(HiveCommand.version)")
        c.out.line("  API version:      \(apiVersion) (minimum version \(minAPIVersion))")
        c.out.line("  Swift version:    \(swiftVersion)")
        c.out.line("  OS/Arch:          linux/\(arch)")
        c.out.line("  Kernel:           \(HostPlatform.uts.release)")
        c.out.line("  Experimental:     false")
        c.out.line(" Lua:")
        c.out.line("  Version:          \(Hooks.luaVersion)")
        c.out.line(" libseccomp:")
        c.out.line("  Version:          \(RuntimeInfo.libseccompVersion)")
        return 0
    }
}
