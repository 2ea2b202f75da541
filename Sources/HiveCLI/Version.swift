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

    static let apiVersion = EngineVersion.cliAPIVersion

    /// Docker's version object: a Client, the Server (the engine's, as `GET /version` gives it) and hive's first flat keys.
    static func info() -> JSONValue {
        let arch = HostPlatform.architecture
        let client: JSONValue = .object([
            "Platform": .object(["Name": .string("hive")]), "Version": .string(EngineVersion.hive),
            "ApiVersion": .string(apiVersion), "DefaultAPIVersion": .string(apiVersion), "GitCommit": .string(""),
            "GoVersion": .string(EngineVersion.swiftVersion), "Os": .string("linux"), "Arch": .string(arch), "BuildTime": .string(""),
            "Context": .string("default"),
        ])
        return .object([
            "Client": client, "Server": EngineVersion.server(apiVersion: apiVersion, minAPIVersion: EngineVersion.cliMinAPIVersion),
            "Version": .string(EngineVersion.hive), "Os": .string("linux"), "Arch": .string(arch),
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
        c.out.line(" Version:           \(EngineVersion.hive)")
        c.out.line(" API version:       \(apiVersion)")
        c.out.line(" Swift version:     \(EngineVersion.swiftVersion)")
        c.out.line(" OS/Arch:           linux/\(arch)")
        c.out.line(" Context:           default")
        c.out.line("")
        c.out.line("Server: hive")
        c.out.line(" Engine:")
        c.out.line("  Version:          \(EngineVersion.hive)")
        c.out.line("  API version:      \(apiVersion) (minimum version \(EngineVersion.cliMinAPIVersion))")
        c.out.line("  Swift version:    \(EngineVersion.swiftVersion)")
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
