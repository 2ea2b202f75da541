// `hive commit` (the writable layer becomes an image layer, whiteouts
// included) and `hive export` (the merged filesystem as a tar).
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Writes the container's writable layer as an OCI layer tar: overlay
    /// whiteouts become `.wh.NAME`, opaque directories get `.wh..wh..opq`.
    /// The upper directory belongs to the container, which may be running:
    /// it is walked by fd, nothing followed (HiveArchive/TreeWalk.swift).
    func writeDiffTar(_ id: String, to fd: Int32) throws {
        raiseOpenFileLimit()
        let upper = try TreeDir.root(containerDir(id) + "/upper")
        let lowers = try store.layers(of: try record(id).imageID).map { try TreeDir.root(store.layerDiffDir($0.chainID)) }
        let hidden: Set<String> = ["etc/hostname", "etc/hosts", "etc/resolv.conf"]
        let w = try TarWriter(fd: fd)
        func inLowers(_ rel: String) throws -> Bool { try lowers.contains { try $0.contains(rel) } }
        func walk(_ dir: TreeDir, _ rel: String) throws {
            for name in try dir.names() {
                guard let o = try dir.child(name) else { continue }  // removed meanwhile
                let path = rel.isEmpty ? name : rel + "/" + name
                if o.isWhiteout {
                    try w.addEmpty((rel.isEmpty ? "" : rel + "/") + ".wh." + name)
                    continue
                }
                // mount points hive created (empty, not in the image) are not content
                if hidden.contains(path), o.st.st_size == 0, try !inLowers(path) { continue }
                guard let sub = try TreeDir.from(o) else {
                    try w.add(path, o)
                    continue
                }
                try w.add(path + "/", o)
                if sub.isOpaque { try w.addEmpty(path + "/.wh..wh..opq") }
                try walk(sub, path)
            }
        }
        try walk(upper, "")
        try w.finish()
    }

    public struct CommitOptions {
        public var reference: String?
        public var changes: [String] = []
        public var message: String?
        public var author: String?
        /// Freeze the container while its layer is read (Docker's default).
        public var pause = true
        public init() {}
    }

    /// `commit`: a new image = the container's image + its writable layer.
    public func commit(_ ref: String, _ o: CommitOptions) throws -> Digest {
        let r = try record(ref)
        let newRef = try o.reference.map { (t) throws -> Reference in
            do { return try Reference(parsing: t) } catch { throw HiveError(.invalidArgument, "\(error)") }
        }
        var config = try imageConfig(r.imageID)
        config.author = o.author ?? config.author
        var cc = config.config ?? ContainerConfig()
        try ImageChange.apply(o.changes, to: &cc)
        config.config = cc
        var history = config.history ?? []
        var h = History(created: Timestamp.now().rfc3339, createdBy: spec(r)?.argv.joined(separator: " "), comment: o.message)
        h.author = o.author
        history.append(h)
        config.history = history
        return try makeImage(parent: r.imageID, config: config, tag: newRef?.description) { fd in
            try self.whilePaused(r, o.pause) { try self.writeDiffTar(r.id, to: fd) }
        }
    }

    /// Runs `body` with the container frozen, if `pause` and it runs and is not
    /// paused already (then it stays paused, as Docker leaves it). It is thawed
    /// on every way out: an error, and SIGINT/SIGTERM/SIGHUP/SIGQUIT, which are
    /// held until it is thawed (then they end hive as they would have).
    func whilePaused<T>(_ r: ContainerRecord, _ pause: Bool, _ body: () throws -> T) throws -> T {
        guard pause, isAlive(r), !isPaused(r.id) else { return try body() }
        let dirs = cgroupDirs(r.id)
        var held = sigset_t(), old = sigset_t()
        sigemptyset(&held)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&held, s) }
        pthread_sigmask(SIG_BLOCK, &held, &old)
        defer {
            try? Cgroups.freeze(dirs, false)
            pthread_sigmask(SIG_SETMASK, &old, nil)
        }
        do { try Cgroups.freeze(dirs, true) } catch {
            throw HiveError(.conflict, "cannot pause container \(r.name) for the commit (hive commit --pause=false commits it running)",
                            cause: "\(error)")
        }
        return try body()
    }

    /// A new image: `parent`'s layers (none for nil), plus the layer `writeLayer`
    /// writes as a tar (if given), with `config` (its rootfs and creation time are
    /// filled in here). Returns the image ID.
    func makeImage(parent: Digest?, config input: ImageConfig, tag: String? = nil, writeLayer: ((Int32) throws -> Void)?) throws -> Digest {
        var config = input
        let parentManifestLayers = try parent.map { try manifestAndConfig($0).1.layers } ?? []
        let parentLayers = try parent.map { try store.layers(of: $0) } ?? []
        let parentDiffIDs = try parent.map { try imageConfig($0).rootfs.diffIDs } ?? []
        try store.lockShared()
        store.markPending()
        let tmp = try store.makeTempDir()
        defer { try? FileTree.remove(path: tmp); store.sweepIfIdle() }
        var layers = parentLayers
        var descriptors = parentManifestLayers
        var diffIDs = parentDiffIDs
        if let writeLayer {
            // 1. the layer as a tar
            let tarPath = tmp + "/diff.tar"
            let out = open(tarPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard out >= 0 else { throw HiveError.errno("cannot create \(tarPath)") }
            do { try writeLayer(out) } catch { close(out); throw error }
            close(out)
            // 2. unpacked as a layer (hash, tar-split) like an import
            let fd = open(tarPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HiveError.errno("cannot read \(tarPath)") }
            defer { close(fd) }
            let (layerTemp, diffFD) = try store.makeLayerTemp(in: tmp, name: "layer")
            defer { close(diffFD) }
            let splitFD = try store.createSplit(tempLayerDir: layerTemp)
            let stream = try LayerStream(fd: fd, decompress: false, splitFD: splitFD, name: "the new layer")
            let (diffID, stats, tarSize) = try stream.extract(into: diffFD, name: "the new layer")
            let paths = stream.splitPaths(stats)
            close(splitFD)
            let chainID = Digest.chainIDs(parentDiffIDs + [diffID]).last!
            try store.finishLayer(tempLayerDir: layerTemp, chainID: chainID, splitPaths: paths)
            if !store.hasSplit(chainID) {
                let again = open(tarPath, O_RDONLY | O_CLOEXEC)
                defer { close(again) }
                try store.commitBlob(tempPath: tarPath, fd: again, digest: diffID)
            }
            let layerSize = try store.layerSize(chainID) ?? stats.contentSize
            layers.append(LayerRecord(chainID: chainID, diffID: diffID, parent: parentLayers.last?.chainID, size: layerSize))
            descriptors.append(Descriptor(mediaType: MediaType.ociLayer, digest: diffID, size: tarSize))
            diffIDs.append(diffID)
        }
        // 3. config, manifest, record
        let now = Timestamp.now()
        config.created = now.rfc3339
        config.rootfs = RootFS(diffIDs: diffIDs)
        if config.architecture.isEmpty { config.architecture = Engine.hostArchitecture }
        if config.os.isEmpty { config.os = "linux" }
        let configBytes = try JSONCoding.encode(config)
        let configDigest = try store.putBlob(configBytes, tempDir: tmp)
        if try store.image(configDigest) != nil {
            if let tag { try store.db.transaction { () throws(HiveError) in try store.setTag(tag, to: configDigest) } }
            return configDigest
        }
        let manifest = Manifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)), layers: descriptors)
        let manifestBytes = try JSONCoding.encode(manifest)
        let manifestDigest = try store.putBlob(manifestBytes, tempDir: tmp)
        var rec = ImageRecord(id: configDigest, manifestDigest: manifestDigest, manifestMediaType: MediaType.ociManifest,
                              created: now.unixNanos, size: layers.reduce(0) { $0 + $1.size }, added: now.unixNanos,
                              parent: parent, labelsJSON: labelsJSON(config.config?.labels))
        if let tag { rec.tags = [tag] }
        try store.db.transaction { () throws(HiveError) in
            try store.insertImage(rec, layers: layers, blobs: [manifestDigest, configDigest] + descriptors.map(\.digest))
        }
        return configDigest
    }

    /// `export`: the container's merged filesystem (image layers + writable layer) as a tar.
    /// Every layer is walked by fd, nothing followed (see writeDiffTar).
    public func export(_ ref: String, to fd: Int32) throws {
        let r = try record(ref)
        raiseOpenFileLimit()
        let layers = try [TreeDir.root(containerDir(r.id) + "/upper")]
            + (try store.layers(of: r.imageID)).reversed().map { try TreeDir.root(store.layerDiffDir($0.chainID)) }
        let w = try TarWriter(fd: fd)
        // Walks the union: upper layers win; a whiteout hides lower entries; an
        // opaque or non-directory entry stops the descent into lower layers.
        func walk(_ rel: String, _ dirs: [TreeDir]) throws {
            var winner: [String: Int] = [:]  // name -> the topmost layer that has it
            for (i, d) in dirs.enumerated() {
                for name in try d.names() where winner[name] == nil { winner[name] = i }
            }
            for (name, i) in winner.sorted(by: { $0.key < $1.key }) {
                guard let o = try dirs[i].child(name), !o.isWhiteout else { continue }
                let path = rel.isEmpty ? name : rel + "/" + name
                guard let sub = try TreeDir.from(o) else {
                    try w.add(path, o)
                    continue
                }
                var below = [sub]
                if !sub.isOpaque {
                    for lower in dirs[(i + 1)...] {
                        guard let lo = try lower.child(name) else { continue }
                        guard let ld = try TreeDir.from(lo) else { break }
                        below.append(ld)
                        if ld.isOpaque { break }
                    }
                }
                try w.add(path + "/", o)
                try walk(path, below)
            }
        }
        try walk("", layers)
        try w.finish()
    }
}
