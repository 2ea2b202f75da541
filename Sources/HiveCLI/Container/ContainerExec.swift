// `hive exec [OPTIONS] CONTAINER COMMAND [ARG...]`: --privileged gives the
// process every capability (the container's seccomp filter stays, as
// Docker's); with -it, --detach-keys (default ctrl-p,ctrl-q) leaves it running.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRuntime

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
            .flag("privileged", nil, "Give extended privileges to the command"),
            .value("detach-keys", nil, "string", "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)"),
        ], interspersed: false, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2)
        let env = try c.args.all("env-file").flatMap(ContainerRun.readEnvFile) + c.args.all("env")
        let keys = try AttachProtocol.detachKeys(c.args.value("detach-keys") ?? AttachProtocol.defaultDetachKeys)
        let engine = try c.engine()
        c.out.flush()
        if !c.args.flag("interactive") && !c.args.flag("detach") {
            let null = open("/dev/null", O_RDONLY)
            if null >= 0 { dup2(null, 0); close(null) }
        }
        return try engine.exec(c.args.positionals[0], argv: Array(c.args.positionals.dropFirst()), env: env,
                               user: c.args.value("user"), workdir: c.args.value("workdir"), detach: c.args.flag("detach"),
                               tty: c.args.flag("tty"), privileged: c.args.flag("privileged"), detachKeys: keys)
    }
}
