// The build steps that make layers, and the cache around them: WORKDIR (a
// directory the image lacks), RUN (a container the host runs, its changes
// committed) and the step cache; COPY/ADD are in Builder+Copy.swift. The
// context, .dockerignore and the file helpers they share are in
// BuildFiles.swift: sources never resolve outside their root, destinations
// never outside the image.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

extension Builder {
    /// Applies one instruction; returns whether its result came from the cache.
    func apply(_ step: Step, to s: inout BuildState, lex: ShellLex, stage: Stage) throws -> Bool {
        switch step.instruction {
        case .workdir(let w):
            return try workdirStep(w, state: &s, lex: lex)
        case .run(let form, let network, let heredocs, let mounts):
            return try runStep(form, network: network, heredocs: heredocs, mounts: mounts, state: &s, stage: stage)
        case .copy(let spec):
            return try copyStep(spec, add: false, state: &s, lex: lex, stage: stage)
        case .add(let spec):
            return try copyStep(spec, add: true, state: &s, lex: lex, stage: stage)
        default:
            try s.applyMetadata(step.instruction, lex: lex, buildArgs: opts.buildArgs, metaArgs: df.metaArgs,
                                architecture: HostPlatform.architecture, checkSignal: { _ = try Signals.number($0) })
            return false
        }
    }

    func workdirStep(_ w: String, state s: inout BuildState, lex: ShellLex) throws -> Bool {
        var cc = s.config.config ?? ContainerConfig()
        var dir = try lex.processWord(w, env: s.env)
        if !dir.hasPrefix("/") { dir = (cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/") + "/" + dir }
        dir = "/" + DockerIgnore.clean(dir)
        cc.workingDir = dir
        s.config.config = cc
        s.advance("WORKDIR " + dir)
        // the directory is created if the image lacks it (symlinks on the way resolved inside the image)
        let image = try LayerView(layers: layerDirs(s.layers))
        let resolved = try BuildFiles.resolveInImage(image, String(dir.dropFirst()), followLast: true)
        if !resolved.exists {
            return try layerStep(&s, createdBy: "WORKDIR \(dir)") { layerDir in
                let layer = open(layerDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard layer >= 0 else { throw HiveError.errno("cannot open \(layerDir)") }
                defer { close(layer) }
                close(try BuildFiles.makeDirs(layer, resolved.names, lowers: image))
            }
        }
        s.history("WORKDIR \(dir)", empty: true)
        return false
    }

    /// The layer directories of a state (or an image), top first.
    func layerDirs(_ layers: [LayerRecord]) -> [String] {
        layers.reversed().map { store.layerDiffDir($0.chainID) }
    }

    /// A step that makes a layer: from the build cache (the state the step
    /// left before), or `make` makes the layer and records the new state.
    func cachedStep(_ s: inout BuildState, make: (BuildState) throws -> BuildCacheRecord) throws -> Bool {
        if !opts.noCache {
            try store.lockShared()  // no prune between finding the record and using its layers
            if let hit = try store.buildRecord(s.key) {
                try take(hit, into: &s)
                hits.append(hit.key)
                return true
            }
        }
        try take(try make(s), into: &s)
        return false
    }

    func take(_ r: BuildCacheRecord, into s: inout BuildState) throws {
        s.config = try JSONCoding.decode(ImageConfig.self, from: Array(r.configJSON.utf8))
        s.layers = r.layers
        s.descriptors = r.descriptors
        s.owner = try Digest(hex: r.key)
        s.image = nil
        s.dirty = false
    }

    /// Records the state `s` plus one new layer (the tar `writeLayer`
    /// writes) as the step `createdBy`, under the step's key.
    func recordLayer(_ s: BuildState, createdBy: String, writeLayer: (Int32) throws -> Void) throws -> BuildCacheRecord {
        try store.withIngest { tmp in
            let (layer, descriptor) = try store.newLayer(over: s.layers, diffIDs: s.config.rootfs.diffIDs, tmp: tmp, writeLayer: writeLayer)
            var config = Builder.withHistory(s.config, createdBy)
            config.rootfs = RootFS(diffIDs: s.config.rootfs.diffIDs + [layer.diffID])
            let now = Timestamp.now().unixNanos
            let r = BuildCacheRecord(key: s.key, description: createdBy, configJSON: String(decoding: try JSONCoding.encode(config), as: UTF8.self),
                                     layers: s.layers + [layer], descriptors: s.descriptors + [descriptor], layer: layer.chainID,
                                     created: now, lastUsed: now)
            try store.db.transaction { () throws(HiveError) in try store.recordBuildStep(r) }
            return r
        }
    }

    /// A step that makes a layer: a cache hit, or `fill` writes the layer's
    /// files into a directory that becomes the state's new top layer.
    func layerStep(_ s: inout BuildState, createdBy: String, fill: @escaping (String) throws -> Void) throws -> Bool {
        try cachedStep(&s) { s in
            try store.lockShared()
            let tmp = try store.makeTempDir()
            defer { try? FileTree.remove(path: tmp) }
            let layerDir = tmp + "/layer"
            guard mkdir(layerDir, 0o755) == 0 else { throw HiveError.errno("cannot create \(layerDir)") }
            try fill(layerDir)
            return try recordLayer(s, createdBy: createdBy) { fd in
                try TarWriter.writeDiff(upper: TreeDir.root(layerDir), lowers: [], hidden: [], to: fd)  // a new layer: its whole tree
            }
        }
    }

    /// `config` with the history entry of a step that made a layer.
    static func withHistory(_ config: ImageConfig, _ createdBy: String) -> ImageConfig {
        var c = config
        var h = c.history ?? []
        h.append(History(created: Timestamp.now().rfc3339, createdBy: createdBy, comment: "buildkit.dockerfile.v0"))
        c.history = h
        return c
    }

    func runStep(_ form: CommandForm, network: String?, heredocs: [Heredoc], mounts: [RunMount], state s: inout BuildState,
                 stage: Stage) throws -> Bool {
        let cc = s.config.config ?? ContainerConfig()
        var argv: [String]
        switch form {
        case .exec(let a): argv = a
        case .shell(var c):
            let trimmed = c.trimmed
            if heredocs.count == 1, trimmed == "<<" + heredocs[0].name || trimmed == "<<-" + heredocs[0].name {
                c = heredocs[0].content  // `RUN <<EOF`: the heredoc is the script
            } else {
                // other heredocs go to the shell as written: it reads them itself
                for h in heredocs { c += "\n" + h.content + h.name }
            }
            argv = (cc.shell ?? ["/bin/sh", "-c"]) + [c]
        }
        var net = network ?? opts.network
        if net == "default" { net = opts.network == "default" ? "bridge" : opts.network }
        if net == "default" { net = "bridge" }
        let env = s.env.map { "\($0.0)=\($0.1)" }
        // --mount: cache directories persist in the store; bind sources are read from the context or a stage
        var requests: [BuildMount] = []
        var unmounts: [String] = []
        var scratchDirs: [String] = []
        var heldCaches: [Int32] = []
        defer {
            for fd in heldCaches { close(fd) }
            var stuck: [String] = []
            for m in unmounts {
                if umount2(m, Int32(MNT_DETACH)) != 0 && errno != EINVAL { stuck.append(m) } else { rmdir(m) }
            }
            // never remove a directory through a source that is still mounted in it (the context itself)
            for d in scratchDirs where !stuck.contains(where: { $0.hasPrefix(d + "/") }) { try? FileTree.remove(path: d) }
        }
        var mountKey = ""
        for m in mounts {
            let target = m.target.hasPrefix("/") ? m.target : (cc.workingDir ?? "/") + "/" + m.target
            switch m.kind {
            case .tmpfs:
                requests.append(BuildMount(kind: .tmpfs, source: nil, target: target, tmpfsOptions: m.size.map { "size=" + $0 }))
                mountKey += " tmpfs:" + target
            case .cache:
                let id = m.id ?? target
                let dir = store.buildCacheMountsDir + "/" + Builder.sha256Hex(id)
                for d in [store.root + "/cache", store.buildCacheMountsDir, dir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
                    throw HiveError.errno("cannot create the build cache directory \(d)")
                }
                if access(dir + ".id", F_OK) != 0 { try? Files.write(dir + ".id", id, mode: 0o600) }
                // held (a shared flock) while the step runs: `builder prune` leaves it alone; its mtime is its last use
                let held = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard held >= 0 else { throw HiveError.errno("cannot open the build cache directory \(dir)") }
                heldCaches.append(held)
                flock(held, LOCK_SH)
                futimens(held, nil)
                requests.append(BuildMount(kind: .bind, source: dir, target: target))
                mountKey += " cache:" + id + ":" + target
            case .bind:
                var root: String
                var digestRoot = "context"
                var ignore: DockerIgnore? = nil
                if let from = m.from {
                    let (layers, id) = try fromLayers(from, stage: stage, what: "RUN --mount from=\(from)")
                    let (r, u) = try mountLayers(layers, what: from)
                    root = r
                    if let u { unmounts.append(u) }
                    digestRoot = id
                } else if let context {
                    root = context.dir
                    ignore = context.ignore
                } else {
                    throw HiveError(.invalidArgument, "RUN --mount=type=bind needs a build context or from=")
                }
                let place = m.from == nil ? "build context" : "image \(m.from!)"
                let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard rootFD >= 0 else { throw HiveError.errno("cannot open the \(place)") }
                defer { close(rootFD) }
                // the source is opened inside its root (symlinks resolved there) and mounted by fd:
                // what the step sees is the object checked here, never a host path a symlink names
                let rel = try BuildFiles.sources(m.source ?? ".", root: rootFD, ignore: ignore, what: "RUN --mount", place: place)[0]
                let src = try BuildFiles.openInRoot(rootFD, rel, what: "RUN --mount", place: place)
                defer { close(src.fd) }
                let h = SHA256()
                try BuildFiles.contentDigest(src, name: rel, into: h)
                let scratch = try store.makeTempDir()
                scratchDirs.append(scratch)
                let source = scratch + "/src"
                if m.readWrite {
                    // writes through a rw bind are discarded, as BuildKit does: the step gets a copy
                    let view = try LayerView(layers: [scratch])
                    let dir = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    guard dir >= 0 else { throw HiveError.errno("cannot open \(scratch)") }
                    defer { close(dir) }
                    try BuildFiles.copy(src, into: dir, name: "src", parentNames: [], target: .init(layer: dir, view: view, lowers: view),
                                        owner: nil, mode: nil)
                } else {
                    try BuildFiles.bindFD(src, at: source)
                    unmounts.append(source)
                }
                requests.append(BuildMount(kind: .bind, source: source, target: target, readonly: !m.readWrite))
                mountKey += " bind:" + digestRoot + ":" + target + ":" + h.finalize().hex
            case .secret, .ssh:
                throw HiveError(.invalidArgument, "RUN --mount=type=\(m.kind.rawValue) is not available")
            }
        }
        s.advance("RUN " + argv.joined(separator: "\u{0}") + " network=" + net + mountKey)
        let createdBy = "RUN " + argv.joined(separator: " ") + " # buildkit"
        return try cachedStep(&s) { s in
            guard let owner = s.owner else {
                throw HiveError(.invalidArgument, "RUN needs a filesystem with a shell; this stage is FROM scratch with no files yet")
            }
            let request = RunStepRequest(image: owner, argv: argv, env: env, user: cc.user.flatMap { $0.isEmpty ? nil : $0 },
                                         workdir: cc.workingDir.flatMap { $0.isEmpty ? nil : $0 }, network: net, mounts: requests,
                                         showOutput: opts.showRunOutput, outputFD: opts.outputFD,
                                         forwardSignals: opts.forwardSignals)
            return try host.run(request) { status, writeChanges in
                guard status == 0 else {
                    throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" did not complete successfully: exit code: \(status)")
                }
                return try recordLayer(s, createdBy: createdBy, writeLayer: writeChanges)
            }
        }
    }

    /// The layers of a stage built before (by name or index) or of a local
    /// image, and what identifies them in a cache key.
    func fromLayers(_ from: String, stage: Stage, what: String) throws -> ([LayerRecord], String) {
        if let j = Builder.stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] { return (st.layers, st.key) }
        if let n = Int(from), n >= stage.index {
            throw HiveError(.invalidArgument, "\(what): stage \(n) is not built before this one")
        }
        let id: Digest
        do { id = try store.resolveImage(from).id } catch { throw HiveError(.notFound, "\(what): no stage or local image of that name") }
        return (try store.layers(of: id), id.hex)
    }

    /// A filesystem, read-only: its single layer directory, or an overlay of them.
    func mountLayers(_ records: [LayerRecord], what: String) throws -> (String, String?) {
        let layers = layerDirs(records)
        if layers.count == 1 { return (layers[0], nil) }
        if layers.isEmpty {
            // no files: an empty directory, removed afterwards like a mount point
            let dir = try store.makeTempDir()
            return (dir, dir)
        }
        let mnt = try store.makeTempDir()
        guard mount("overlay", mnt, "overlay", UInt(MS_RDONLY), "lowerdir=" + layers.joined(separator: ":")) == 0 else {
            throw HiveError.errno("cannot mount \(what) to copy from it")
        }
        return (mnt, mnt)
    }
}
