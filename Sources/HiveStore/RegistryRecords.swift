// What registries know an image and its layers by (schema v6): RepoDigests
// (repository -> manifest digest, per image) and the compressed blobs of a
// layer (what a pull brought or a push made), so a push can skip a blob the
// registry has, mount it from another repository, or reuse it without
// compressing the layer again.
import HiveOCI
import HivePlatform

/// One compressed (or plain) blob of a layer as a registry knows it.
public struct LayerBlob: Sendable, Equatable {
    public var diffID: Digest
    public var digest: Digest
    public var mediaType: String
    public var size: Int64
    /// Where it was seen, fully qualified (`docker.io/library/busybox`); "" if only made here.
    public var repository: String
    public init(diffID: Digest, digest: Digest, mediaType: String, size: Int64, repository: String) {
        self.diffID = diffID
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.repository = repository
    }
}

extension Store {
    /// Records that `repository` (fully qualified, no tag) knows image `id` by
    /// manifest `digest` (replacing what it knew before).
    public func setRepoDigest(image id: Digest, repository: String, digest: Digest) throws(HiveError) {
        try db.prepare("INSERT OR REPLACE INTO repo_digests (image_id, repository, digest) VALUES (?1, ?2, ?3)")
            .run([.text(id.hex), .text(repository), .text(digest.hex)])
    }

    /// `repository@sha256:...` for every repository that knows image `id`, sorted.
    public func repoDigests(image id: Digest) throws(HiveError) -> [String] {
        try db.prepare("SELECT repository, digest FROM repo_digests WHERE image_id = ?1 ORDER BY repository")
            .all([.text(id.hex)]) { $0.text(0) + "@sha256:" + $0.text(1) }
    }

    /// Remembers a blob of the layer `blob.diffID` (idempotent).
    public func recordLayerBlob(_ blob: LayerBlob) throws(HiveError) {
        try db.prepare("INSERT OR IGNORE INTO layer_blobs (diff_id, digest, media_type, size, repository) VALUES (?1, ?2, ?3, ?4, ?5)")
            .run([.text(blob.diffID.hex), .text(blob.digest.hex), .text(blob.mediaType), .int(blob.size), .text(blob.repository)])
    }

    /// The blobs known for the layer `diffID`, those seen in `preferRepository` first.
    public func layerBlobs(diffID: Digest, preferRepository: String? = nil) throws(HiveError) -> [LayerBlob] {
        let rows = try db.prepare("SELECT digest, media_type, size, repository FROM layer_blobs WHERE diff_id = ?1 ORDER BY repository, digest")
            .all([.text(diffID.hex)]) { s -> LayerBlob? in
                guard let d = try? Digest(hex: s.text(0)) else { return nil }
                return LayerBlob(diffID: diffID, digest: d, mediaType: s.text(1), size: s.int(2), repository: s.text(3))
            }.compactMap { $0 }
        guard let preferRepository else { return rows }
        return rows.filter { $0.repository == preferRepository } + rows.filter { $0.repository != preferRepository }
    }
}
