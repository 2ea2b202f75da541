// `hive load`: docker-archive (manifest.json) and OCI layout (index.json)
// tars, plain or compressed, with plain, gzip or zstd layers. Every blob is
// verified against its digest and every layer against the config's diff_ids
// before anything becomes visible.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

public struct LoadedImage {
    public var id: Digest
    public var tags: [String]
}

/// A file read from the archive: small ones in memory, large ones as temp blobs.
struct ArchiveFile {
    var digest: Digest
    var size: Int64
    var bytes: [UInt8]?
    var tempPath: String?
    /// A large uncompressed tar, extracted while it was read (before the
    /// manifest said whether it is a layer).
    var extracted: ExtractedLayer?
}

struct ExtractedLayer {
    var dir: String
    var contentSize: Int64
    var splitPaths: [String]?
}

extension Engine {
    public func load(fd: Int32, name: String) throws -> [LoadedImage] {
        try store.lockShared()
        store.markPending()
        let tmp = try store.makeTempDir()
        defer {
            try? FileTree.remove(path: tmp)
            store.sweepIfIdle()
        }
        let files = try readArchive(fd: fd, name: name, tmp: tmp)
        var plans: [(Manifest, [UInt8], [String])] = []   // manifest, manifest bytes, tags
        if files["index.json"] != nil {
            plans = try ociPlans(files, name: name)
            // Docker 25+ archives carry both; manifest.json has the familiar tags.
            if files["manifest.json"] != nil, let docker = try? dockerPlans(files, name: name) {
                for i in plans.indices where plans[i].2.isEmpty {
                    if let match = docker.first(where: { $0.0.config.digest == plans[i].0.config.digest }) { plans[i].2 = match.2 }
                }
            }
        } else if files["manifest.json"] != nil {
            plans = try dockerPlans(files, name: name)
        } else {
            throw HiveError(.corrupt, "\(name) is neither a docker-archive (no manifest.json) nor an OCI layout (no index.json)")
        }
        guard !plans.isEmpty else { throw HiveError(.corrupt, "\(name) contains no images") }
        // every blob checked against its descriptor before anything is parsed or stored
        for (manifest, _, _) in plans { try verifyBlobs(manifest, files: files, name: name) }

        var loaded: [LoadedImage] = []
        var records: [(ImageRecord, [LayerRecord], [Digest])] = []
        for (manifest, manifestBytes, tags) in plans {
            let (rec, layers, blobs) = try prepareImage(manifest, manifestBytes: manifestBytes, tags: tags, files: files, tmp: tmp, name: name)
            records.append((rec, layers, blobs))
            loaded.append(LoadedImage(id: rec.id, tags: tags))
        }
        try store.db.transaction { () throws(HiveError) in
            for (rec, layers, blobs) in records { try store.insertImage(rec, layers: layers, blobs: blobs) }
        }
        for l in loaded {
            logEvent(EventRecord(type: "image", action: "load", id: l.id.description, attributes: ["name": l.tags.first.map(familiarName) ?? "<none>"]))
        }
        return loaded
    }

    /// One pass over the archive: every regular file is hashed; small files are
    /// kept in memory, large ones written to temp files (later moved into blobs/).
    private func readArchive(fd: Int32, name: String, tmp: String) throws -> [String: ArchiveFile] {
        let reader = try ArchiveReader(fd: fd, name: name)
        var files: [String: ArchiveFile] = [:]
        var links: [String: String] = [:]
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var n = 0
        while let e = try reader.next() {
            let path = Engine.normalize(e.path)
            if let target = e.symlink {
                let dir = path.split(separator: "/").dropLast().joined(separator: "/")
                links[path] = Engine.normalize(target.hasPrefix("/") ? target : (dir.isEmpty ? target : dir + "/" + target))
                continue
            }
            guard e.isRegular else { continue }
            if e.size <= 1 << 20 {
                let bytes = try reader.readAll(limit: 1 << 20, entry: path)
                files[path] = ArchiveFile(digest: Digest.of(bytes), size: Int64(bytes.count), bytes: bytes)
            } else {
                n += 1
                let w = try BlobWriter(path: tmp + "/in-\(n)")
                // Peek: an uncompressed tar is extracted in the same pass as it is copied.
                var initial: [UInt8] = []
                while initial.count < 512 {
                    let got = try buf.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if got == 0 { break }
                    initial += buf[0..<got]
                }
                if initial.count >= 512 && initial[257..<262].elementsEqual(Array("ustar".utf8)) {
                    files[path] = try extractWhileCopying(reader, initial: initial, to: w, tmp: tmp, index: n, entry: path)
                    continue
                }
                try initial.withUnsafeBytes { try w.write($0) }
                while true {
                    let got = try buf.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if got == 0 { break }
                    try buf.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                }
                files[path] = ArchiveFile(digest: w.finish(), size: w.size, tempPath: w.tempPath)
            }
        }
        for (link, target) in links { if let f = files[target] { files[link] = f } }
        return files
    }

    /// Copies the current entry to `w` while extracting it as a layer. If it
    /// does not extract (not a layer, or a hostile one), the copy still
    /// completes; the error comes back if the manifest names it as a layer.
    private func extractWhileCopying(_ reader: ArchiveReader, initial: [UInt8], to w: BlobWriter, tmp: String,
                                     index: Int, entry: String) throws -> ArchiveFile {
        let (layerTemp, diffFD) = try store.makeLayerTemp(in: tmp, name: "spec-\(index)")
        defer { close(diffFD) }
        let splitFD = try store.createSplit(tempLayerDir: layerTemp)
        defer { close(splitFD) }
        let stream = try LayerStream(entryOf: reader, initial: initial, teeFD: w.fd, splitFD: splitFD, name: entry)
        var failure: HiveError? = nil
        do throws(HiveError) {
            let (digest, stats, size) = try stream.extract(into: diffFD, name: entry)
            let paths = stream.splitPaths(stats)
            return ArchiveFile(digest: digest, size: size, tempPath: w.tempPath,
                               extracted: ExtractedLayer(dir: layerTemp, contentSize: stats.contentSize, splitPaths: paths))
        } catch {
            failure = error
        }
        if let failure, failure.code == .unsafeContent || failure.code == .corrupt {
            // Finish the copy; a truncated outer archive fails here for good.
            let digest = try stream.digest(name: entry)
            try? FileTree.remove(path: layerTemp)
            var st = stat()
            fstat(w.fd, &st)
            return ArchiveFile(digest: digest, size: Int64(st.st_size), tempPath: w.tempPath)
        }
        throw failure!
    }

    static func normalize(_ p: String) -> String {
        p.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    private func file(_ files: [String: ArchiveFile], _ path: String, name: String) throws -> ArchiveFile {
        guard let f = files[Engine.normalize(path)] else {
            throw HiveError(.corrupt, "\(name) is missing \(path), which its manifest references")
        }
        return f
    }

    private func blobFile(_ files: [String: ArchiveFile], _ d: Digest, name: String) throws -> ArchiveFile {
        let f = try file(files, "blobs/sha256/" + d.hex, name: name)
        guard f.digest == d else {
            throw HiveError(.corrupt, "blob \(d) in \(name) does not match its digest (its content hashes to \(f.digest))")
        }
        return f
    }

    private func bytes(_ f: ArchiveFile, what: String) throws -> [UInt8] {
        if let b = f.bytes { return b }
        throw HiveError(.corrupt, "\(what) is larger than 1 MB")
    }

    /// OCI layout: index.json -> manifests (one level of nested index, host platform).
    /// Each document is one kind by its shape and every media type naming it
    /// agrees (CVE-2021-41190); each blob matches its descriptor's size and
    /// digest before it is parsed.
    private func ociPlans(_ files: [String: ArchiveFile], name: String) throws -> [(Manifest, [UInt8], [String])] {
        let ib = try bytes(try file(files, "index.json", name: name), what: "index.json")
        guard try ImageDocumentKind.of(ib, descriptorMediaType: nil, what: "index.json in \(name)") == .index else {
            throw HiveError(.corrupt, "index.json in \(name) is an image manifest, not an image index")
        }
        let index: Index
        do { index = try JSONCoding.decode(Index.self, from: ib) } catch {
            throw HiveError(.corrupt, "index.json in \(name) is not a valid image index")
        }
        var out: [(Manifest, [UInt8], [String])] = []
        func add(_ desc: Descriptor, tags: [String], depth: Int) throws {
            let what = "manifest \(desc.digest) in \(name)"
            let f = try blobFile(files, desc.digest, name: name)
            try desc.verify(size: f.size, digest: f.digest, what: what)
            let mb = try bytes(f, what: what)
            if try ImageDocumentKind.of(mb, descriptorMediaType: desc.mediaType, what: what) == .index {
                guard depth < 2 else { throw HiveError(.corrupt, "\(name): image index nested too deeply") }
                let nested: Index
                do { nested = try JSONCoding.decode(Index.self, from: mb) } catch {
                    throw HiveError(.corrupt, "index \(desc.digest) in \(name) is not a valid image index")
                }
                let arch = Engine.hostArchitecture
                let pick = nested.manifests.first { $0.platform?.architecture == arch && $0.platform?.os == "linux" }
                    ?? nested.manifests.first { $0.platform == nil }
                guard let pick else { throw HiveError(.notFound, "\(name) has no image for linux/\(arch)") }
                try add(pick, tags: tags, depth: depth + 1)
                return
            }
            let m: Manifest
            do { m = try JSONCoding.decode(Manifest.self, from: mb) } catch {
                throw HiveError(.corrupt, "manifest \(desc.digest) in \(name) is not a valid image manifest")
            }
            if let i = out.firstIndex(where: { $0.0.config.digest == m.config.digest }) {
                out[i].2.append(contentsOf: tags.filter { !out[i].2.contains($0) })
            } else {
                out.append((m, mb, tags))
            }
        }
        for d in index.manifests {
            var tags: [String] = []
            let full = d.annotations?[Annotation.containerdImageName] ?? d.annotations?[Annotation.refName]
            if let full, let ref = try? Reference(parsing: full), ref.digest == nil { tags.append(ref.description) }
            try add(d, tags: tags, depth: 0)
        }
        return out
    }

    /// docker-archive: manifest.json entries; the manifest is synthesised.
    private func dockerPlans(_ files: [String: ArchiveFile], name: String) throws -> [(Manifest, [UInt8], [String])] {
        let entries: [DockerArchiveEntry]
        do {
            entries = try JSONCoding.decode([DockerArchiveEntry].self, from: try bytes(try file(files, "manifest.json", name: name), what: "manifest.json"))
        } catch let e as HiveError { throw e } catch {
            throw HiveError(.corrupt, "manifest.json in \(name) is not valid")
        }
        return try entries.map { e in
            let cfg = try file(files, e.config, name: name)
            if e.config.hasPrefix("blobs/sha256/"), cfg.digest.hex != String(e.config.dropFirst(13)) {
                throw HiveError(.corrupt, "blob \(e.config) in \(name) does not match its digest (its content hashes to \(cfg.digest))")
            }
            let layers = try e.layers.map { p -> Descriptor in
                let f = try file(files, p, name: name)
                if p.hasPrefix("blobs/sha256/"), f.digest.hex != String(p.dropFirst(13)) {
                    throw HiveError(.corrupt, "blob \(p) in \(name) does not match its digest (its content hashes to \(f.digest))")
                }
                return Descriptor(mediaType: try layerMediaType(f), digest: f.digest, size: f.size)
            }
            let m = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size), layers: layers)
            let tags = try (e.repoTags ?? []).map { t -> String in
                do { return try Reference(parsing: t).description } catch { throw HiveError(.corrupt, "\(name): invalid tag \"\(t)\" in manifest.json") }
            }
            return (m, try JSONCoding.encode(m), tags)
        }
    }

    /// Detects a layer's compression from its first bytes.
    private func layerMediaType(_ f: ArchiveFile) throws -> String {
        var head = [UInt8](repeating: 0, count: 4)
        if let b = f.bytes { head = Array(b.prefix(4)) } else if let p = f.tempPath {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            defer { close(fd) }
            _ = read(fd, &head, 4)
        }
        if head.starts(with: [0x1f, 0x8b]) { return MediaType.ociLayerGzip }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return MediaType.ociLayerZstd }
        return MediaType.ociLayer
    }

    /// Checks the config and every layer of an image against its descriptor
    /// (size and digest), before any of them is parsed or stored.
    private func verifyBlobs(_ m: Manifest, files: [String: ArchiveFile], name: String) throws {
        let cfg = try lookup(files, m.config.digest, what: "config blob", name: name)
        try m.config.verify(size: cfg.size, digest: cfg.digest, what: "config blob \(m.config.digest) in \(name)")
        for desc in m.layers {
            let lf = try lookup(files, desc.digest, what: "layer blob", name: name)
            try desc.verify(size: lf.size, digest: lf.digest, what: "layer blob \(desc.digest) in \(name)")
        }
    }

    /// Verifies and stores one image's blobs and layers; returns what to record.
    private func prepareImage(_ m: Manifest, manifestBytes: [UInt8], tags: [String], files: [String: ArchiveFile],
                              tmp: String, name: String) throws -> (ImageRecord, [LayerRecord], [Digest]) {
        let cfgFile = try lookup(files, m.config.digest, what: "config blob", name: name)
        let cfgBytes = try bytes(cfgFile, what: "config \(m.config.digest)")
        let config: ImageConfig
        do { config = try JSONCoding.decode(ImageConfig.self, from: cfgBytes) } catch {
            throw HiveError(.corrupt, "config \(m.config.digest) in \(name) is not a valid image config: \(error)")
        }
        guard config.rootfs.diffIDs.count == m.layers.count else {
            throw HiveError(.corrupt, "image \(m.config.digest.shortID) in \(name): \(m.layers.count) layers but the config lists \(config.rootfs.diffIDs.count) diff_ids")
        }
        let chain = Digest.chainIDs(config.rootfs.diffIDs)
        var layers: [LayerRecord] = []
        var size: Int64 = 0
        for (i, desc) in m.layers.enumerated() {
            guard MediaType.isLayer(desc.mediaType) else {
                throw HiveError(.corrupt, "image \(m.config.digest.shortID) in \(name): unsupported layer media type \(desc.mediaType)")
            }
            let lf = try lookup(files, desc.digest, what: "layer blob", name: name)
            // Small blobs are stored first and unpacked from the store; large ones from the temp file.
            let layerSize: Int64
            if let x = lf.extracted, lf.digest == config.rootfs.diffIDs[i] {
                // extracted while the archive was read, and its digest is the diffID
                try store.finishLayer(tempLayerDir: x.dir, chainID: chain[i], splitPaths: x.splitPaths)
                layerSize = try store.layerSize(chain[i]) ?? x.contentSize
            } else {
                let source: String
                if let p = lf.tempPath { source = p } else { source = try storeFile(lf, tmp: tmp) }
                layerSize = try unpackLayer(blobPath: source, blob: desc.digest, diffID: config.rootfs.diffIDs[i],
                                            chainID: chain[i], tmp: tmp, index: i)
            }
            // An uncompressed layer blob is not stored twice when the layer can rebuild it.
            if !(desc.digest == config.rootfs.diffIDs[i] && store.hasSplit(chain[i])) {
                _ = try storeFile(lf, tmp: tmp)
            }
            size += layerSize
            layers.append(LayerRecord(chainID: chain[i], diffID: config.rootfs.diffIDs[i], parent: i > 0 ? chain[i - 1] : nil, size: layerSize))
        }
        _ = try storeFile(cfgFile, tmp: tmp)
        let manifestDigest = try store.putBlob(manifestBytes, tempDir: tmp)
        let now = Timestamp.now().unixNanos
        let created = config.created.flatMap { Timestamp(rfc3339: $0) }?.unixNanos ?? 0
        var rec = ImageRecord(id: m.config.digest, manifestDigest: manifestDigest, manifestMediaType: m.mediaType ?? MediaType.ociManifest,
                              created: created, size: size, added: now, labelsJSON: labelsJSON(config.config?.labels))
        rec.tags = tags
        return (rec, layers, [manifestDigest, m.config.digest] + m.layers.map(\.digest))
    }

    /// A blob by digest: at blobs/sha256/<hex> (verified), or any file with that content.
    private func lookup(_ files: [String: ArchiveFile], _ d: Digest, what: String, name: String) throws -> ArchiveFile {
        if let f = files["blobs/sha256/" + d.hex] {
            guard f.digest == d else {
                throw HiveError(.corrupt, "blob \(d) in \(name) does not match its digest (its content hashes to \(f.digest))")
            }
            return f
        }
        guard let f = files.values.first(where: { $0.digest == d }) else {
            throw HiveError(.corrupt, "\(name) is missing \(what) \(d)")
        }
        return f
    }

    /// Moves an archive file into blobs/ (if not there yet); returns the blob path.
    private func storeFile(_ f: ArchiveFile, tmp: String) throws -> String {
        if store.hasBlob(f.digest) { return store.blobPath(f.digest) }
        if let b = f.bytes { try store.putBlob(b, tempDir: tmp) } else if let p = f.tempPath {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            defer { close(fd) }
            try store.commitBlob(tempPath: p, fd: fd, digest: f.digest)
        }
        return store.blobPath(f.digest)
    }

    /// Unpacks a layer blob unless the chainID is stored; verifies its diffID either way.
    private func unpackLayer(blobPath: String, blob: Digest, diffID: Digest, chainID: Digest, tmp: String, index: Int) throws -> Int64 {
        let fd = open(blobPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open layer blob \(blob)") }
        defer { close(fd) }
        func mismatch(_ got: Digest) -> HiveError {
            HiveError(.corrupt, "layer blob \(blob) does not match diff_id \(diffID) in the image config (it unpacks to \(got))")
        }
        if store.hasLayer(chainID), let size = try store.layerSize(chainID) {
            let stream = try LayerStream(fd: fd, decompress: true, name: "layer blob \(blob)")
            let got = try stream.digest(name: "layer blob \(blob)")
            guard got == diffID else { throw mismatch(got) }
            return size
        }
        let (layerTemp, diffFD) = try store.makeLayerTemp(in: tmp, name: "layer-\(index)")
        defer { close(diffFD) }
        let splitFD = try store.createSplit(tempLayerDir: layerTemp)
        let stream = try LayerStream(fd: fd, decompress: true, splitFD: splitFD, name: "layer blob \(blob)")
        let (got, stats, _) = try stream.extract(into: diffFD, name: "layer blob \(blob)")
        let splitPaths = stream.splitPaths(stats)  // flushes the split: before closing its fd
        close(splitFD)
        guard got == diffID else { throw mismatch(got) }
        try store.finishLayer(tempLayerDir: layerTemp, chainID: chainID, splitPaths: splitPaths)
        return stats.contentSize
    }
}
