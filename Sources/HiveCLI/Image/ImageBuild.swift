// `hive build [OPTIONS] CONTEXT|-`: a Dockerfile into an image.
import Glibc
import HiveBuild
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageBuild {
    static let def = CommandDef(
        name: "build", aliases: ["build", "image build", "buildx build"], usage: "[OPTIONS] PATH | -",
        summary: "Build an image from a Dockerfile",
        options: [
            .multi("tag", "t", "list", "Name and optionally a tag (format: \"name:tag\")"),
            .value("file", "f", "string", "Name of the Dockerfile (default: \"PATH/Dockerfile\"; - reads it from stdin)"),
            .multi("build-arg", nil, "list", "Set build-time variables"),
            .value("target", nil, "string", "Set the target build stage to build"),
            .flag("no-cache", nil, "Do not use cache when building the image"),
            .flag("pull", nil, "Always attempt to pull a newer version of the image"),
            .multi("label", nil, "list", "Set metadata for an image"),
            .value("network", nil, "string", "Networking mode for the RUN instructions: bridge (default), none or host"),
            .value("iidfile", nil, "string", "Write the image ID to the file"),
            .flag("quiet", "q", "Suppress the build output and print image ID on success"),
            .value("progress", nil, "string", "Type of progress output: auto, plain, quiet"),
        ] + stepOptions + [
            .value("isolation", nil, "string", "Container isolation technology: on Linux only \"default\""),
            .flag("rm", nil, "Accepted: hive's build never leaves intermediate containers (each RUN step's goes when it ends)"),
            .flag("force-rm", nil, "Accepted: hive's build never leaves intermediate containers, failed steps' neither"),
            .flag("squash", nil, "Not supported: " + squashReason),
            .flag("disable-content-trust", nil, "Skip image verification (accepted: hive does no content trust)"),
        ], run: run)

    /// run's flags that apply to every RUN step's container, with run's help and parsers.
    static let stepFlags: Set<String> = [
        "add-host", "cgroup-parent", "cpu-period", "cpu-quota", "cpu-shares", "cpuset-cpus", "cpuset-mems",
        "memory", "memory-swap", "shm-size", "ulimit", "security-opt", "platform",
    ]
    static var stepOptions: [OptionDef] { ContainerRun.def.options.filter { stepFlags.contains($0.long) } }
    static let squashReason = "hive's images keep their layers (docker build --squash is experimental and BuildKit dropped it)"

    /// The RUN steps' container settings from run's flags (nil: none given).
    static func stepSettings(_ c: Context) throws -> RunOptions? {
        let a = c.args
        guard stepFlags.contains(where: { !a.all($0).isEmpty }) else { return nil }
        var o = RunOptions(image: "")
        o.extraHosts = a.all("add-host")
        o.ulimits = a.all("ulimit")
        o.securityOpts = a.all("security-opt")
        ContainerRun.warnLSM(o.securityOpts, c)
        o.platform = a.value("platform")
        o.isolation.cgroupParent = a.value("cgroup-parent")
        if let s = a.value("shm-size") { o.isolation.shmSize = try Quantity.bytes(s) }
        o.resources = try ContainerUpdate.resources(c).applied(to: o.resources)
        try RunFlags.tuning(c, &o.resources)
        return o
    }

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let path = c.args.positionals[0]
        let file = c.args.value("file")
        var text: String
        var name = "Dockerfile"
        var contextDir: String? = path
        if path == "-" {
            contextDir = nil
            text = Files.readText("/dev/stdin") ?? ""
        } else if file == "-" {
            text = Files.readText("/dev/stdin") ?? ""
        } else {
            let dfPath = file ?? path + "/Dockerfile"
            text = try Builder.readDockerfile(context: file == nil ? path : nil, path: dfPath)
            name = file.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "Dockerfile"
        }
        if text.isEmpty { throw HiveError(.invalidArgument, "the Dockerfile is empty") }
        // RUN steps get no terminal input
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, 0); close(null) }
        var o = BuildOptions(dockerfileText: text)
        o.contextDir = contextDir
        o.dockerfileName = name
        o.tags = c.args.all("tag")
        for a in c.args.all("build-arg") {
            let kv = a.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { o.buildArgs[kv[0]] = kv[1] } else if let v = getenv(kv[0]) { o.buildArgs[kv[0]] = String(cString: v) }
        }
        o.labels = c.keyValues("label")
        o.target = c.args.value("target")
        o.noCache = c.args.flag("no-cache")
        o.pull = c.args.flag("pull")
        o.network = c.args.value("network") ?? "default"
        let progress = c.args.value("progress") ?? "auto"
        guard ["auto", "plain", "tty", "quiet", "rawjson"].contains(progress) else {
            throw HiveError(.invalidArgument, "invalid --progress \"\(progress)\" (auto, plain or quiet)")
        }
        let quiet = c.args.flag("quiet") || progress == "quiet"
        o.showRunOutput = !quiet
        let err = c.err
        let started = Timestamp.now().unixNanos
        o.progress = quiet ? { _ in } : { line in
            err.line(line)
            err.flush()
        }
        c.out.flush()
        if c.args.flag("squash") { throw HiveError(.invalidArgument, "--squash is not supported: " + squashReason) }
        if let i = c.args.value("isolation"), !["default", ""].contains(i) {
            throw HiveError(.invalidArgument, "--isolation \(i) is not supported: Windows only; on Linux only \"default\" is accepted")
        }
        let steps = try stepSettings(c)
        let id = try c.engine().build(o, steps: steps)
        if let f = c.args.value("iidfile") { try Files.write(f, id.description) }
        if c.args.flag("quiet") { c.out.line(id.description) }
        if !quiet {
            let ms = (Timestamp.now().unixNanos - started) / 1_000_000
            err.line("built \(id.shortID) in \(ms / 1000).\(format3(ms % 1000))s")
        }
        return 0
    }

    static func format3(_ n: Int64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }
}
