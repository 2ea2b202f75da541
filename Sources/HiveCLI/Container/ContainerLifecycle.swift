// `hive create`, `start`, `stop`, `kill`, `restart`, `wait` (the monitor's
// `container cleanup` is in MonitorCallbacks.swift).
import Glibc
import HiveEngine
import HiveOCI
import HiveRuntime
import HivePlatform

enum ContainerCreate {
    static let def = CommandDef(
        name: "create", aliases: ["create", "container create"], usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        summary: "Create a new container", options: ContainerRun.def.options,
        interspersed: false, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        var o = try ContainerRun.options(c)
        o.cidFile = try RunFlags.cidFile(c)
        do {
            let engine = try c.engine()
            try ContainerRun.pullPolicy(c, engine)
            let (id, _) = try engine.createContainer(o)
            c.out.line(id)
            return 0
        } catch {
            RunFlags.dropEmpty(o.cidFile)
            throw error
        }
    }
}

/// Runs `body` for every name, printing the name on success (Docker's habit).
func eachContainer(_ c: Context, _ body: (String) throws -> Void) -> Int32 {
    var failed = false
    for name in c.args.positionals {
        do {
            try body(name)
            c.out.line(name)
        } catch {
            failed = true
            c.out.flush()
            c.err.line("hive: " + ErrorMapping.message(error))
        }
    }
    return failed ? 1 : 0
}

enum ContainerStart {
    static let def = CommandDef(
        name: "start", aliases: ["start", "container start"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Start one or more stopped containers",
        options: [
            .flag("attach", "a", "Attach STDOUT/STDERR and forward signals"),
            .flag("interactive", "i", "Attach container's STDIN"),
            .flag("all", nil, "Start every container its restart policy brings back after a reboot (hive's own)"),
            .multi("filter", "f", "filter", "With --all: restart-policy=always|unless-stopped|on-failure"),
            .value("detach-keys", nil, "string", "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        if c.args.flag("all") { return try startAll(c) }
        guard c.args.all("filter").isEmpty else {
            throw HiveError(.invalidArgument, "--filter is for start --all (hive start --all --filter restart-policy=always)")
        }
        try c.expect(min: 1)
        let engine = try c.engine()
        // -i attaches stdin too (and implies -a, as with docker start -i)
        if c.args.flag("attach") || c.args.flag("interactive") {
            try c.expect(min: 1, max: 1)
            c.out.flush()
            if !c.args.flag("interactive") {
                let null = open("/dev/null", O_RDONLY)
                if null >= 0 { dup2(null, 0); close(null) }
            }
            let keys = try c.args.value("detach-keys").map(AttachProtocol.detachKeys)
            return try engine.startAttached(c.args.positionals[0], stdin: c.args.flag("interactive"), detachKeys: keys)
        }
        // Docker checks the sequence even when there is nothing to attach
        _ = try c.args.value("detach-keys").map(AttachProtocol.detachKeys)
        return eachContainer(c) { _ = try engine.startDetached($0) }
    }

    /// `start --all [--filter restart-policy=P]...`: what Docker's daemon
    /// brings back on its start (contrib/systemd/hive-restart.service runs it at boot).
    static func startAll(_ c: Context) throws -> Int32 {
        guard c.args.positionals.isEmpty, !c.args.flag("attach"), !c.args.flag("interactive") else {
            throw HiveError(.invalidArgument, "start --all takes no container names and no -a/-i")
        }
        var policies: Set<String>? = nil
        for f in c.args.all("filter") {
            let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, kv[0] == "restart-policy", ["always", "unless-stopped", "on-failure"].contains(kv[1]) else {
                throw HiveError(.invalidArgument, "invalid filter \"\(f)\" (start --all takes restart-policy=always, unless-stopped or on-failure)")
            }
            policies = (policies ?? []).union([kv[1]])
        }
        let (started, failed) = try c.engine().startAll(policies: policies)
        for id in started { c.out.line(id) }
        c.out.flush()
        for (name, e) in failed { c.err.line("hive: cannot start \(name): " + ErrorMapping.message(e)) }
        return failed.isEmpty ? 0 : 1
    }
}

enum ContainerStop {
    static let def = CommandDef(
        name: "stop", aliases: ["stop", "container stop"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Stop one or more running containers",
        options: ContainerStop.options, run: run)

    /// stop's and restart's: Docker 28's -s and -t/--timeout, and the older --time.
    static let options: [OptionDef] = [
        .value("signal", "s", "string", "Signal to send to the container"),
        .value("timeout", "t", "int", "Seconds to wait before killing the container"),
        .value("time", nil, "int", "Seconds to wait before killing the container (deprecated: use --timeout)"),
    ]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        let t = try timeout(c)
        let sig = try signal(c)
        return eachContainer(c) { try engine.stop($0, timeout: t, signal: sig) }
    }

    /// `-t/--timeout SECONDS` (or `--time`) of stop and restart.
    static func timeout(_ c: Context) throws -> Int? {
        try (c.args.value("timeout") ?? c.args.value("time")).map { v -> Int in
            guard let n = Int(v), n >= -1 else { throw HiveError(.invalidArgument, "invalid --timeout \"\(v)\" (seconds; -1 waits for ever)") }
            return n < 0 ? Int(Int32.max) : n
        }
    }

    /// `-s/--signal`, checked before any container is touched.
    static func signal(_ c: Context) throws -> String? {
        guard let s = c.args.value("signal") else { return nil }
        _ = try Signals.number(s)
        return s
    }
}

enum ContainerRestart {
    static let def = CommandDef(
        name: "restart", aliases: ["restart", "container restart"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Restart one or more containers",
        options: ContainerStop.options, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        let t = try ContainerStop.timeout(c)
        let sig = try ContainerStop.signal(c)
        return eachContainer(c) {
            try engine.stop($0, timeout: t, signal: sig)
            _ = try engine.startDetached($0)
        }
    }
}

enum ContainerKill {
    static let def = CommandDef(
        name: "kill", aliases: ["kill", "container kill"], usage: "[OPTIONS] CONTAINER [CONTAINER...]",
        summary: "Kill one or more running containers",
        options: [.value("signal", "s", "string", "Signal to send to the container (default KILL)")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        let sig = c.args.value("signal") ?? "KILL"
        _ = try Signals.number(sig)
        return eachContainer(c) { try engine.killContainer($0, signal: sig) }
    }
}

enum ContainerWait {
    static let def = CommandDef(
        name: "wait", aliases: ["wait", "container wait"], usage: "CONTAINER [CONTAINER...]",
        summary: "Block until one or more containers stop, then print their exit codes", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        var failed = false
        for name in c.args.positionals {
            do { c.out.line(String(try engine.wait(name))); c.out.flush() } catch {
                failed = true
                c.err.line("hive: " + ErrorMapping.message(error))
            }
        }
        return failed ? 1 : 0
    }
}
