// `hive version`.
import CHiveLua
import HiveEngine
import HiveOCI
import HivePlatform
import CHiveKernel

enum Version {
    static let def = CommandDef(
        name: "version", aliases: ["version"], usage: "[OPTIONS]", summary: "Show the hive version information",
        options: [.value("format", "f", "string", "Format output using a Go template or json")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        let info: JSONValue = .object([
            "Version": .string(HiveCommand.version),
            "Os": .string("linux"),
            "Arch": .string(Engine.hostArchitecture),
            "Lua": .string(String(cString: hive_lua_release())),
            "Libseccomp": .string(String(cString: hive_seccomp_version())),
        ])
        if let f = c.args.value("format") {
            c.out.line(f == "json" ? info.serialized() : try Template(f).render(info))
            return 0
        }
        c.out.line("Version:      \(HiveCommand.version)")
        c.out.line("OS/Arch:      linux/\(Engine.hostArchitecture)")
        c.out.line("Lua:          \(String(cString: hive_lua_release()))")
        c.out.line("libseccomp:   \(String(cString: hive_seccomp_version()))")
        return 0
    }
}
