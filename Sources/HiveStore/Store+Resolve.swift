// What the user typed for an image, resolved as Docker does: a tag
// (`busybox`, `busybox:1`), `name@digest`, a full ID (`sha256:...`), or a
// unique ID prefix; and an image's stored manifest and config.
import HiveOCI
import HivePlatform

/// An image resolved from what the user typed.
public struct ResolvedImage {
    public var id: Digest
    /// The tag the user named, fully qualified, if they named one.
    public var tag: String?

    public init(id: Digest, tag: String?) {
        self.id = id
        self.tag = tag
    }
}

extension Store {
    /// Resolves a name as Docker does: a tag (`busybox`, `busybox:1`), a full
    /// ID (`sha256:...`), or a unique ID prefix.
    public func resolveImage(_ text: String) throws -> ResolvedImage {
        let lowered = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        let parsed = Result { () throws(ReferenceError) -> Reference in try Reference(parsing: text) }
        if case .success(let ref) = parsed {
            if let digest = ref.digest {
                // name@digest: the RepoDigest a registry knows it by (pull, push)
                if let id = try imageID(repository: ref.repository, digest: digest) { return ResolvedImage(id: id, tag: nil) }
                // or the manifest digest of an image in that repository
                for r in try allImages() where r.manifestDigest == digest || r.id == digest {
                    if r.tags.contains(where: { $0.hasPrefix(ref.repository + ":") }) || ref.tag == nil {
                        return ResolvedImage(id: r.id, tag: nil)
                    }
                }
            } else if let id = try imageID(forTag: ref.description) {
                return ResolvedImage(id: id, tag: ref.description)
            }
        }
        if !lowered.isEmpty, lowered.utf8.count <= 64, lowered.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            let ids = try imageIDs(prefix: lowered)
            if ids.count == 1 { return ResolvedImage(id: ids[0], tag: nil) }
            if ids.count > 1 {
                throw HiveError(.conflict, "image ID prefix \"\(text)\" is ambiguous: it matches \(ids.count) images (give more digits)")
            }
        }
        if case .failure(let e) = parsed, !text.hasPrefix("sha256:") {
            throw HiveError(.invalidArgument, "\(e)")
        }
        throw HiveError(.notFound, "image \"\(text)\" not found locally (hive images lists them)")
    }

    /// The stored manifest and config of an image.
    public func manifestAndConfig(_ id: Digest) throws -> (ImageRecord, Manifest, ImageConfig) {
        guard let rec = try image(id) else {
            throw HiveError(.notFound, "image \(id.shortID) not found locally (hive images lists them)")
        }
        let manifest = try JSONCoding.decode(Manifest.self, from: try readBlob(rec.manifestDigest, limit: JSONValue.maxDocumentBytes))
        let config = try JSONCoding.decode(ImageConfig.self, from: try readBlob(id, limit: JSONValue.maxDocumentBytes))
        return (rec, manifest, config)
    }
}

extension Store {
    /// The image `repository` (fully qualified) knows by manifest `digest` (a RepoDigest), if one is stored.
    public func imageID(repository: String, digest: Digest) throws(HiveError) -> Digest? {
        try db.prepare("SELECT image_id FROM repo_digests WHERE repository = ?1 AND digest = ?2")
            .all([.text(repository), .text(digest.hex)]) { try? Digest(hex: $0.text(0)) }.first ?? nil
    }
}
