// `hive run` (foreground): image + flags -> a container record, its writable
// layer, a launch plan; then wait, record the exit, and with --rm remove it.
import Glibc
import HiveArchive
import HiveHooks
import HiveNetwork
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Runs a container in the foreground; returns its exit status.
    public func run(_ o: RunOptions) throws -> Int32 {
        // a namespace made on a thread while the container is created: the network
        // manager pins it (bridge, user networks) or the launch joins it (--network
        // none); one a hook's change leaves unused is closed when `ahead` goes
        let attach = try AttachStreams.parse(o.attach, interactive: o.interactive)
        let mode = try? NetworkMode.parse(o.network)
        let ahead = mode == NetworkMode.none || mode?.attaches == true ? NetNamespace.prepare() : nil
        let (r, plan) = try create(o)
        let id = r.id
        Profile.mark("created")
        // a restart policy or a health check is carried out by a monitor; an
        // interactive terminal can detach (ctrl-p ctrl-q), and without
        // --sig-proxy this command can end while the container runs on:
        // then the container starts under its own monitor, this command attached to it
        if let s = spec(r), needsMonitor(s) || !o.sigProxy || o.detachKeys != nil || (o.tty && attach.stdin) {
            do { return try runSupervised(r, streams: attach, detachKeys: o.detachKeys, sigProxy: o.sigProxy) } catch {
                if o.remove, let now = try? store.container(id), !isAlive(now), !isRestarting(now) { try? cleanupContainer(id) }
                throw error
            }
        }
        do {
            try preStart(r)
            Profile.mark("preStart")
            let attached = try attachNetwork(r, prepared: ahead) != nil
            let netnsFD = !attached && plan.network == .new ? (try? ahead?.take()) ?? -1 : -1
            defer { if netnsFD >= 0 { close(netnsFD) } }
            // Docker logs every container: its output goes to the terminal and its log
            var plan = plan
            let io = try ForegroundIO(plan: &plan, attach: attach, log: foregroundLog(r))
            let pid: pid_t
            do {
                let starting = try Launcher.start(plan, netnsFD: netnsFD)
                io.launched()
                Profile.mark("cloned")
                pid = starting.pid
                // recorded while the child sets up its mounts (nothing of the
                // container runs before its exec): the commit costs no wall time
                do {
                    try store.db.transaction(durable: false) { () throws(HiveError) in
                        let start = ProcStat.startTime(pid) ?? 0
                        try store.markRunning(id, pid: pid, pidStart: start, at: Timestamp.now().unixNanos)
                        try holdNetwork(id, pid: pid, start: start)
                    }
                } catch {
                    kill(pid, SIGKILL)
                    try? Launcher.finish(starting)
                    throw error
                }
                Profile.mark("recorded")
                try Launcher.finish(starting)
            } catch let e as LaunchError {
                detachNetwork(id)
                if o.remove { try? cleanupContainer(id) } else { try? markLaunchFailed(id, e.exitCode) }
                throw e.hiveError
            }
            Profile.mark("markRunning")
            store.unlock()
            postStart(r, pid: pid)
            Profile.mark("postStart")
            let status = io.run(pid: pid)
            Profile.mark("waited")
            try containerExited(r, status: status, at: Timestamp.now().unixNanos, autoRemove: o.remove)
            Profile.mark("exited")
            return status
        } catch {
            detachNetwork(id)
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

    /// Creates a container; returns its record as stored and its launch plan:
    /// pre-create hooks, the image and names resolved, the plan (ContainerPlanner),
    /// one transaction for the record and its volumes, the container's files and
    /// cgroups, the plan file, post-create events.
    func create(_ input: RunOptions) throws -> (ContainerRecord, LaunchPlan) {
        var o = input
        if !o.buildStep, let ctx = try preHooks(.preCreate, { (o.hookContext, Hooks.Subject(image: o.image, labels: o.labels)) }) {
            try o.apply(hookContext: ctx)
        }
        Profile.mark("preCreate")
        try checkNetworkExists(o)
        let (imageID, config, layers) = try imageForCreate(o)  // a build step's may be a build cache record
        Profile.mark("image")
        if let p = o.platform { try Engine.checkPlatform(p, image: o.image, config) }

        let hiveConfig = (try? self.config()) ?? HiveConfig()
        let logDriver = try LogOptions.driver(o.logDriver) ?? hiveConfig.containers.logDriver
        let logOptions = try LogOptions.parse(o.logOptions, driver: logDriver)
        try logOptions.check(maxFile: logOptions.maxFile ?? hiveConfig.logMaxFile)
        let id = DockerNames.randomID()
        let store = self.store
        var inputs = ContainerPlanner.Inputs(
            id: id, image: config.config ?? ContainerConfig(), layerDirs: layers.reversed().map { store.layerDiffDir($0.chainID) },
            dir: store.containersDir + "/" + id, volumesDir: store.volumesDir, volumeData: { store.volumeData($0) },
            initBinary: o.initProcess ? Engine.siblingExecutable("hive-init") : "", seccompCacheDir: store.root + "/cache",
            logMaxSize: logOptions.maxSize, logMaxFile: logOptions.maxFile)
        try networkInputs(&o, id: id, into: &inputs)
        try resolveSharing(&o, into: &inputs)
        var made = try ContainerPlanner(defaults: .init(config: hiveConfig)).plan(o, inputs)
        Profile.mark("planned")
        made.spec.logDriver = logDriver == "json-file" ? nil : logDriver
        if logOptions.compress ?? hiveConfig.containers.logCompress { made.spec.logCompress = true }
        // only with --log-opt labels=/env=: the merged labels are built for them alone
        let logAttrs = logOptions.labels.isEmpty && logOptions.env.isEmpty ? nil
            : logOptions.attrs(labels: (config.config?.labels ?? [:]).merging(made.spec.labels) { $1 }, env: made.spec.env)

        // record
        // a generated name is picked inside the write transaction below, so
        // concurrent runs cannot pick the same one
        let name = try o.name.map(ContainerName.validate) ?? ""
        if o.replace, o.name != nil, let old = try store.container(name), old.name == name {
            try removeContainer(old.id, force: true)
        }
        var rec = ContainerRecord(id: id, name: name, imageID: imageID, imageName: o.image, config: made.spec.json,
                                  created: Timestamp.now().unixNanos)
        rec.command = made.spec.argv.joined(separator: " ")
        rec.labelsJSON = ImageRecord.labelsJSON(o.labels)
        // one transaction: volumes, the record (with its mounts), the volume references
        try store.db.transaction(durable: false) { () throws(HiveError) in
            for v in made.volumes { _ = try store.ensureVolume(v.name, anonymous: v.anonymous) }
            if rec.name.isEmpty { rec.name = try ContainerName.generate { n throws(HiveError) in try store.containerNameTaken(n) } }
            try store.insertContainer(rec)
            decodedSpecs[rec.config] = made.spec  // the events of this command need not decode these again
            decodedLabels[rec.labelsJSON] = o.labels
            try store.touchImage(imageID, at: rec.created)
            for v in made.volumes { try store.attachVolume(v.name, to: id) }
        }
        Profile.mark("insert")
        if let f = o.cidFile {
            do { try Files.write(f, id) } catch {
                try? cleanupContainer(id)
                throw error
            }
        }

        do {
            try made.materialize(parent: store.containersDir)
            Profile.mark("files")
            if let logAttrs { try Files.write(made.dir + "/log-attrs", logAttrs, mode: 0o600) }
            if hiveConfig.cgroupFavorDynmods, let did = Cgroups.favorDynamicModifications(marker: store.runroot + "/cgroup-favordynmods") {
                debugLog(did)
            }
            try Cgroups.create(made.cgroups)
            Profile.mark("cgroups")
            try Launcher.write(made.launch, to: made.dir + "/plan")
            Profile.mark("plan")
            try writeHealthConfig(made.spec, dir: made.dir)
            if !o.buildStep {
                emit(.postCreate, containerEvent(rec, "create"), context: containerOverlay(rec), base: containerBase(rec),
                     subject: Hooks.Subject(image: o.image, labels: o.labels))
            }
            return (rec, made.launch)
        } catch {
            try? cleanupContainer(id)
            if let f = o.cidFile { unlink(f) }
            throw error
        }
    }

    /// `--platform`: the image's os/architecture[/variant] must match (Docker's words otherwise).
    static func checkPlatform(_ wanted: String, image: String, _ config: ImageConfig) throws {
        let have = config.platform
        let matches: Bool
        if !wanted.isEmpty && !wanted.contains("/") {
            matches = wanted.lowercased() == have.os  // the OS alone, as Docker's run takes it
        } else {
            guard let want = try? Platform(parsing: wanted) else {
                throw HiveError(.invalidArgument, "invalid --platform \"\(wanted)\" (use os[/arch[/variant]], e.g. linux/amd64)")
            }
            matches = want.accepts(have)
        }
        guard matches else {
            throw HiveError(.invalidArgument, "image with reference \(image) was found but its platform (\(have.text)) does not match the specified platform (\(wanted))")
        }
    }

    /// `--platform` of image inspect, history, save, rmi and push: a local
    /// image has one platform, which must be the one asked for (nil: any).
    public func checkImagePlatform(_ ref: String, _ platform: String?) throws {
        guard let platform else { return }
        try Engine.checkPlatform(platform, image: ref, try imageConfig(try resolveImage(ref).id))
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
        detachNetwork(id)
        let anonymous = volumes ? try store.volumes(of: id).filter(\.anonymous).map(\.name) : []
        defer {
            for v in anonymous { try? store.db.transaction { () throws(HiveError) in try store.deleteVolume(v) } }
        }
        Cgroups.remove(cgroupDirs(id))
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
}
