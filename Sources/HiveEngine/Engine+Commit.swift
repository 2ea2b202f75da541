// `hive commit` (the writable layer becomes an image layer, whiteouts
// included) and `hive export` (the merged filesystem as a tar).
import CHiveShims
import Glibc
import HiveArchive
import HiveOCI
import HiveStore

extension Engine {
    /// Writes the container's writable layer as an OCI layer tar: overlay
    /// whiteouts become `.wh.NAME`, opaque directories get `.wh..wh..opq`.
    func writeDiffTar(_ id: String, to fd: Int32) throws {
        let upper = containerDir(id) + "/upper"
        let lowers = try store.layers(of: try record(id).imageID).map { store.layerDiffDir($0.chainID) }
        let hidden: Set<String> = ["etc/hostname", "etc/hosts", "etc/resolv.conf"]
        let w = try TarWriter(fd: fd)
        func inLowers(_ rel: String) -> Bool { lowers.contains { l in var st = stat(); return lstat(l + "/" + rel, &st) == 0 } }
        func walk(_ rel: String) throws {
            for name in FileTree.names(in: rel.isEmpty ? upper : upper + "/" + rel).sorted() {
                let path = rel.isEmpty ? name : rel + "/" + name
                let disk = upper + "/" + path
                var st = stat()
                guard lstat(disk, &st) == 0 else { continue }
                let type = st.st_mode & S_IFMT
                if type == S_IFCHR && st.st_rdev == 0 {
                    try w.addEmpty((rel.isEmpty ? "" : rel + "/") + ".wh." + name)
                    continue
                }
                // mount points hive created (empty, not in the image) are not content
                if hidden.contains(path) && st.st_size == 0 && !inLowers(path) { continue }
                try w.addFromDisk(path + (type == S_IFDIR ? "/" : ""), diskPath: disk)
                if type == S_IFDIR {
                    var v: UInt8 = 0
                    if lgetxattr(disk, "trusted.overlay.opaque", &v, 1) == 1 && v == UInt8(ascii: "y") {
                        try w.addEmpty(path + "/.wh..wh..opq")
                    }
                    try walk(path)
                }
            }
        }
        try walk("")
        try w.finish()
    }

    public struct CommitOptions {
        public var reference: String?
        public var changes: [String] = []
        public var message: String?
        public var author: String?
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
        return try makeImage(parent: r.imageID, config: config, tag: newRef?.description) { fd in try self.writeDiffTar(r.id, to: fd) }
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
    public func export(_ ref: String, to fd: Int32) throws {
        let r = try record(ref)
        let layers = [containerDir(r.id) + "/upper"] + (try store.layers(of: r.imageID)).reversed().map { store.layerDiffDir($0.chainID) }
        let w = try TarWriter(fd: fd)
        // Walks the union: upper layers win; a whiteout hides lower entries; an
        // opaque or non-directory entry stops the descent into lower layers.
        func walk(_ rel: String, _ dirs: [String]) throws {
            var seen: Set<String> = []
            var children: [(String, String, [String])] = []  // name, disk path of the winner, dirs for descent
            for (i, d) in dirs.enumerated() {
                let base = rel.isEmpty ? d : d + "/" + rel
                for name in FileTree.names(in: base).sorted() where !seen.contains(name) {
                    seen.insert(name)
                    var st = stat()
                    guard lstat(base + "/" + name, &st) == 0 else { continue }
                    if (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 { continue }  // whiteout
                    var below: [String] = []
                    if (st.st_mode & S_IFMT) == S_IFDIR {
                        below = [d]
                        var v: UInt8 = 0
                        let opaque = lgetxattr(base + "/" + name, "trusted.overlay.opaque", &v, 1) == 1 && v == UInt8(ascii: "y")
                        if !opaque {
                            for lower in dirs[(i + 1)...] {
                                var ls = stat()
                                let p = (rel.isEmpty ? lower : lower + "/" + rel) + "/" + name
                                if lstat(p, &ls) != 0 { continue }
                                if (ls.st_mode & S_IFMT) != S_IFDIR { break }
                                below.append(lower)
                                var lv: UInt8 = 0
                                if lgetxattr(p, "trusted.overlay.opaque", &lv, 1) == 1 && lv == UInt8(ascii: "y") { break }
                            }
                        }
                    }
                    children.append((name, base + "/" + name, below))
                }
            }
            for (name, disk, below) in children.sorted(by: { $0.0 < $1.0 }) {
                let path = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                lstat(disk, &st)
                let isDir = (st.st_mode & S_IFMT) == S_IFDIR
                try w.addFromDisk(path + (isDir ? "/" : ""), diskPath: disk)
                if isDir { try walk(path, below) }
            }
        }
        try walk("", layers)
        try w.finish()
    }
}
