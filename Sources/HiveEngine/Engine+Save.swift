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
