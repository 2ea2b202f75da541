// `hive attach [--no-stdin] [--sig-proxy] [--detach-keys] CONTAINER`: this
// terminal to a detached container's stdio through its monitor's attach
// socket. Exits with the container's status when it exits; the detach keys
// (ctrl-p ctrl-q, with a tty) leave it running: "read escape sequence" and
// status 1, as Docker's. Failures exit 1, as Docker's attach does.
import HiveEngine
import HivePlatform
import HiveRuntime

enum ContainerAttach {
    static let def = CommandDef(
        name: "attach", aliases: ["attach", "container attach"], usage: "[OPTIONS] CONTAINER",
        summary: "Attach local standard input, output, and error streams to a running container",
        options: [
            .value("detach-keys", nil, "string", "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)"),
            .flag("no-stdin", nil, "Do not attach STDIN"),
            .flag("sig-proxy", nil, "Proxy all received signals to the process (default true)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        var o = AttachProtocol.Options()
        o.stdin = !c.args.flag("no-stdin")
        o.sigProxy = !c.args.negated.contains("sig-proxy")
        o.detachKeys = try AttachProtocol.detachKeys(c.args.value("detach-keys") ?? AttachProtocol.defaultDetachKeys)
        let engine = try c.engine()
        c.out.flush()
        switch try engine.attach(c.args.positionals[0], options: o) {
        case .exited(let status):
            return status
        case .detached:
            c.err.line("read escape sequence")
            return 1
        case .signalled(let sig):
            return 128 + sig
        case .lost, .protocolError:
            return 1  // Engine.attach resolves them; not reached
        }
    }
}
