// Where an image comes from when it is stored as its source has it (config
// and manifest bytes unchanged: the image ID is the source's config digest):
// an image archive (`hive load`), next a registry (pull). Store.loadImage
// (Store+Images.swift) assembles the image from any ImageSource: one
// assembly, one set of checks and messages, for both.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

/// A layer as a source hands it over.
public enum SourceLayer {
    /// A stream to ingest (decompressed, hashed, checked, extracted).
    case stream(LayerInput)
    /// A layer the source extracted already (while it was read), its tar
    /// known to hash to the diffID asked for; not yet in place.
    case extracted(ExtractedLayer)
}

/// The blobs of the images a source holds (its manifests are the caller's:
/// ImagePlan).
public protocol ImageSource {
    /// The source's name in messages (an archive's path, a reference).
    var name: String { get }
    /// The bytes of a small blob (`what`: "config"), as the source has them.
    func bytes(of desc: Descriptor, what: String) throws -> [UInt8]
    /// Runs `body` with the layer blob `desc`, whose tar should hash to
    /// `diffID`; whatever `body` needs open stays open until it returns.
    func withLayer<T>(_ desc: Descriptor, diffID: Digest, store: Store, tmp: String,
                      _ body: (SourceLayer) throws -> T) throws -> T
    /// Keeps the blob `desc` in the store's blobs/ (if not there yet).
    func keepBlob(_ desc: Descriptor, store: Store, tmp: String) throws
}

extension ImageArchive: ImageSource {
    public func bytes(of desc: Descriptor, what: String) throws -> [UInt8] {
        try ImageArchive.bytes(try lookup(desc.digest, what: "\(what) blob"), what: "\(what) \(desc.digest)")
    }

    public func withLayer<T>(_ desc: Descriptor, diffID: Digest, store: Store, tmp: String,
                             _ body: (SourceLayer) throws -> T) throws -> T {
        let lf = try lookup(desc.digest, what: "layer blob")
        if let x = lf.extracted, lf.digest == diffID { return try body(.extracted(x)) }
        // Small blobs are stored first and unpacked from the store; large ones from the temp file.
        let path = try lf.tempPath ?? store.storeFile(lf, tmp: tmp)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open layer blob \(desc.digest)") }
        defer { close(fd) }
        return try body(.stream(.fd(fd, decompress: true, teeFD: -1)))
    }

    public func keepBlob(_ desc: Descriptor, store: Store, tmp: String) throws {
        try store.storeFile(try lookup(desc.digest, what: "blob"), tmp: tmp)
    }
}
