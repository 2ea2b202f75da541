// `hive import`: a rootfs tarball (plain, gzip, zstd, xz, bzip2) becomes a
// one-layer image. One pass: the bytes are decompressed, hashed (diffID),
// written as the layer blob and extracted, all at once.
import Glibc
import HiveArchive
import HiveBuild
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

        // Layer: decompress -> hash -> tar-split -> extract, in one pass. A pipe
        // is also copied to a temp blob, in case the layer cannot rebuild its
        // tar; a file can simply be read again in that (rare) case.
        var st = stat()
        let seekable = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        let configDigest = try store.withIngest { tmp in
            let blob = try BlobWriter(path: tmp + "/layer.tar")
            let layer = try store.ingestLayer(.fd(fd, decompress: true, teeFD: seekable ? -1 : blob.fd), tmp: tmp,
                                              name: shownSource, allowEmpty: false)
            // The uncompressed tar is kept as a blob only when the layer cannot rebuild it.
            try store.keepLayerTar(layer, tempPath: blob.tempPath, fd: blob.fd, rereading: seekable ? fd : nil, name: shownSource)
            let now = Timestamp.now()
            var config = ImageConfig(architecture: HostPlatform.architecture, os: "linux", rootfs: RootFS(diffIDs: [layer.diffID]))
            config.created = now.rfc3339
            config.config = cc
            config.history = [History(created: now.rfc3339, comment: opts.message ?? "Imported from \(opts.source)")]
            return try store.commitImage(config: config, layers: [layer.record],
                                         descriptors: [Descriptor(mediaType: MediaType.ociLayer, digest: layer.diffID, size: layer.tarSize ?? 0)],
                                         parent: nil, tag: ref?.description, now: now, tmp: tmp)
        }
        logEvent(EventRecord(type: "image", action: "import", id: configDigest.description,
                             attributes: ["name": ref.map { familiarName($0.description) } ?? "<none>"]))
        return configDigest
    }
}


/// `--change` parsing lives in HiveBuild (a Dockerfile subset); the name stays
/// visible to the engine's users.
public typealias ImageChange = HiveBuild.ImageChange
