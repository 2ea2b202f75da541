// `hive run` (foreground): image + flags -> a container record, its writable
// layer, a launch plan; then wait, record the exit, and with --rm remove it.
import CHiveLaunch
import Glibc
import HiveArchive
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Runs a container in the foreground; returns its exit status.
    public func run(_ o: RunOptions) throws -> Int32 {
        if o.network != "host" { Launcher.prepareNetwork() }
        let (r, plan) = try create(o)
        let id = r.id
        Profile.mark("created")
        do {
            try preStart(r)
            Profile.mark("preStart")
            let pid: pid_t
            do {
                let starting = try Launcher.start(plan)
                Profile.mark("cloned")
                pid = starting.pid
                // recorded while the child sets up its mounts (nothing of the
                // container runs before its exec): the commit costs no wall time
                do {
                    try store.db.transaction(durable: false) { () throws(HiveError) in
                        try store.markRunning(id, pid: pid, pidStart: Engine.processStart(pid) ?? 0, at: Timestamp.now().unixNanos)
                    }
                } catch {
                    kill(pid, SIGKILL)
                    try? Launcher.finish(starting)
                    throw error
                }
                Profile.mark("recorded")
                try Launcher.finish(starting)
            } catch let e as LaunchError {
                if o.remove { try? cleanupContainer(id) } else { try? markLaunchFailed(id, e.exitCode) }
                throw e.hiveError
            }
            Profile.mark("markRunning")
            store.unlock()
            postStart(r, pid: pid)
            Profile.mark("postStart")
            let master = o.tty ? Launcher.lastPtyMaster : -1
            let status = master >= 0 ? Launcher.proxy(master: master, pid: pid) : Launcher.wait(pid, forwardSignals: true)
            Profile.mark("waited")
            try containerExited(r, status: status, at: Timestamp.now().unixNanos, autoRemove: o.remove)
            Profile.mark("exited")
            return status
        } catch {
            if o.remove { try? cleanupContainer(id) }
            throw error
        }
    }

    /// Creates a container (record, writable layer, launch plan) without starting it.
    /// Returns its ID and plan; the plan is also written to the container's directory.
    public func createContainer(_ o: RunOptions) throws -> (String, LaunchPlan) {
        let (r, plan) = try create(o)
        return (r.id, plan)
    }

    /// Creates a container; returns its record as stored and its launch plan.
    func create(_ input: RunOptions) throws -> (ContainerRecord, LaunchPlan) {
        var o = input
        if !o.buildStep, let ctx = try preHooks(.preCreate, { (o.hookContext, Hooks.Subject(image: o.image, labels: o.labels)) }) {
            try o.apply(hookContext: ctx)
        }
        Profile.mark("preCreate")
        try store.lockShared()  // no sweep while the layers are being mounted
        let resolved = try resolveImage(o.image)
        let config = try imageConfig(resolved.id)
        let cc = config.config ?? ContainerConfig()
        let layers = try store.layers(of: resolved.id)
        let layerDirs = layers.reversed().map { store.layerDiffDir($0.chainID) }
        Profile.mark("image")

        // command
        var entry = cc.entrypoint ?? []
        var cmd = cc.cmd ?? []
        if let e = o.entrypoint {
            entry = e.isEmpty ? [] : [e]
            cmd = []
        }
        if !o.command.isEmpty { cmd = o.command }
        var argv = entry + cmd
        guard !argv.isEmpty else {
            throw HiveError(.invalidArgument, "no command specified: image \(o.image) has no CMD or ENTRYPOINT (give one after the image name)")
        }
        var initBinary: String? = nil
        if o.initProcess {
            let path = Engine.siblingExecutable("hive-init")
            guard access(path, X_OK) == 0 else {
                throw HiveError(.notFound, "--init needs \(path) (make build builds it)")
            }
            initBinary = path
            argv = ["/dev/init", "--"] + argv
        }

        let logOptions = try LogOptions.parse(o.logOptions)
        // security
        var noNewPrivs = true
        var seccompMode = "default"
        for opt in o.securityOpts {
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
        let caps = try Capabilities.resolve(add: o.capAdd, drop: o.capDrop, privileged: o.privileged)
        let deviceRequests = try o.devices.map { d throws(HiveError) in try DeviceRequest.parse(d) }
        var bpf: [UInt8]? = nil
        if !o.privileged && seccompMode != "unconfined" {
            var profile = Array(DefaultSeccomp.json.utf8)
            if seccompMode != "default" {
                guard let bytes = Files.read(seccompMode) else {
                    throw HiveError(.invalidArgument, "cannot read seccomp profile \(seccompMode)")
                }
                profile = bytes
            }
            bpf = try Seccomp.load(profileBytes: profile, caps: caps, cacheDir: store.root + "/cache")
        }

        Profile.mark("seccomp")
        // user, env, cwd
        let user = try UserResolver.resolve(o.user ?? cc.user ?? "", layers: layerDirs)
        var env = cc.env ?? []
        func setEnv(_ kv: String) {
            let key = kv.prefix(while: { $0 != "=" })
            env.removeAll { $0.prefix(while: { $0 != "=" }) == key }
            env.append(kv)
        }
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { setEnv("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        for e in o.env {
            if e.contains("=") { setEnv(e) } else if let v = getenv(e) { setEnv(e + "=" + String(cString: v)) }
        }
        let id = Engine.randomID()
        let hostname = o.hostname ?? String(id.prefix(12))
        setEnv("HOSTNAME=" + hostname)
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + user.home) }
        let cwd = o.workdir ?? (cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/")
        guard cwd.hasPrefix("/") else { throw HiveError(.invalidArgument, "the working directory \"\(cwd)\" is invalid: it must be absolute") }
        guard ["none", "host"].contains(o.network) else {
            throw HiveError(.invalidArgument, "network \"\(o.network)\" is not available (use --network none or host)")
        }

        // record
        // a generated name is picked inside the write transaction below, so
        // concurrent runs cannot pick the same one
        let name = try o.name.map(Engine.validateName) ?? ""
        if o.replace, o.name != nil, let old = try store.container(name), old.name == name {
            try removeContainer(old.id, force: true)
        }
        let spec = ContainerSpec(argv: argv, env: env, cwd: cwd, user: o.user ?? cc.user ?? "", hostname: hostname, network: o.network,
                                 privileged: o.privileged, readOnly: o.readOnly, caps: caps.sorted(), noNewPrivs: noNewPrivs,
                                 seccomp: seccompMode, labels: o.labels, autoRemove: o.remove,
                                 stopSignal: o.stopSignal ?? cc.stopSignal, stopTimeout: o.stopTimeout, resources: o.resources,
                                 devices: o.devices.isEmpty ? nil : o.devices,
                                 logMaxSize: logOptions.maxSize, logMaxFile: logOptions.maxFile)
        let specJSON = spec.json
        var rec = ContainerRecord(id: id, name: name, imageID: resolved.id, imageName: o.image, config: specJSON,
                                  created: Timestamp.now().unixNanos)
        rec.command = argv.joined(separator: " ")
        rec.labelsJSON = labelsJSON(o.labels)
        // one transaction: volumes, the record (with its mounts), the volume references
        var inserted = rec
        let volumeMounts: [MountSpec] = try store.db.transaction(durable: false) { () throws(HiveError) -> [MountSpec] in
            let (m, used, _): ([MountSpec], [String], [String])
            do { (m, used, _) = try resolveMounts(o.mounts, imageVolumes: Array((cc.volumes ?? [:]).keys)) } catch let e as HiveError { throw e } catch {
                throw HiveError(.internal, "\(error)")
            }
            var stored = spec
            stored.mounts = m.map { m -> MountInfo in
                let isVolume = m.source?.hasPrefix(store.volumesDir + "/") == true
                let name = isVolume ? m.source.map { String($0.dropFirst(store.volumesDir.count + 1).prefix(while: { $0 != "/" })) } : nil
                return MountInfo(type: m.fstype == "tmpfs" ? "tmpfs" : isVolume ? "volume" : "bind", source: m.fstype == "tmpfs" ? "" : m.source ?? "",
                                 destination: m.target, rw: !m.readonly, name: name)
            }
            var full = rec
            full.config = stored.json
            if full.name.isEmpty { full.name = try Engine.generatedName { n throws(HiveError) in try store.containerNameTaken(n) } }
            try store.insertContainer(full)
            decodedSpecs[full.config] = stored  // the events of this command need not decode these again
            decodedLabels[full.labelsJSON] = o.labels
            try store.touchImage(resolved.id, at: full.created)
            for v in used { try store.attachVolume(v, to: id) }
            inserted = full
            return m
        }
        rec = inserted
        Profile.mark("insert")

        let dir = store.containersDir + "/" + id
        do {
            for d in [store.containersDir, dir, dir + "/upper", dir + "/work", dir + "/rootfs"] {
                if mkdir(d, 0o700) != 0 && errno != EEXIST { throw HiveError.errno("cannot create \(d)") }
            }
            chmod(dir + "/upper", 0o755)
            try Files.write(dir + "/hostname", hostname + "\n")
            let extra = try o.extraHosts.map { h -> String in
                guard let colon = h.lastIndex(of: ":"), colon != h.startIndex, !h[h.index(after: colon)...].isEmpty,
                      !h.contains(where: { $0 == "\n" || $0 == " " || $0 == "\t" }) else {
                    throw HiveError(.invalidArgument, "invalid --add-host \"\(h)\" (use NAME:IP)")
                }
                return "\(h[h.index(after: colon)...])\t\(h[..<colon])\n"
            }.joined()
            try Files.write(dir + "/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t\(hostname)\n" + extra)
            try Files.write(dir + "/resolv.conf", o.network == "host" ? (String(bytes: Files.read("/etc/resolv.conf") ?? [], encoding: .utf8) ?? "") : "")

            // A --rm container's writable layer is thrown away with it: "volatile"
            // skips the sync of the upper filesystem when its mount goes away
            // (~1.3 ms of every `run --rm` here). It is mounted once only, as
            // overlayfs requires of a volatile upper directory.
            var plan = LaunchPlan(rootfs: dir + "/rootfs",
                                  overlayData: "lowerdir=\(layerDirs.joined(separator: ":")),upperdir=\(dir)/upper,workdir=\(dir)/work" + (o.remove ? ",volatile" : ""),
                                  hostname: hostname, argv: argv, env: env, cwd: cwd)
            plan.readonlyRootfs = o.readOnly
            plan.tty = o.tty
            if o.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) { plan.env.append("TERM=xterm") }
            plan.user = user
            plan.caps = caps
            plan.noNewPrivs = noNewPrivs
            plan.seccomp = bpf
            plan.newNetns = o.network != "host"
            plan.privileged = o.privileged
            plan.nofile = (1024, min(524288, Engine.hardNofile()))
            for u in o.ulimits {
                let (res, soft, hard) = try Engine.parseUlimit(u)
                if res == Int32(RLIMIT_NOFILE.rawValue) { plan.nofile = (soft, hard) } else { plan.rlimits.append((res, soft, hard)) }
            }
            plan.mounts = [
                MountSpec(source: dir + "/hostname", target: "/etc/hostname"),
                MountSpec(source: dir + "/hosts", target: "/etc/hosts"),
                MountSpec(source: dir + "/resolv.conf", target: "/etc/resolv.conf"),
            ] + volumeMounts + (initBinary.map { [MountSpec(source: $0, target: "/dev/init", readonly: true)] } ?? [])
                + deviceRequests.map { MountSpec(source: $0.host, target: $0.container) }  // --device: the host's node, allowed below
            // Bind sources are resolved now, once: the launcher opens them refusing any
            // symlink (RESOLVE_NO_SYMLINKS), so a symlink swapped in after a policy judged
            // the source (between create and start, say) fails the start instead of
            // binding whatever it points at.
            for i in plan.mounts.indices where plan.mounts[i].fstype == nil {
                if let s = plan.mounts[i].source { plan.mounts[i].source = Engine.canonicalPath(s) }
            }
            // parents before children (a volume on /etc, then /etc/hosts over it), as Docker orders them
            plan.mounts = plan.mounts.enumerated().sorted { a, b in
                let da = a.element.target.split(separator: "/").count, db = b.element.target.split(separator: "/").count
                return da != db ? da < db : a.offset < b.offset
            }.map(\.element)
            // recorded before they exist: a CLI killed in between leaves nothing rm cannot find
            let mechanism = DeviceMechanism(rawValue: (try? self.config())?.cgroupDevices ?? "auto") ?? .auto
            let groups = try Cgroups.layout(id: id, resources: o.resources,
                                            devices: Cgroups.devicePolicy(privileged: o.privileged, devices: deviceRequests), mechanism: mechanism)
            try Files.write(dir + "/cgroups", groups.map(\.dir).joined(separator: "\n") + "\n")
            Profile.mark("files")
            if (try? self.config())?.cgroupFavorDynmods ?? true, let did = Cgroups.favorDynamicModifications(marker: store.runroot + "/cgroup-favordynmods") {
                debugLog(did)
            }
            try Cgroups.create(groups)
            Profile.mark("cgroups")
            plan.cgroupProcs = groups.map(\.procs)
            try Launcher.write(plan, to: dir + "/plan")
            Profile.mark("plan")
            if !o.buildStep {
                emit(.postCreate, containerEvent(rec, "create"), context: containerOverlay(rec), base: containerBase(rec),
                     subject: Hooks.Subject(image: o.image, labels: o.labels))
            }
            return (rec, plan)
        } catch {
            try? cleanupContainer(id)
            throw error
        }
    }

    func markLaunchFailed(_ id: String, _ code: Int32) throws {
        try store.db.transaction(durable: false) { () throws(HiveError) in try store.markExited(id, exitCode: code, at: Timestamp.now().unixNanos) }
    }

    /// Removes a container's cgroups, files and record; with `volumes`, its anonymous volumes too.
    /// With `detached`, the directory (renamed out of containers/ first) is
    /// deleted by a detached process: `run --rm` returns without waiting for
    /// the writable layer's files to go (on these disks each unlink can take
    /// 0.2 ms); what it cannot delete is swept by a later idle command.
    func cleanupContainer(_ id: String, volumes: Bool = false, detached: Bool = false) throws {
        let anonymous = volumes ? try store.volumes(of: id).filter(\.anonymous).map(\.name) : []
        defer {
            for v in anonymous { try? store.db.transaction { () throws(HiveError) in try store.deleteVolume(v) } }
        }
        if let bytes = Files.read(store.containersDir + "/" + id + "/cgroups") {
            Cgroups.remove(String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init))
        }
        Profile.mark("cgroups removed")
        // rename first: the monitor may still be writing its exit file into the directory
        let dir = store.containersDir + "/" + id
        let doomed = store.tmpDir + "/rm-" + id
        let renamed = rename(dir, doomed) == 0
        if !renamed && errno != ENOENT { throw HiveError.errno("cannot remove the container directory \(dir)") }
        // the record goes before the files: they are out of containers/ already
        // (tmp/ is swept if any stay), and a synced commit would wait for their unlinks
        try store.db.transaction(durable: false) { () throws(HiveError) in try store.deleteContainer(id) }
        Profile.mark("record deleted")
        guard renamed else { return }
        // --rm: a detached `hive __rmtree` deletes them after the command returns
        // (unlinks cost ~0.2 ms each on these disks)
        if detached && HostProcess.spawnDetached(["__rmtree", doomed, store.pendingMarker]) { return }
        Engine.removeRenamed(doomed, pendingMarker: store.pendingMarker)
        Profile.mark("dir removed")
    }

    /// Deletes a directory already renamed into tmp/ (`hive __rmtree` runs this
    /// too); if anything stays, `pendingMarker` has the next idle command sweep it.
    @discardableResult
    public static func removeRenamed(_ path: String, pendingMarker: String) -> Bool {
        for attempt in 0..<20 {
            do { try FileTree.remove(path: path); return true } catch {
                if attempt < 19 { usleep(5000) }
            }
        }
        let fd = open(pendingMarker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        return false
    }

    static func randomID() -> String {
        var s = ""
        for _ in 0..<4 { let v = UInt64.random(in: 0...UInt64.max); let h = String(v, radix: 16); s += String(repeating: "0", count: 16 - h.count) + h }
        return s
    }

    static func validateName(_ n: String) throws -> String {
        let name = n.hasPrefix("/") ? String(n.dropFirst()) : n
        let u = Array(name.utf8)
        func ok(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard u.count >= 1, ok(u[0]), u.allSatisfy({ ok($0) || $0 == 95 || $0 == 46 || $0 == 45 }) else {
            throw HiveError(.invalidArgument, "invalid container name \"\(n)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        return name
    }

    static let adjectives = ["admiring", "brave", "busy", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid",
                             "nifty", "quirky", "serene", "sharp", "vibrant", "wizardly", "zealous", "bold", "calm", "dreamy",
                             "agile", "amber", "bright", "buzzing", "cheerful", "crisp", "daring", "deft", "diligent", "earnest",
                             "fearless", "festive", "focused", "friendly", "golden", "graceful", "hardy", "humble", "jovial", "kind",
                             "lively", "loyal", "merry", "mighty", "nimble", "noble", "patient", "plucky", "quiet", "radiant"]
    static let nouns = ["bee", "drone", "queen", "comb", "nectar", "pollen", "swarm", "hive", "wax", "honey",
                        "hopper", "lovelace", "turing", "noether", "curie", "darwin", "euler", "gauss", "ritchie", "thompson",
                        "babbage", "bohr", "dijkstra", "einstein", "fermat", "feynman", "galileo", "goldberg", "hamilton", "hawking",
                        "hypatia", "kepler", "knuth", "lamport", "liskov", "mccarthy", "meitner", "newton", "pascal", "pike",
                        "ramanujan", "shannon", "stallman", "tesla", "torvalds", "wozniak", "yonath", "allen", "bartik", "hamming"]

    /// A free name like Docker's: random pairs checked one by one (an index
    /// lookup each), then a random suffix once most pairs are in use.
    static func generatedName(taken: (String) throws(HiveError) -> Bool) throws(HiveError) -> String {
        for _ in 0..<100 {
            let n = adjectives.randomElement()! + "_" + nouns.randomElement()!
            if try !taken(n) { return n }
        }
        return "hive_" + String(randomID().prefix(12))
    }

    static func hardNofile() -> UInt64 {
        var rl = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl)
        return UInt64(rl.rlim_max)
    }

    /// `--ulimit name=soft[:hard]`; a hard limit above hive's own fails here,
    /// not in the child (root on these machines lacks CAP_SYS_RESOURCE).
    static func parseUlimit(_ spec: String) throws -> (Int32, UInt64, UInt64) {
        let names: [String: Int32] = [
            "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7, "memlock": 8,
            "as": 9, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
        ]
        let kv = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, let res = names[kv[0]] else {
            throw HiveError(.invalidArgument, "invalid --ulimit \"\(spec)\" (e.g. nofile=1024:2048; names: \(names.keys.sorted().joined(separator: ", ")))")
        }
        let vals = kv[1].split(separator: ":").map(String.init)
        func num(_ s: String) -> UInt64? { s == "-1" || s == "unlimited" ? UInt64.max : UInt64(s) }
        guard vals.count >= 1, vals.count <= 2, let soft = num(vals[0]), let hard = num(vals.count == 2 ? vals[1] : vals[0]), soft <= hard else {
            throw HiveError(.invalidArgument, "invalid --ulimit \"\(spec)\": soft must not exceed hard")
        }
        var current = rlimit()
        getrlimit(__rlimit_resource_t(res), &current)
        if hard > UInt64(current.rlim_max) {
            throw HiveError(.invalidArgument, "--ulimit \(spec): the hard limit exceeds hive's own (\(current.rlim_max == rlim_t.max ? "unlimited" : String(current.rlim_max))), and raising it needs CAP_SYS_RESOURCE")
        }
        return (res, soft, hard)
    }


    /// Field 22 of /proc/PID/stat: tells a live container from a reused pid.
    /// nil for a zombie: it has exited, whoever reaps it.
    public static func processStart(_ pid: pid_t) -> Int64? {
        guard let bytes = Files.read("/proc/\(pid)/stat") else { return nil }
        let s = String(decoding: bytes, as: UTF8.self)
        guard let close = s.lastIndex(of: ")") else { return nil }
        let fields = s[s.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return Int64(fields[19])
    }
}
