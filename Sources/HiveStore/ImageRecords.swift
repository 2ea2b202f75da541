// Image rows, tags and layer references in the state database.
import HiveOCI
import HivePlatform

public struct ImageRecord: Sendable {
    public var id: Digest
    public var manifestDigest: Digest
    public var manifestMediaType: String
    /// Creation time from the image config (unix nanoseconds).
    public var created: Int64
    /// Sum of the layers' content sizes.
    public var size: Int64
    /// When this store got the image (unix nanoseconds).
    public var added: Int64
    public var lastUsed: Int64?
    public var parent: Digest?
    /// Labels as JSON (decoded only by label filters).
    public var labelsJSON: String
    /// Fully qualified tag names, e.g. `docker.io/library/busybox:latest`.
    public var tags: [String]

    public init(id: Digest, manifestDigest: Digest, manifestMediaType: String, created: Int64, size: Int64,
                added: Int64, parent: Digest? = nil, labelsJSON: String = "{}", tags: [String] = []) {
        self.id = id
        self.manifestDigest = manifestDigest
        self.manifestMediaType = manifestMediaType
        self.created = created
        self.size = size
        self.added = added
        self.parent = parent
        self.labelsJSON = labelsJSON
        self.tags = tags
    }
}

public struct LayerRecord: Sendable {
    public var chainID: Digest
    public var diffID: Digest
    public var parent: Digest?
    public var size: Int64
    public init(chainID: Digest, diffID: Digest, parent: Digest?, size: Int64) {
        self.chainID = chainID
        self.diffID = diffID
        self.parent = parent
        self.size = size
    }
}

extension Store {
    private static let imageColumns = "id, manifest_digest, manifest_media_type, created, size, added, last_used, parent, labels"

    private func imageRow(_ s: Statement) -> ImageRecord? {
        guard let id = try? Digest(hex: s.text(0)), let md = try? Digest(hex: s.text(1)) else { return nil }
        var r = ImageRecord(id: id, manifestDigest: md, manifestMediaType: s.text(2), created: s.int(3), size: s.int(4),
                            added: s.int(5), parent: s.optionalText(7).flatMap { try? Digest(hex: $0) }, labelsJSON: s.text(8))
        r.lastUsed = s.optionalInt(6)
        return r
    }

    /// Every image with its tags, newest first.
    public func allImages() throws(HiveError) -> [ImageRecord] {
        var tags: [String: [String]] = [:]
        let pairs = try db.prepare("SELECT name, image_id FROM tags ORDER BY tagged, name").all([]) { ($0.text(0), $0.text(1)) }
        for (name, id) in pairs {
            tags[id, default: []].append(name)
        }
        let rows = try db.prepare("SELECT \(Store.imageColumns) FROM images ORDER BY created DESC, id").all { imageRow($0) }
        return rows.compactMap { r in
            guard var r else { return nil }
            r.tags = tags[r.id.hex] ?? []
            return r
        }
    }

    public func image(_ id: Digest) throws(HiveError) -> ImageRecord? {
        guard let row = try db.prepare("SELECT \(Store.imageColumns) FROM images WHERE id = ?1").all([.text(id.hex)], { imageRow($0) }).first,
              var r = row else { return nil }
        r.tags = try db.prepare("SELECT name FROM tags WHERE image_id = ?1 ORDER BY tagged, name").all([.text(id.hex)]) { $0.text(0) }
        return r
    }

    /// IDs starting with `prefix` (hex).
    public func imageIDs(prefix: String) throws(HiveError) -> [Digest] {
        let hi = prefix + "g"  // 'g' sorts after every hex digit
        return try db.prepare("SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id")
            .all([.text(prefix), .text(hi)]) { try? Digest(hex: $0.text(0)) }.compactMap { $0 }
    }

    public func imageID(forTag name: String) throws(HiveError) -> Digest? {
        try db.prepare("SELECT image_id FROM tags WHERE name = ?1").all([.text(name)]) { try? Digest(hex: $0.text(0)) }.first ?? nil
    }

    public func tagTime(_ name: String) throws(HiveError) -> Int64? {
        try db.prepare("SELECT tagged FROM tags WHERE name = ?1").all([.text(name)]) { $0.int(0) }.first
    }

    /// The image's layers, bottom first.
    public func layers(of id: Digest) throws(HiveError) -> [LayerRecord] {
        try db.prepare("""
            SELECT l.chain_id, l.diff_id, l.parent, l.size FROM image_layers il
            JOIN layers l ON l.chain_id = il.chain_id WHERE il.image_id = ?1 ORDER BY il.idx
            """).all([.text(id.hex)]) { s in
            LayerRecord(chainID: try! Digest(hex: s.text(0)), diffID: try! Digest(hex: s.text(1)),
                        parent: s.optionalText(2).flatMap { try? Digest(hex: $0) }, size: s.int(3))
        }
    }

    /// Inserts an image with its layers, blobs and tags. Call inside a transaction.
    /// An image that already exists keeps its row; tags move to it.
    public func insertImage(_ r: ImageRecord, layers: [LayerRecord], blobs: [Digest]) throws(HiveError) {
        let insLayer = try db.prepare("INSERT OR IGNORE INTO layers (chain_id, diff_id, parent, size) VALUES (?1, ?2, ?3, ?4)")
        for l in layers {
            try insLayer.run([.text(l.chainID.hex), .text(l.diffID.hex), l.parent.map { .text($0.hex) } ?? .null, .int(l.size)])
        }
        try db.prepare("""
            INSERT OR IGNORE INTO images (\(Store.imageColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8)
            """).run([.text(r.id.hex), .text(r.manifestDigest.hex), .text(r.manifestMediaType), .int(r.created), .int(r.size),
                      .int(r.added), r.parent.map { .text($0.hex) } ?? .null, .text(r.labelsJSON)])
        let insIL = try db.prepare("INSERT OR IGNORE INTO image_layers (image_id, idx, chain_id) VALUES (?1, ?2, ?3)")
        for (i, l) in layers.enumerated() { try insIL.run([.text(r.id.hex), .int(Int64(i)), .text(l.chainID.hex)]) }
        let insBlob = try db.prepare("INSERT OR IGNORE INTO image_blobs (image_id, digest) VALUES (?1, ?2)")
        for b in blobs { try insBlob.run([.text(r.id.hex), .text(b.hex)]) }
        for t in r.tags { try setTag(t, to: r.id) }
    }

    /// Points `name` at `id` (moving it from any other image).
    public func setTag(_ name: String, to id: Digest) throws(HiveError) {
        try db.prepare("INSERT INTO tags (name, image_id, tagged) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, tagged = excluded.tagged")
            .run([.text(name), .text(id.hex), .int(Timestamp.now().unixNanos)])
    }

    public func removeTag(_ name: String) throws(HiveError) {
        try db.prepare("DELETE FROM tags WHERE name = ?1").run([.text(name)])
    }

    /// Records that a container or build used the image (for last-used GC).
    public func touchImage(_ id: Digest, at: Int64) throws(HiveError) {
        try db.prepare("UPDATE images SET last_used = ?2 WHERE id = ?1").run([.text(id.hex), .int(at)])
    }

    /// Deletes the image row (tags, layer and blob references cascade) and the
    /// layer rows nothing uses any more. Files go in the next sweep. Returns
    /// the content size of the layers that went (what deleting it reclaims).
    @discardableResult
    public func deleteImage(_ id: Digest) throws(HiveError) -> Int64 {
        let layers = try db.prepare("SELECT chain_id FROM image_layers WHERE image_id = ?1").all([.text(id.hex)]) { $0.text(0) }
        try db.prepare("DELETE FROM images WHERE id = ?1").run([.text(id.hex)])
        return try dropUnreferencedLayers(layers)
    }

    /// The recorded content size of a stored layer.
    public func layerSize(_ chainID: Digest) throws(HiveError) -> Int64? {
        try db.prepare("SELECT size FROM layers WHERE chain_id = ?1").all([.text(chainID.hex)]) { $0.int(0) }.first
    }

    /// Images whose parent is `id` (built on it).
    public func children(of id: Digest) throws(HiveError) -> [Digest] {
        try db.prepare("SELECT id FROM images WHERE parent = ?1").all([.text(id.hex)]) { try? Digest(hex: $0.text(0)) }.compactMap { $0 }
    }
}
