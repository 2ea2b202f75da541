// `hive save`: one tar that is both an OCI layout and a docker-archive, as
// Docker 25+ writes (HiveArchive's ImageArchiveWriter); the blobs come from
// the store, a layer without a stored blob rebuilt from its tar-split.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

extension Engine {
    /// Writes the images named by `names` to `fd`.
    public func save(_ names: [String], to fd: Int32) throws {
        try store.lockShared()  // no sweep may remove a blob while we read it
        var images: [SavedImage] = []
        var layers: [[LayerRecord]] = []
        for n in names {
            let r = try resolveImage(n)
            let (rec, manifest, _) = try manifestAndConfig(r.id)
            var tags: [String] = []
            if let t = r.tag { tags = [t] }
            if let i = images.firstIndex(where: { $0.manifest.config.digest == rec.id }) {
                images[i].tags.append(contentsOf: tags.filter { !images[i].tags.contains($0) })
                images[i].repoTags = images[i].tags.map(familiarName)
            } else {
                images.append(SavedImage(manifest: manifest, manifestDigest: rec.manifestDigest, manifestSize: store.blobSize(rec.manifestDigest) ?? 0,
                                         manifestMediaType: rec.manifestMediaType, tags: tags, repoTags: tags.map(familiarName)))
                layers.append(try store.layers(of: rec.id))
            }
        }
        try ImageArchiveWriter.write(images, from: StoredImages(store: store, layers: layers), to: fd)
    }
}

/// The blobs of the images `hive save` writes, from the store.
struct StoredImages: ImageArchiveSource {
    let store: Store
    /// Each image's layers, in the order of the images written.
    let layers: [[LayerRecord]]

    func hasBlob(_ d: Digest) -> Bool { store.hasBlob(d) }

    func writeBlob(_ d: Digest, to w: TarWriter, path: String) throws {
        let bfd = open(store.blobPath(d), O_RDONLY | O_CLOEXEC)
        guard bfd >= 0 else { throw HiveError(.notFound, "blob \(d) is missing from the store (remove and re-load the image)") }
        defer { close(bfd) }
        var st = stat()
        fstat(bfd, &st)
        try w.addFile(path, from: bfd, size: Int64(st.st_size))
    }

    func writeRebuiltLayer(_ desc: Descriptor, image: Int, index: Int, to w: TarWriter, path: String) throws {
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
