// Writes images as `hive save` does: one tar that is both an OCI layout
// (index.json, oci-layout, blobs/sha256/...) and a docker-archive
// (manifest.json), as Docker 25+ writes. Where the blobs come from is the
// caller's (ImageArchiveSource): no store here.
import HiveOCI
import HivePlatform

/// One image to write.
public struct SavedImage {
    public var manifest: Manifest
    public var manifestDigest: Digest
    public var manifestSize: Int64
    public var manifestMediaType: String
    /// Full names (index.json annotations).
    public var tags: [String]
    /// The names manifest.json lists (familiar names).
    public var repoTags: [String]

    public init(manifest: Manifest, manifestDigest: Digest, manifestSize: Int64, manifestMediaType: String,
                tags: [String], repoTags: [String]) {
        self.manifest = manifest
        self.manifestDigest = manifestDigest
        self.manifestSize = manifestSize
        self.manifestMediaType = manifestMediaType
        self.tags = tags
        self.repoTags = repoTags
    }
}

/// Where the blobs of the images being written come from.
public protocol ImageArchiveSource {
    /// Whether `d` is stored as a blob (else a layer is rebuilt).
    func hasBlob(_ d: Digest) -> Bool
    /// Writes the stored blob `d` to `w` at `path`.
    func writeBlob(_ d: Digest, to w: TarWriter, path: String) throws
    /// Writes layer `index` of image `image` (in the order given to `write`),
    /// which is not stored as a blob, rebuilt (from its tar-split).
    func writeRebuiltLayer(_ desc: Descriptor, image: Int, index: Int, to w: TarWriter, path: String) throws
}

public enum ImageArchiveWriter {
    /// Writes `images` to `fd`, each blob once.
    public static func write(_ images: [SavedImage], from source: ImageArchiveSource, to fd: Int32) throws {
        let w = try TarWriter(fd: fd)
        var written = Set<Digest>()
        try w.addDirectory("blobs")
        try w.addDirectory("blobs/sha256")
        func put(_ d: Digest) throws {
            guard written.insert(d).inserted else { return }
            try source.writeBlob(d, to: w, path: "blobs/sha256/" + d.hex)
        }
        var index: [Descriptor] = []
        var docker: [DockerArchiveEntry] = []
        for (j, item) in images.enumerated() {
            for (i, l) in item.manifest.layers.enumerated() {
                if source.hasBlob(l.digest) { try put(l.digest); continue }
                guard written.insert(l.digest).inserted else { continue }
                try source.writeRebuiltLayer(l, image: j, index: i, to: w, path: "blobs/sha256/" + l.digest.hex)
            }
            try put(item.manifest.config.digest)
            try put(item.manifestDigest)
            let mt = item.manifestMediaType
            if item.tags.isEmpty {
                index.append(Descriptor(mediaType: mt, digest: item.manifestDigest, size: item.manifestSize))
            }
            for t in item.tags {
                let ref = try Reference(parsing: t)
                index.append(Descriptor(mediaType: mt, digest: item.manifestDigest, size: item.manifestSize,
                                        annotations: [Annotation.containerdImageName: ref.description, Annotation.refName: ref.tag ?? "latest"]))
            }
            docker.append(DockerArchiveEntry(config: "blobs/sha256/" + item.manifest.config.digest.hex,
                                             repoTags: item.repoTags.isEmpty ? nil : item.repoTags,
                                             layers: item.manifest.layers.map { "blobs/sha256/" + $0.digest.hex }))
        }
        try w.addFile("index.json", bytes: try JSONCoding.encode(Index(manifests: index)))
        try w.addFile("manifest.json", bytes: try JSONCoding.encode(docker))
        try w.addFile("oci-layout", bytes: try JSONCoding.encode(OCILayout()))
        try w.finish()
    }
}
