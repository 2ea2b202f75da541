// The build steps that make layers: RUN (a container on hive's own
// launcher, its writable layer committed) and COPY/ADD (files written
// straight into a new layer). The context, .dockerignore and the file
// helpers they share are in BuildFiles.swift: sources never resolve outside
// their root, destinations never outside the image.
import Glibc
import HiveArchive
import HiveBuild
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// A step whose result is a new image: from the cache, or made by `make`.
    func cachedStep(_ s: inout BuildState, opts: BuildOptions, make: (ImageConfig) throws -> Digest) throws -> Bool {
        if !opts.noCache, let hit = try store.cachedBuildStep(s.key), try store.image(hit) != nil {
            s.image = hit
            s.config = try imageConfig(hit)
            s.dirty = false
            return true
        }
        let id = try make(s.config)
        try store.db.transaction { () throws(HiveError) in try store.recordBuildStep(s.key, image: id) }
        s.image = id
        s.config = try imageConfig(id)
        s.dirty = false
        return false
    }

    func runStep(_ form: CommandForm, network: String?, heredocs: [Heredoc], mounts: [RunMount], state s: inout BuildState,
                 opts: BuildOptions, context: BuildContext?, earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
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
        if net == "default" { net = opts.network == "default" ? "none" : opts.network }
        if net == "default" { net = "none" }
        let env = s.env.map { "\($0.0)=\($0.1)" }
        // --mount: cache directories persist in the store; bind sources are read from the context or a stage
        var requests: [MountRequest] = []
        var unmounts: [String] = []
        var scratchDirs: [String] = []
        defer {
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
                requests.append(MountRequest(kind: .tmpfs, source: nil, target: target, tmpfsOptions: m.size.map { "size=" + $0 }))
                mountKey += " tmpfs:" + target
            case .cache:
                let id = m.id ?? target
                let dir = store.root + "/cache/build/" + Engine.sha256Hex(id)
                for d in [store.root + "/cache", store.root + "/cache/build", dir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
                    throw HiveError.errno("cannot create the build cache directory \(d)")
                }
                requests.append(MountRequest(kind: .bind, source: dir, target: target))
                mountKey += " cache:" + id + ":" + target
            case .bind:
                var root: String
                var digestRoot = "context"
                var ignore: DockerIgnore? = nil
                if let from = m.from {
                    let image: Digest?
                    if let j = stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] { image = st.image } else {
                        do { image = try resolveImage(from).id } catch { throw HiveError(.notFound, "RUN --mount from=\(from): no stage or local image of that name") }
                    }
                    let (r, u) = try mountImage(image)
                    root = r
                    if let u { unmounts.append(u) }
                    digestRoot = image?.hex ?? "scratch"
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
                requests.append(MountRequest(kind: .bind, source: source, target: target, readonly: !m.readWrite))
                mountKey += " bind:" + digestRoot + ":" + target + ":" + h.finalize().hex
            case .secret, .ssh:
                throw HiveError(.invalidArgument, "RUN --mount=type=\(m.kind.rawValue) is not available")
            }
        }
        s.advance("RUN " + argv.joined(separator: "\u{0}") + " network=" + net + mountKey)
        let createdBy = "RUN " + argv.joined(separator: " ") + " # buildkit"
        let parentImage = s.image
        return try cachedStep(&s, opts: opts) { config in
            guard let image = parentImage else {
                throw HiveError(.invalidArgument, "RUN needs a filesystem with a shell; this stage is FROM scratch with no files yet")
            }
            var o = RunOptions(image: image.hex)
            o.buildStep = true
            o.entrypoint = ""
            o.command = argv
            o.env = env
            o.user = cc.user.flatMap { $0.isEmpty ? nil : $0 }
            o.workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 }
            o.network = net
            o.mounts = requests
            let (id, plan) = try createContainer(o)
            defer { try? cleanupContainer(id) }
            var p = plan
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(null) }
            p.stdio = opts.showRunOutput ? (null, 1, 2) : (null, null, null)
            let pid: pid_t
            do { pid = try Launcher.launch(p) } catch let e as LaunchError {
                throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" could not start: \(e.message)")
            }
            store.unlock()
            let status = Launcher.wait(pid, forwardSignals: true)
            guard status == 0 else {
                throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" did not complete successfully: exit code: \(status)")
            }
            var c = config
            var h = c.history ?? []
            h.append(History(created: Timestamp.now().rfc3339, createdBy: createdBy, comment: "buildkit.dockerfile.v0"))
            c.history = h
            return try makeImage(parent: image, config: c) { fd in try self.writeDiffTar(id, to: fd) }
        }
    }

    func copyStep(_ spec: CopySpec, add: Bool, state s: inout BuildState, lex: ShellLex, opts: BuildOptions, context: BuildContext?,
                  earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
        let what = add ? "ADD" : "COPY"
        func expand(_ w: String) throws -> String { try lex.processWord(w, env: s.env) }
        let cc = s.config.config ?? ContainerConfig()
        // where the files come from: a directory held open, every source resolved inside it
        var root: String
        var place = "build context"
        var fromID = "context"
        var ignore: DockerIgnore? = nil
        var unmount: String? = nil
        defer { if let m = unmount { umount2(m, Int32(MNT_DETACH)); rmdir(m) } }
        if let f = spec.from {
            let from = try expand(f)
            let image: Digest?
            if let j = stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] {
                image = st.image
            } else if let n = Int(from), n >= stage.index {
                throw HiveError(.invalidArgument, "\(what) --from=\(from): stage \(n) is not built before this one")
            } else {
                do { image = try resolveImage(from).id } catch {
                    throw HiveError(.notFound, "\(what) --from=\(from): no stage or local image of that name")
                }
            }
            fromID = image?.hex ?? "scratch"
            (root, unmount) = try mountImage(image)
            place = "image \(from)"
        } else if let context {
            root = context.dir
            ignore = context.ignore
        } else if spec.sources.allSatisfy({ $0.hasPrefix("<<") }) {
            root = "/"  // never read: heredocs only
        } else {
            throw HiveError(.invalidArgument, "\(what) needs a build context, and `hive build -` has none (give a directory)")
        }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw HiveError.errno("cannot open the \(place)") }
        defer { close(rootFD) }
        // where they go
        var dest = try expand(spec.dest)
        let workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        var destIsDir = dest.hasSuffix("/") || dest == "." || spec.sources.count > 1
        if !dest.hasPrefix("/") { dest = workdir + "/" + dest }
        let destRel = DockerIgnore.clean(dest)
        let layers = try s.image.map { try store.layers(of: $0).reversed().map { store.layerDiffDir($0.chainID) } } ?? []
        let image = try LayerView(layers: layers)
        // a destination that is a directory in the image (or a symlink to one, resolved inside the image) receives the sources inside it
        if destRel.isEmpty { destIsDir = true }
        if try BuildFiles.resolveInImage(image, destRel, followLast: true).isDirectory { destIsDir = true }
        // owner and mode
        var owner: (UInt32, UInt32)? = nil
        if let c = spec.chown {
            let spec = try expand(c)
            if let u = UInt32(spec.split(separator: ":").first ?? ""), spec.split(separator: ":").count <= 2,
               spec.split(separator: ":").dropFirst().allSatisfy({ UInt32($0) != nil }) {
                owner = (u, spec.contains(":") ? UInt32(spec.split(separator: ":")[1])! : u)
            } else {
                let r = try UserResolver.resolve(spec, layers: layers)
                owner = (r.uid, spec.contains(":") ? r.gid : r.gid)
            }
        }
        let mode = spec.chmod.flatMap { mode_t($0, radix: 8) }
        // the sources, and what they hold: each opened (O_PATH) inside its root, a symlink named
        // directly followed there; `rel` is the path as written (it names the copy)
        var items: [(rel: String, inline: String?, file: RootedFile?)] = []
        defer { for i in items { if let f = i.file { close(f.fd) } } }
        var sourceCount = 0
        // --exclude patterns hide files as .dockerignore does, relative to each source
        let excludes = try spec.excludes.map(expand)
        func filterFor(_ itemRel: String) -> DockerIgnore? {
            if excludes.isEmpty { return ignore }
            let scoped = excludes.map { itemRel.isEmpty ? $0 : itemRel + "/" + $0 }
            return DockerIgnore((ignore.map { $0.source } ?? "") + "\n" + (excludes + scoped).joined(separator: "\n"))
        }
        let filter = filterFor("")
        for raw in spec.sources {
            if raw.hasPrefix("<<"), let h = spec.heredocs.first(where: { raw == "<<" + $0.name || raw == "<<-" + $0.name }) {
                items.append((h.name, h.expand ? try expand(h.content) : h.content, nil))
                sourceCount += 1
                continue
            }
            let src = try expand(raw)
            if add, src.hasPrefix("http://") || src.hasPrefix("https://") || src.hasPrefix("git@") {
                throw HiveError(.invalidArgument, "ADD \(src): downloading from a URL is not available (hive builds offline); download it into the context and COPY it")
            }
            for rel in try BuildFiles.sources(src, root: rootFD, ignore: filter, what: what, place: place) {
                items.append((rel, nil, try BuildFiles.openInRoot(rootFD, rel, what: what, place: place)))
                sourceCount += 1
            }
        }
        let h = SHA256()
        for item in items {
            if let inline = item.inline {
                h.update(Array("inline\u{0}\(item.rel)\u{0}\(inline)".utf8))
            } else if let f = item.file {
                try BuildFiles.contentDigest(f, name: item.rel, into: h, ignore: filterFor(item.rel))
            }
        }
        let ownerText = owner.map { "\($0.0):\($0.1)" } ?? "-"
        s.advance("\(what) from=\(fromID) dest=\(destRel) dir=\(destIsDir) parents=\(spec.parents) owner=\(ownerText) mode=\(spec.chmod ?? "-") content=\(h.finalize().hex)")
        let parents = spec.parents
        let createdBy = "\(what) \(spec.sources.joined(separator: " ")) \(spec.dest) # buildkit"
        let fromImport = spec.from == nil
        return try layerStep(&s, createdBy: createdBy, opts: opts) { layerDir in
            // the layer being written, by fd, seen over the image: destinations resolve inside the image
            let layer = open(layerDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard layer >= 0 else { throw HiveError.errno("cannot open \(layerDir)") }
            defer { close(layer) }
            let target = BuildFiles.Target(layer: layer, view: try LayerView(layers: [layerDir] + layers), lowers: image)
            for item in items {
                let isDir = item.file?.isDirectory ?? false
                let archive = add && fromImport && item.file?.type == S_IFREG ? try BuildFiles.archiveContent(item.file!, name: item.rel) : nil
                defer { if let archive { close(archive) } }
                let intoDir = destIsDir || isDir || archive != nil || sourceCount > 1
                let name = item.rel.split(separator: "/").last.map(String.init) ?? ""
                let keep = parents && item.inline == nil ? item.rel : name  // --parents keeps the source's path
                let targetRel = intoDir || parents ? (destRel.isEmpty ? keep : destRel + "/" + keep) : destRel
                if isDir || archive != nil {
                    // a directory's contents (or an archive's) go into the destination directory
                    let dirRel = parents && isDir ? targetRel : destRel
                    let (dir, names) = try BuildFiles.targetDirectory(layer, dirRel, view: target.view, lowers: image)
                    defer { close(dir) }
                    if let archive {
                        try BuildFiles.extract(archive, name: item.rel, into: dir)
                        continue
                    }
                    let filter = filterFor(item.rel)
                    try BuildFiles.walk(item.file!, name: item.rel) { child in
                        let rel = item.rel.isEmpty ? child.name : item.rel + "/" + child.name
                        if let filter, filter.excludes(rel) { return }
                        try BuildFiles.copy(child, into: dir, name: child.name, parentNames: names, target: target, owner: owner, mode: mode,
                                            rel: rel, ignore: filter)
                    }
                    continue
                }
                // one entry: its directory resolved inside the image, its own name never followed
                let parentRel = targetRel.split(separator: "/").dropLast().joined(separator: "/")
                let entryName = targetRel.split(separator: "/").last.map(String.init) ?? ""
                guard !entryName.isEmpty else { throw HiveError(.invalidArgument, "\(what) \(item.rel): cannot replace the image's root directory") }
                let (dir, names) = try BuildFiles.targetDirectory(layer, parentRel, view: target.view, lowers: image)
                defer { close(dir) }
                if let inline = item.inline {
                    try BuildFiles.writeInline(inline, into: dir, name: entryName, owner: owner, mode: mode ?? 0o644)
                } else if let f = item.file {
                    try BuildFiles.copy(f, into: dir, name: entryName, parentNames: names, target: target, owner: owner, mode: mode)
                }
            }
        }
    }

    /// The image's filesystem, read-only: its single layer directory, or an overlay of them.
    func mountImage(_ image: Digest?) throws -> (String, String?) {
        // no files: an empty directory, removed afterwards like a mount point
        func empty() throws -> (String, String?) {
            let dir = try store.makeTempDir()
            return (dir, dir)
        }
        guard let image else { return try empty() }
        let layers = try store.layers(of: image).reversed().map { store.layerDiffDir($0.chainID) }
        if layers.count == 1 { return (layers[0], nil) }
        if layers.isEmpty { return try empty() }
        let mnt = try store.makeTempDir()
        guard mount("overlay", mnt, "overlay", UInt(MS_RDONLY), "lowerdir=" + layers.joined(separator: ":")) == 0 else {
            throw HiveError.errno("cannot mount the image \(image.shortID) to copy from it")
        }
        return (mnt, mnt)
    }
}
