// `hive import`: a rootfs tarball (plain, gzip, zstd, xz, bzip2) becomes a
// one-layer image. One pass: the bytes are decompressed, hashed (diffID),
// written as the layer blob and extracted, all at once.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

public struct ImportOptions {
    public var source: String
    public var reference: String?
    public var changes: [String] = []
    public var message: String?
    public init(source: String, reference: String? = nil) {
        self.source = source
        self.reference = reference
    }
}

extension Engine {
    /// Imports a tarball; returns the new image ID.
    public func importImage(_ opts: ImportOptions) throws -> Digest {
        let ref = try opts.reference.map { (r) throws -> Reference in
            do { return try Reference(parsing: r) } catch { throw HiveError(.invalidArgument, "\(error)") }
        }
        if let ref, ref.digest != nil {
            throw HiveError(.invalidArgument, "cannot import to \"\(opts.reference!)\": a tag may not contain a digest")
        }
        var cc = ContainerConfig()
        try ImageChange.apply(opts.changes, to: &cc)
        if opts.source.hasPrefix("http://") || opts.source.hasPrefix("https://") {
            throw HiveError(.invalidArgument, "cannot import from \(opts.source): importing from a URL is not supported (download it and import the file)")
        }
        let fd: Int32 = opts.source == "-" ? 0 : open(opts.source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open \(opts.source)") }
        defer { if fd != 0 { close(fd) } }
        let shownSource = opts.source == "-" ? "standard input" : opts.source

        try store.lockShared()
        store.markPending()
        let tmp = try store.makeTempDir()
        defer {
            try? FileTree.remove(path: tmp)
            store.sweepIfIdle()
        }

        // Layer: decompress -> hash -> tar-split -> extract, in one pass. A pipe
        // is also copied to a temp blob, in case the layer cannot rebuild its
        // tar; a file can simply be read again in that (rare) case.
        var st = stat()
        let seekable = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        let blob = try BlobWriter(tempPathIn: tmp, name: "layer.tar")
        let (layerTemp, diffFD) = try store.makeLayerTemp(in: tmp, name: "layer")
        defer { close(diffFD) }
        let splitFD = try store.createSplit(tempLayerDir: layerTemp)
        let stream = try LayerStream(fd: fd, decompress: true, teeFD: seekable ? -1 : blob.fd, splitFD: splitFD, name: shownSource)
        let (diffID, stats, tarSize) = try stream.extract(into: diffFD, name: shownSource)
        let splitPaths = stream.splitPaths(stats)  // flushes the split: before closing its fd
        close(splitFD)
        guard tarSize > 0 else { throw HiveError(.corrupt, "\(shownSource) is empty (expected a tar archive)") }
        try store.finishLayer(tempLayerDir: layerTemp, chainID: diffID, splitPaths: splitPaths)
        // The uncompressed tar is kept as a blob only when the layer cannot rebuild it.
        if !store.hasSplit(diffID) {
            if seekable {
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw HiveError.errno("cannot re-read \(shownSource)") }
                let again = try LayerStream(fd: fd, decompress: true, teeFD: blob.fd, name: shownSource)
                guard try again.digest(name: shownSource) == diffID else {
                    throw HiveError(.corrupt, "\(shownSource) changed while it was being imported")
                }
            }
            try store.commitBlob(tempPath: blob.tempPath, fd: blob.fd, digest: diffID)
        }

        // Config and manifest.
        let now = Timestamp.now()
        var config = ImageConfig(architecture: Engine.hostArchitecture, os: "linux", rootfs: RootFS(diffIDs: [diffID]))
        config.created = now.rfc3339
        config.config = cc
        config.history = [History(created: now.rfc3339, comment: opts.message ?? "Imported from \(opts.source)")]
        let configBytes = try JSONCoding.encode(config)
        let configDigest = try store.putBlob(configBytes, tempDir: tmp)
        let manifest = Manifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
            layers: [Descriptor(mediaType: MediaType.ociLayer, digest: diffID, size: tarSize)])
        let manifestBytes = try JSONCoding.encode(manifest)
        let manifestDigest = try store.putBlob(manifestBytes, tempDir: tmp)

        var rec = ImageRecord(id: configDigest, manifestDigest: manifestDigest, manifestMediaType: MediaType.ociManifest,
                              created: now.unixNanos, size: stats.contentSize, added: now.unixNanos,
                              labelsJSON: labelsJSON(cc.labels))
        if let ref { rec.tags = [ref.description] }
        let layer = LayerRecord(chainID: diffID, diffID: diffID, parent: nil, size: stats.contentSize)
        try store.db.transaction { () throws(HiveError) in
            try store.insertImage(rec, layers: [layer], blobs: [manifestDigest, configDigest, diffID])
        }
        logEvent(EventRecord(type: "image", action: "import", id: configDigest.description,
                             attributes: ["name": ref.map { familiarName($0.description) } ?? "<none>"]))
        return configDigest
    }
}

func labelsJSON(_ labels: [String: String]?) -> String {
    JSONValue.object((labels ?? [:]).mapValues { .string($0) }).serialized()
}

extension BlobWriter {
    public convenience init(tempPathIn dir: String, name: String) throws(HiveError) {
        try self.init(path: dir + "/" + name)
    }
}
