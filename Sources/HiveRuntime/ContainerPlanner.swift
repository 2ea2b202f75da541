// A container's plan (DESIGN.md "run"): a request, the image's config, hive's
// defaults and what the engine resolved (layer directories, the container's
// id and directory, where volumes live) -> what the record keeps
// (ContainerSpec) and everything the launcher needs: mounts in order, argv,
// env, user, hostname, /etc/hosts and resolv.conf content, cgroup layout,
// device policy, seccomp, capabilities, rlimits, the network part. No store,
// no SQLite: writing the files is `ContainerPlan.materialize`, a step of its own.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

public struct ContainerPlanner {
    /// hive's defaults (hive.toml) and what the host gives every container.
    public struct Defaults {
        /// hive.toml `[cgroups] devices`.
        public var deviceMechanism: DeviceMechanism = .auto
        /// The hard RLIMIT_NOFILE a container gets at most by default (hive's own).
        public var hardNofile: UInt64 = ContainerPlanner.hardNofile()
        /// The host's resolver configuration, copied for `--network host`.
        public var hostResolvConf = "/etc/resolv.conf"
        /// `-e NAME` without a value takes the host's NAME.
        public var hostEnv: (String) -> String? = { n in getenv(n).map { String(cString: $0) } }
        /// hive.toml `[containers] ulimits` (a request's --ulimit replaces one by name).
        public var ulimits: [String] = []
        public init() {}
        public init(config: HiveConfig) {
            deviceMechanism = DeviceMechanism(rawValue: config.cgroupDevices) ?? .auto
            ulimits = config.containers.ulimits
        }
    }

    /// What the engine resolved from names: the planner reads no store.
    public struct Inputs {
        /// The container's ID (its default hostname and cgroup names derive from it).
        public var id: String
        /// The image's config (nil fields: Docker's defaults).
        public var image: ContainerConfig
        /// The image's layer directories, top first (overlayfs lowerdir order).
        public var layerDirs: [String]
        /// The container's directory (created by `materialize`).
        public var dir: String
        /// Where volumes live, and a volume's data directory by name.
        public var volumesDir: String
        public var volumeData: (String) -> String
        /// hive-init's path (checked only with --init).
        public var initBinary: String
        /// Where compiled seccomp programs are cached.
        public var seccompCacheDir: String
        /// `--log-opt` as parsed (nil: not given).
        public var logMaxSize: Int64?
        public var logMaxFile: Int64?
        /// The namespace the container joins: where the network manager pins its
        /// own (bridge and user networks), or the other container's (container:NAME).
        public var netnsPath: String? = nil
        /// container:NAME: the other container's directory (its hostname, hosts
        /// and resolv.conf are shared, as Docker does) and hostname.
        public var sharedDir: String? = nil
        public var sharedHostname: String? = nil
        /// `--add-host NAME:host-gateway`: the default network's gateway (nil: none asked).
        public var hostGateway: IPAddress? = nil
        /// `--ipc container:NAME`, `--pid container:NAME`: that container's init now (`.join`).
        public var ipcJoin: SharedNamespace? = nil
        public var pidJoin: SharedNamespace? = nil

        public init(id: String, image: ContainerConfig, layerDirs: [String], dir: String, volumesDir: String,
                    volumeData: @escaping (String) -> String, initBinary: String, seccompCacheDir: String,
                    logMaxSize: Int64? = nil, logMaxFile: Int64? = nil) {
            self.id = id
            self.image = image
            self.layerDirs = layerDirs
            self.dir = dir
            self.volumesDir = volumesDir
            self.volumeData = volumeData
            self.initBinary = initBinary
            self.seccompCacheDir = seccompCacheDir
            self.logMaxSize = logMaxSize
            self.logMaxFile = logMaxFile
        }
    }

    public var defaults: Defaults
    public init(defaults: Defaults = Defaults()) { self.defaults = defaults }

    /// The plan for `r`; throws the first invalid input with the message the CLI shows.
    public func plan(_ r: ContainerRequest, _ inputs: Inputs) throws -> ContainerPlan {
        let cc = inputs.image
        var argv = try ContainerPlanner.command(r, cc)
        if r.initProcess {
            guard access(inputs.initBinary, X_OK) == 0 else {
                throw HiveError(.notFound, "--init needs \(inputs.initBinary) (make build builds it)")
            }
            argv = ["/dev/init", "--"] + argv
        }
        let security = try ContainerPlanner.security(r.securityOpts)
        let caps = try Capabilities.resolve(add: r.capAdd, drop: r.capDrop, privileged: r.privileged)
        let deviceRequests = try r.devices.map { d throws(HiveError) in try DeviceRequest.parse(d) }
        var bpf: [UInt8]? = nil
        if !r.privileged && security.seccomp != "unconfined" {
            var profile = Array(DefaultSeccomp.json.utf8)
            if security.seccomp != "default" {
                guard let bytes = Files.read(security.seccomp) else {
                    throw HiveError(.invalidArgument, "cannot read seccomp profile \(security.seccomp)")
                }
                profile = bytes
            }
            bpf = try Seccomp.load(profileBytes: profile, caps: caps, cacheDir: inputs.seccompCacheDir)
        }
        Profile.mark("seccomp")

        var user = try UserResolver.resolve(r.user ?? cc.user ?? "", layers: inputs.layerDirs)
        let network = try NetworkMode.parse(r.network)
        if case .container = network, r.hostname != nil {
            throw HiveError(.invalidArgument, "conflicting options: --hostname and --network \(r.network) (the container shares that one's hostname)")
        }
        try r.isolation.check(network: r.network, hostname: r.hostname)
        for g in r.isolation.groupAdd ?? [] {
            let gid = try UserResolver.groupID(g, layers: inputs.layerDirs)
            if !user.groups.contains(gid) { user.groups.append(gid) }
        }
        let hostname = r.isolation.uts == "host" ? ContainerPlanner.hostHostname()
            : r.hostname ?? inputs.sharedHostname ?? String(inputs.id.prefix(12))
        let env = environment(r, cc, hostname: hostname, home: user.home)
        let cwd = r.workdir ?? (cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/")
        guard cwd.hasPrefix("/") else { throw HiveError(.invalidArgument, "the working directory \"\(cwd)\" is invalid: it must be absolute") }

        let requested = try ContainerPlanner.mounts(r.mounts, imageVolumes: Array((cc.volumes ?? [:]).keys), volumeData: inputs.volumeData)
        // on a network the manager adds the container's own line (its address) when it attaches
        let (hosts, extraHosts) = try hostsFile(r, hostname: network.attaches ? nil : hostname, gateway: inputs.hostGateway)
        let resolvConf = resolvConf(network, r.net)

        var spec = ContainerSpec(argv: argv, env: env, cwd: cwd, user: r.user ?? cc.user ?? "", hostname: hostname, network: r.network,
                                 privileged: r.privileged, readOnly: r.readOnly, caps: caps.sorted(), noNewPrivs: security.noNewPrivs,
                                 seccomp: security.seccomp, labels: r.labels, autoRemove: r.remove,
                                 stopSignal: r.stopSignal ?? cc.stopSignal, stopTimeout: r.stopTimeout, resources: r.resources,
                                 devices: r.devices.isEmpty ? nil : r.devices,
                                 logMaxSize: inputs.logMaxSize, logMaxFile: inputs.logMaxFile)
        var net = r.net
        if net.publishAll {  // -P: the image's EXPOSE too
            for p in (cc.exposedPorts ?? [:]).keys.sorted() where !net.exposed.contains(p) { net.exposed.append(p) }
        }
        if net != NetworkRequest() { spec.net = net }
        if !extraHosts.isEmpty { spec.extraHosts = extraHosts.map(\.description) }
        // services (issue #14)
        if let text = r.restart {
            let policy = try RestartPolicy(parsing: text)
            if policy.restarts && r.remove {
                throw HiveError(.invalidArgument, "conflicting options: --restart \(text) and --rm (a container removed when it exits cannot be restarted)")
            }
            if policy.restarts { spec.restartPolicy = policy }
        }
        spec.healthcheck = try r.health.resolve(image: cc.healthcheck)
        spec.healthOnFailure = r.health.onFailure
        if r.isolation != IsolationRequest() { spec.isolation = r.isolation }
        if !r.annotations.isEmpty { spec.annotations = r.annotations }
        if !r.volumesFrom.isEmpty { spec.volumesFrom = r.volumesFrom }
        if let e = r.entrypoint { spec.entrypoint = e.isEmpty ? [] : [e] }
        if !r.ulimits.isEmpty { spec.ulimits = r.ulimits }
        if !r.securityOpts.isEmpty { spec.securityOpts = r.securityOpts }
        if r.interactive { spec.interactive = true }
        if r.tty { spec.tty = true }
        spec.mounts = requested.mounts.map { ContainerPlanner.info($0, volumesDir: inputs.volumesDir) }

        let dir = inputs.dir
        // A --rm container's writable layer is thrown away with it: "volatile"
        // skips the sync of the upper filesystem when its mount goes away
        // (~1.3 ms of every `run --rm` here). It is mounted once only, as
        // overlayfs requires of a volatile upper directory.
        var plan = LaunchPlan(rootfs: dir + "/rootfs",
                              overlayData: "lowerdir=\(inputs.layerDirs.joined(separator: ":")),upperdir=\(dir)/upper,workdir=\(dir)/work" + (r.remove ? ",volatile" : ""),
                              hostname: hostname, argv: argv, env: env, cwd: cwd)
        plan.readonlyRootfs = r.readOnly
        plan.tty = r.tty
        if r.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) { plan.env.append("TERM=xterm") }
        plan.user = user
        plan.caps = caps
        plan.noNewPrivs = security.noNewPrivs
        plan.seccomp = bpf
        plan.network = network.namespace(netnsPath: inputs.netnsPath)
        plan.privileged = r.privileged
        try isolate(&plan, r.isolation, inputs)
        plan.nofile = (1024, min(524288, defaults.hardNofile))
        for u in defaults.ulimits + r.ulimits {
            let (res, soft, hard) = try ContainerPlanner.parseUlimit(u)
            if res == Int32(RLIMIT_NOFILE.rawValue) { plan.nofile = (soft, hard) } else { plan.rlimits.append((res, soft, hard)) }
        }
        let files = inputs.sharedDir ?? dir  // container:NAME shares that one's
        plan.mounts = ContainerPlanner.ordered([
            MountSpec(source: files + "/hostname", target: "/etc/hostname"),
            MountSpec(source: files + "/hosts", target: "/etc/hosts"),
            MountSpec(source: files + "/resolv.conf", target: "/etc/resolv.conf"),
        ] + requested.mounts + (r.initProcess ? [MountSpec(source: inputs.initBinary, target: "/dev/init", readonly: true)] : [])
            + deviceRequests.map { MountSpec(source: $0.host, target: $0.container) })  // --device: the host's node, allowed below
        try ContainerPlanner.checkResources(r.resources)
        let rules = try (r.isolation.deviceCgroupRules ?? []).map { x throws(HiveError) in try IsolationRequest.deviceRule(x) }
        let groups = try Cgroups.layout(id: inputs.id, resources: r.resources,
                                        devices: Cgroups.devicePolicy(privileged: r.privileged, devices: deviceRequests).map { $0 + rules },
                                        mechanism: defaults.deviceMechanism, parent: r.isolation.cgroupParent)
        plan.cgroupProcs = groups.map(\.procs)
        return ContainerPlan(spec: spec, launch: plan, dir: dir, hosts: hosts, resolvConf: resolvConf, cgroups: groups,
                             volumes: requested.volumes)
    }

    /// ENTRYPOINT and CMD, as the image has them and the request overrides them.
    static func command(_ r: ContainerRequest, _ cc: ContainerConfig) throws -> [String] {
        var entry = cc.entrypoint ?? []
        var cmd = cc.cmd ?? []
        if let e = r.entrypoint {
            entry = e.isEmpty ? [] : [e]
            cmd = []
        }
        if !r.command.isEmpty { cmd = r.command }
        let argv = entry + cmd
        guard !argv.isEmpty else {
            throw HiveError(.invalidArgument, "no command specified: image \(r.image) has no CMD or ENTRYPOINT (give one after the image name)")
        }
        return argv
    }

    /// `--security-opt`: no-new-privileges and the seccomp mode ("default", "unconfined" or a profile file).
    static func security(_ opts: [String]) throws -> (noNewPrivs: Bool, seccomp: String) {
        var noNewPrivs = true
        var seccompMode = "default"
        for opt in opts {
            let kv = opt.split(separator: "=", maxSplits: 1).map(String.init)
            let value = kv.count > 1 ? kv[1] : "true"
            switch kv[0] {
            case "no-new-privileges":
                guard ["true", "false"].contains(value) else { throw HiveError(.invalidArgument, "invalid --security-opt \(opt) (no-new-privileges=true|false)") }
                noNewPrivs = value == "true"
            case "seccomp": seccompMode = value
            case "label", "apparmor": continue  // no LSM on these machines
            default: throw HiveError(.invalidArgument, "invalid --security-opt \"\(opt)\" (use seccomp=unconfined|FILE or no-new-privileges=true|false)")
            }
        }
        return (noNewPrivs, seccompMode)
    }

    /// The image's env, a default PATH, the request's -e (a later key replaces an
    /// earlier one; `-e NAME` takes the host's), HOSTNAME, then HOME if unset.
    func environment(_ r: ContainerRequest, _ cc: ContainerConfig, hostname: String, home: String) -> [String] {
        var env = cc.env ?? []
        func setEnv(_ kv: String) {
            let key = kv.prefix(while: { $0 != "=" })
            env.removeAll { $0.prefix(while: { $0 != "=" }) == key }
            env.append(kv)
        }
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { setEnv("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        for e in r.env {
            if e.contains("=") { setEnv(e) } else if let v = defaults.hostEnv(e) { setEnv(e + "=" + v) }
        }
        setEnv("HOSTNAME=" + hostname)
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + home) }
        return env
    }
}
