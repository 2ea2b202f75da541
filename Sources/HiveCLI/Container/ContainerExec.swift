// `hive exec [OPTIONS] CONTAINER COMMAND [ARG...]`.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerExec {
    static let def = CommandDef(
        name: "exec", aliases: ["exec", "container exec"], usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
        summary: "Execute a command in a running container",
        options: [
            .flag("detach", "d", "Detached mode: run command in the background"),
            .flag("interactive", "i", "Keep STDIN open"),
            .flag("tty", "t", "Allocate a pseudo-TTY"),
            .multi("env", "e", "list", "Set environment variables"),
            .multi("env-file", nil, "list", "Read in a file of environment variables"),
            .value("user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
            .value("workdir", "w", "string", "Working directory inside the container"),
        ], interspersed: false, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2)
        let env = try c.args.all("env-file").flatMap(ContainerRun.readEnvFile) + c.args.all("env")
        let engine = try c.engine()
        c.out.flush()
        if !c.args.flag("interactive") && !c.args.flag("detach") {
            let null = open("/dev/null", O_RDONLY)
            if null >= 0 { dup2(null, 0); close(null) }
        }
        return try engine.exec(c.args.positionals[0], argv: Array(c.args.positionals.dropFirst()), env: env,
                               user: c.args.value("user"), workdir: c.args.value("workdir"), detach: c.args.flag("detach"),
                               tty: c.args.flag("tty"))
    }
}
