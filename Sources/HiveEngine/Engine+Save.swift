// `hive save`: one tar that is both an OCI layout (index.json, oci-layout,
// blobs/sha256/...) and a docker-archive (manifest.json), as Docker 25+ writes.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

extension Engine {
    /// Writes the images named by `names` to `fd`.
    public func save(_ names: [String], to fd: Int32) throws {
        try store.lockShared()  // no sweep may remove a blob while we read it
        struct Item { var rec: ImageRecord; var manifest: Manifest; var tags: [String]; var layers: [LayerRecord] }
        var items: [Item] = []
        for n in names {
            let r = try resolveImage(n)
            let (rec, manifest, _) = try manifestAndConfig(r.id)
            var tags: [String] = []
            if let t = r.tag { tags = [t] }
            if let i = items.firstIndex(where: { $0.rec.id == rec.id }) {
                items[i].tags.append(contentsOf: tags.filter { !items[i].tags.contains($0) })
            } else {
                items.append(Item(rec: rec, manifest: manifest, tags: tags, layers: try store.layers(of: rec.id)))
            }
        }
        let w = try TarWriter(fd: fd)
        var written = Set<Digest>()
        try w.addDirectory("blobs")
        try w.addDirectory("blobs/sha256")
        /// A layer blob: stored, or rebuilt from the layer's tar-split.
        func putLayer(_ desc: Descriptor, _ layer: LayerRecord?) throws {
            if store.hasBlob(desc.digest) { return try put(desc.digest) }
            guard let layer, layer.diffID == desc.digest, store.hasSplit(layer.chainID) else {
                throw HiveError(.notFound, "layer blob \(desc.digest) is missing from the store (remove and re-load the image)")
            }
            guard written.insert(desc.digest).inserted else { return }
            let paths = try store.splitPaths(layer.chainID)
            let sfd = open(store.layerDir(layer.chainID) + "/tar-split", O_RDONLY | O_CLOEXEC)
            let rfd = open(store.layerDiffDir(layer.chainID), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { close(sfd); close(rfd) }
            guard sfd >= 0, rfd >= 0 else { throw HiveError.errno("cannot open layer \(layer.chainID)") }
            try w.addSplitLayer("blobs/sha256/" + desc.digest.hex, size: desc.size, digest: desc.digest,
                                splitFD: sfd, rootFD: rfd, paths: paths)
        }
        func put(_ d: Digest) throws {
            guard written.insert(d).inserted else { return }
            let bfd = open(store.blobPath(d), O_RDONLY | O_CLOEXEC)
            guard bfd >= 0 else { throw HiveError(.notFound, "blob \(d) is missing from the store (remove and re-load the image)") }
            defer { close(bfd) }
            var st = stat()
            fstat(bfd, &st)
            try w.addFile("blobs/sha256/" + d.hex, from: bfd, size: Int64(st.st_size))
        }
        var index: [Descriptor] = []
        var docker: [DockerArchiveEntry] = []
        for item in items {
            for (i, l) in item.manifest.layers.enumerated() { try putLayer(l, i < item.layers.count ? item.layers[i] : nil) }
            try put(item.manifest.config.digest)
            try put(item.rec.manifestDigest)
            let size = store.blobSize(item.rec.manifestDigest) ?? 0
            let mt = item.rec.manifestMediaType
            if item.tags.isEmpty {
                index.append(Descriptor(mediaType: mt, digest: item.rec.manifestDigest, size: size))
            }
            for t in item.tags {
                let ref = try Reference(parsing: t)
                index.append(Descriptor(mediaType: mt, digest: item.rec.manifestDigest, size: size,
                                        annotations: [Annotation.containerdImageName: ref.description, Annotation.refName: ref.tag ?? "latest"]))
            }
            docker.append(DockerArchiveEntry(config: "blobs/sha256/" + item.manifest.config.digest.hex,
                                             repoTags: item.tags.isEmpty ? nil : item.tags.map(familiarName),
                                             layers: item.manifest.layers.map { "blobs/sha256/" + $0.digest.hex }))
        }
        try w.addFile("index.json", bytes: try JSONCoding.encode(Index(manifests: index)))
        try w.addFile("manifest.json", bytes: try JSONCoding.encode(docker))
        try w.addFile("oci-layout", bytes: try JSONCoding.encode(OCILayout()))
        try w.finish()
    }
}
