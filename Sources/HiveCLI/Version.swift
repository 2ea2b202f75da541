// `hive version`.
import HiveEngine
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime

enum Version {
    static let def = CommandDef(
        name: "version", aliases: ["version"], usage: "[OPTIONS]", summary: "Show the hive version information",
        options: [.value("format", "f", "string", "Format output using a Go template or json")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        let info: JSONValue = .object([
            "Version": .string(HiveCommand.version),
            "Os": .string("linux"),
            "Arch": .string(HostPlatform.architecture),
            "Lua": .string(Hooks.luaVersion),
            "Libseccomp": .string(RuntimeInfo.libseccompVersion),
        ])
        if let f = c.args.value("format") {
            c.out.line(f == "json" ? info.serialized() : try Template(f).render(info))
            return 0
        }
        c.out.line("Version:      \(HiveCommand.version)")
        c.out.line("OS/Arch:      linux/\(HostPlatform.architecture)")
        c.out.line("Lua:          \(Hooks.luaVersion)")
        c.out.line("libseccomp:   \(RuntimeInfo.libseccompVersion)")
        return 0
    }
}
