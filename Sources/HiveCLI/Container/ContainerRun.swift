// `hive run [OPTIONS] IMAGE [COMMAND] [ARG...]` (foreground).
import Glibc
import HiveEngine
import HiveOCI
import HiveRuntime
import HivePlatform

enum ContainerRun {
    static let def = CommandDef(
        name: "run", aliases: ["run", "container run"], usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        summary: "Create and run a new container from an image",
        options: [
            .flag("rm", nil, "Automatically remove the container when it exits"),
            .flag("detach", "d", "Run container in background and print container ID"),
            .flag("interactive", "i", "Keep STDIN open"),
            .flag("tty", "t", "Allocate a pseudo-TTY"),
            .multi("env", "e", "list", "Set environment variables"),
            .multi("env-file", nil, "list", "Read in a file of environment variables"),
            .value("name", nil, "string", "Assign a name to the container"),
            .flag("replace", nil, "If a container with the same name exists, replace it"),
            .flag("init", nil, "Run an init inside the container that forwards signals and reaps processes"),
            .value("workdir", "w", "string", "Working directory inside the container"),
            .value("user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
            .value("entrypoint", nil, "string", "Overwrite the default ENTRYPOINT of the image"),
            .value("hostname", "h", "string", "Container host name"),
            .value("network", nil, "string", "Connect a container to a network: bridge (default), none, host, NAME, container:NAME"),
            .value("net", nil, "string", "Alias of --network"),
            .multi("network-alias", nil, "list", "Add network-scoped alias for the container"),
            .multi("net-alias", nil, "list", "Alias of --network-alias"),
            .multi("publish", "p", "list", "Publish a container's port(s) to the host: [IP:][HOSTPORT:]PORT[/tcp|udp], ranges too"),
            .flag("publish-all", "P", "Publish all exposed ports to random ports"),
            .multi("expose", nil, "list", "Expose a port or a range of ports"),
            .value("ip", nil, "string", "IPv4 address (e.g., 172.30.100.104)"),
            .value("ip6", nil, "string", "IPv6 address (e.g., 2001:db8::33)"),
            .value("mac-address", nil, "string", "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
            .multi("dns", nil, "list", "Set custom DNS servers"),
            .multi("dns-search", nil, "list", "Set custom DNS search domains"),
            .multi("dns-option", nil, "list", "Set DNS options"),
            .multi("dns-opt", nil, "list", "Alias of --dns-option"),
            .multi("add-host", nil, "list", "Add a custom host-to-IP mapping (host:ip or host:host-gateway)"),
            .flag("privileged", nil, "Give extended privileges to this container"),
            .multi("device", nil, "list", "Add a host device to the container (HOST[:CONTAINER][:PERMS], PERMS of rwm)"),
            .flag("read-only", nil, "Mount the container's root filesystem as read only"),
            .multi("cap-add", nil, "list", "Add Linux capabilities"),
            .multi("cap-drop", nil, "list", "Drop Linux capabilities"),
            .multi("security-opt", nil, "list", "Security options: seccomp=unconfined|FILE, no-new-privileges=true|false"),
            .value("gpus", nil, "string", "GPU devices to add to the container (not supported: refused)"),
            .multi("label", "l", "list", "Set meta data on a container"),
            .value("stop-signal", nil, "string", "Signal to stop the container"),
            .multi("volume", "v", "list", "Bind mount a volume: SRC:DST[:ro], NAME:DST, or DST (anonymous)"),
            .multi("mount", nil, "mount", "Attach a filesystem mount: type=bind|volume|tmpfs,source=,target=,readonly"),
            .multi("tmpfs", nil, "list", "Mount a tmpfs directory: PATH[:OPTIONS]"),
            .multi("ulimit", nil, "ulimit", "Ulimit options (e.g. nofile=1024:2048)"),
        ] + ContainerUpdate.resourceOptions + [
            .value("stop-timeout", nil, "int", "Timeout (in seconds) to stop a container"),
            .multi("log-opt", nil, "list", "Log driver options: max-size=SIZE (default 20m), max-file=N (default 5)"),
            .value("pull", nil, "string", "Pull image before running: always, missing (default), never"),
            .value("restart", nil, "string", "Restart policy to apply when a container exits: no, on-failure[:N], always, unless-stopped"),
            .value("health-cmd", nil, "string", "Command to run to check health"),
            .value("health-interval", nil, "duration", "Time between running the check (ms|s|m|h) (default 0s)"),
            .value("health-timeout", nil, "duration", "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"),
            .value("health-retries", nil, "int", "Consecutive failures needed to report unhealthy"),
            .value("health-start-period", nil, "duration", "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)"),
            .value("health-start-interval", nil, "duration", "Time between running the check during the start period (ms|s|m|h) (default 0s)"),
            .flag("no-healthcheck", nil, "Disable any container-specified HEALTHCHECK"),
            .value("health-on-failure", nil, "string", "Action to take once the container turns unhealthy: none, kill, restart, stop"),
            .multi("attach", "a", "list", "Attach to STDIN, STDOUT or STDERR"),
            .value("detach-keys", nil, "string", "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)"),
            .flag("sig-proxy", nil, "Proxy received signals to the process (default true)"),
            .value("log-driver", nil, "string", "Logging driver for the container: json-file (default), none"),
        ] + RunFlags.options, interspersed: false, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        var o = try options(c)
        o.cidFile = try RunFlags.cidFile(c)
        do { return try start(c, o) } catch {
            RunFlags.dropEmpty(o.cidFile)
            throw error
        }
    }

    static func start(_ c: Context, _ o: RunOptions) throws -> Int32 {
        Profile.mark("options")
        let engine = try c.engine()
        try pullPolicy(c, engine)
        Profile.mark("engine")
        if c.args.flag("detach") {
            if !o.attach.isEmpty { throw HiveError(.invalidArgument, "conflicting options: -a and -d (attach to a detached container with hive attach)") }
            let (id, _) = try engine.createContainer(o)
            c.out.line(try engine.startDetached(id))
            return 0
        }
        c.out.flush()
        // without -i (or with -a but not -a stdin) the container's stdin is /dev/null, as with
        // docker: ForegroundIO gives it that; with -t the pty's proxy must not see a terminal here
        if o.tty && (!c.args.flag("interactive") || (!o.attach.isEmpty && !o.attach.contains("stdin"))) {
            let null = open("/dev/null", O_RDONLY)
            if null >= 0 { dup2(null, 0); close(null) }
        }
        return try engine.run(o)
    }

    /// --security-opt apparmor=/label=: accepted as Docker accepts them on a host without that LSM, but said out loud.
    static func warnLSM(_ opts: [String], _ c: Context) {
        for s in opts where s.hasPrefix("apparmor") || s.hasPrefix("label") {
            c.err.line("WARNING: --security-opt \(s) has no effect: hive has no AppArmor or SELinux support; the container gets hive's seccomp profile, capabilities and namespaces")
            c.err.flush()
        }
    }

    static func options(_ c: Context) throws -> RunOptions {
        var o = RunOptions(image: c.args.positionals[0])
        o.command = Array(c.args.positionals.dropFirst())
        o.entrypoint = c.args.value("entrypoint")
        o.env = try c.args.all("env-file").flatMap(readEnvFile) + c.args.all("env")
        o.name = c.args.value("name")
        o.replace = c.args.flag("replace")
        o.ulimits = c.args.all("ulimit")
        o.tty = c.args.flag("tty")
        o.initProcess = c.args.flag("init")
        o.workdir = c.args.value("workdir")
        o.user = c.args.value("user")
        o.hostname = c.args.value("hostname")
        try RunNetworkFlags.apply(c, to: &o)
        o.remove = c.args.flag("rm")
        o.privileged = c.args.flag("privileged")
        o.devices = c.args.all("device")
        o.readOnly = c.args.flag("read-only")
        o.capAdd = c.args.all("cap-add")
        o.capDrop = c.args.all("cap-drop")
        o.securityOpts = c.args.all("security-opt")
        if let g = c.args.value("gpus") {
            throw RunRefusals.error("gpus", g)
        }
        warnLSM(o.securityOpts, c)
        o.labels = try RunFlags.labels(c)
        let cwd = RunFlags.currentDirectory()
        o.mounts = try c.args.all("volume").map { try MountRequest.parseVolume($0, cwd: cwd) } + c.args.all("mount").map(MountRequest.parseMount)
            + c.args.all("tmpfs").map(MountRequest.parseTmpfs)
        o.stopSignal = c.args.value("stop-signal")
        o.logOptions = c.args.all("log-opt")
        o.logDriver = c.args.value("log-driver")
        o.restart = c.args.value("restart")
        o.health.cmd = c.args.value("health-cmd")
        o.health.interval = c.args.value("health-interval")
        o.health.timeout = c.args.value("health-timeout")
        o.health.retries = c.args.value("health-retries")
        o.health.startPeriod = c.args.value("health-start-period")
        o.health.startInterval = c.args.value("health-start-interval")
        o.health.disabled = c.args.flag("no-healthcheck")
        o.health.onFailure = c.args.value("health-on-failure")
        o.attach = c.args.all("attach").map { $0.lowercased() }
        o.interactive = c.args.flag("interactive")
        o.detachKeys = try c.args.value("detach-keys").map(AttachProtocol.detachKeys)
        o.sigProxy = !c.args.negated.contains("sig-proxy")
        _ = try AttachStreams.parse(o.attach, interactive: o.interactive)  // checked before anything is made
        // --memory, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --pids-limit as `update` takes them
        o.resources = try ContainerUpdate.resources(c).applied(to: o.resources)
        if c.args.value("pids-limit") == nil, let v = try c.engine().config().containers.pidsLimit {  // hive.toml [containers] pids_limit
            o.resources.pidsLimit = v > 0 ? v : nil
        }
        try RunFlags.apply(c, to: &o)
        if let t = c.args.value("stop-timeout") {
            guard let n = Int(t), n >= 0 else { throw HiveError(.invalidArgument, "invalid --stop-timeout \"\(t)\"") }
            o.stopTimeout = n
        }
        return o
    }

    /// `--pull`: how the engine gets a missing image; its progress on stderr, as Docker's.
    static func pullPolicy(_ c: Context, _ engine: Engine) throws {
        let policy = try c.args.value("pull").map { (p) throws(HiveError) in try PullPolicy(parsing: p) } ?? .missing
        let err = c.err
        // -q: no pull output at all, as Docker's
        let quiet = c.args.flag("quiet")
        let renderer = PullRenderer(out: err, tty: isatty(2) == 1, quiet: quiet)
        engine.runPull = RunPull(policy: policy, announce: { if !quiet { err.line("Unable to find image '\($0)' locally"); err.flush() } },
                                 progress: { if !quiet { renderer.update($0) } },
                                 done: { r in if !quiet { ImagePull.status(r, out: err); err.flush() } })
    }

    /// `-a`: STDIN, STDOUT or STDERR in any case (lowercased), as Docker's.
    static func readEnvFile(_ path: String) throws -> [String] {
        guard let text = Files.readText(path) else { throw HiveError.errno("cannot open env file \(path)") }
        return text.split(separator: "\n").map { String($0).trimmed }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
