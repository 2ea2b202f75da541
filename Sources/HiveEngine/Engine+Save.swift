// `hive save`: one tar that is both an OCI layout and a docker-archive, as
// Docker 25+ writes (HiveArchive's ImageArchiveWriter); the blobs come from
// the store (HiveStore's StoredImages), a layer without a stored blob rebuilt
// from its tar-split.
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
        var extraBlobs: [Digest: [UInt8]] = [:]
        for n in names {
            let r = try resolveImage(n)
            var (rec, manifest, _) = try manifestAndConfig(r.id)
            let imageLayers = try store.layers(of: rec.id)
            // a pulled image keeps no compressed layer blobs: its manifest is written for the layers' tars
            if let (m, bytes) = try store.uncompressedManifest(manifest, layers: imageLayers) {
                manifest = m
                rec.manifestDigest = Digest.of(bytes)
                extraBlobs[rec.manifestDigest] = bytes
            }
            var tags: [String] = []
            if let t = r.tag { tags = [t] }
            if let i = images.firstIndex(where: { $0.manifest.config.digest == rec.id }) {
                images[i].tags.append(contentsOf: tags.filter { !images[i].tags.contains($0) })
                images[i].repoTags = images[i].tags.map(familiarName)
            } else {
                let size = extraBlobs[rec.manifestDigest].map { Int64($0.count) } ?? store.blobSize(rec.manifestDigest) ?? 0
                images.append(SavedImage(manifest: manifest, manifestDigest: rec.manifestDigest, manifestSize: size,
                                         manifestMediaType: rec.manifestMediaType, tags: tags, repoTags: tags.map(familiarName)))
                layers.append(imageLayers)
            }
        }
        try ImageArchiveWriter.write(images, from: StoredImages(store: store, layers: layers, extraBlobs: extraBlobs), to: fd)
    }
}
