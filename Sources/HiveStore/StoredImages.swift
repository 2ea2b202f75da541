// The store as the source of `hive save`'s archive (HiveArchive's
// ImageArchiveWriter): blobs read by fd, a layer without a stored blob
// rebuilt from its tar-split over its extracted files.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

/// The blobs of the images `hive save` writes, from the store.
public struct StoredImages: ImageArchiveSource {
    let store: Store
    /// Each image's layers, in the order of the images written.
    let layers: [[LayerRecord]]
    /// Blobs written from memory (a pulled image's manifest rewritten for its uncompressed layers).
    let extraBlobs: [Digest: [UInt8]]

    public init(store: Store, layers: [[LayerRecord]], extraBlobs: [Digest: [UInt8]] = [:]) {
        self.store = store
        self.layers = layers
        self.extraBlobs = extraBlobs
    }

    public func hasBlob(_ d: Digest) -> Bool { extraBlobs[d] != nil || store.hasBlob(d) }

    public func writeBlob(_ d: Digest, to w: TarWriter, path: String) throws {
        if let bytes = extraBlobs[d] { return try w.addFile(path, bytes: bytes) }
        let bfd = open(store.blobPath(d), O_RDONLY | O_CLOEXEC)
        guard bfd >= 0 else { throw HiveError(.notFound, "blob \(d) is missing from the store (remove and re-load the image)") }
        defer { close(bfd) }
        var st = stat()
        fstat(bfd, &st)
        try w.addFile(path, from: bfd, size: Int64(st.st_size))
    }

    public func writeRebuiltLayer(_ desc: Descriptor, image: Int, index: Int, to w: TarWriter, path: String) throws {
        let layer = index < layers[image].count ? layers[image][index] : nil
        guard let layer, layer.diffID == desc.digest, store.hasSplit(layer.chainID) else {
            throw HiveError(.notFound, "layer blob \(desc.digest) is missing from the store (remove and re-load the image)")
        }
        let paths = try store.splitPaths(layer.chainID)
        let sfd = open(store.layerDir(layer.chainID) + "/tar-split", O_RDONLY | O_CLOEXEC)
        let rfd = open(store.layerDiffDir(layer.chainID), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(sfd); close(rfd) }
        guard sfd >= 0, rfd >= 0 else { throw HiveError.errno("cannot open layer \(layer.chainID)") }
        try w.addSplitLayer(path, size: desc.size, digest: desc.digest, splitFD: sfd, rootFD: rfd, paths: paths)
    }
}
