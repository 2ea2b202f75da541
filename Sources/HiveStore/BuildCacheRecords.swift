// The build cache (issue #16), kept as BuildKit keeps one rather than as
// intermediate images: each build step that makes a layer (and each stage's
// final state) is a record under the step's cache key, holding the stage's
// state after the step: its image config and its layers (bottom first, with
// their manifest descriptors). Records are not images: `images` never shows
// them, `image prune -a` leaves them, and the layers and blobs they reference
// stay until `builder prune` (or gc) removes the record. A record a build
// step's container runs over (the container's image_id is the record's key)
// is in use and never pruned.
//
// `RUN --mount=type=cache` directories live beside the records, under
// cache/build/ in the store, one per cache id.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

/// One build step's result: the stage's state after it.
public struct BuildCacheRecord: Sendable {
    /// The step's cache key (64 hex digits).
    public var key: String
    /// The instruction, as `builder du --verbose` shows it.
    public var description: String
    /// The stage's image config after the step (its rootfs lists `layers`).
    public var configJSON: String
    public var layers: [LayerRecord]
    /// One per layer: the blob a manifest names for it.
    public var descriptors: [Descriptor]
    /// The layer this step made (nil: the step changed only the config).
    public var layer: Digest?
    /// The image made from this state (a stage's final record), if any.
    public var image: Digest?
    public var created: Int64
    public var lastUsed: Int64
    public var usageCount: Int64

    public init(key: String, description: String, configJSON: String, layers: [LayerRecord], descriptors: [Descriptor],
                layer: Digest?, image: Digest? = nil, created: Int64, lastUsed: Int64, usageCount: Int64 = 1) {
        self.key = key
        self.description = description
        self.configJSON = configJSON
        self.layers = layers
        self.descriptors = descriptors
        self.layer = layer
        self.image = image
        self.created = created
        self.lastUsed = lastUsed
        self.usageCount = usageCount
    }
}

/// A record as `builder du`, `builder prune` and gc see it (no config, no layer list).
public struct BuildCacheEntry: Sendable, Equatable {
    public var id: String
    public var description: String
    /// The content size of the layer the step made (0: none); a cache mount's bytes.
    public var size: Int64
    public var created: Int64
    public var lastUsed: Int64
    public var usageCount: Int64
    /// An image has the step's layer (or is the state itself): the record is not dangling.
    public var shared: Bool
    /// A build step's container runs over it (or a build holds the cache mount).
    public var inUse: Bool
    /// `record` or `cache-mount`.
    public var kind: String

    public init(id: String, description: String, size: Int64, created: Int64, lastUsed: Int64, usageCount: Int64,
                shared: Bool, inUse: Bool, kind: String = "record") {
        self.id = id
        self.description = description
        self.size = size
        self.created = created
        self.lastUsed = lastUsed
        self.usageCount = usageCount
        self.shared = shared
        self.inUse = inUse
        self.kind = kind
    }
}

extension Store {
    /// Where `RUN --mount=type=cache` directories live, one per cache id.
    public var buildCacheMountsDir: String { root + "/cache/build" }

    /// The record of a step, with its layers, if the cache has it.
    public func buildRecord(_ key: String) throws(HiveError) -> BuildCacheRecord? {
        let rows = try db.prepare("""
            SELECT description, config, layer, image, created, last_used, usage_count FROM build_records WHERE key = ?1
            """).all([.text(key)]) { s in
            BuildCacheRecord(key: key, description: s.text(0), configJSON: s.text(1), layers: [], descriptors: [],
                             layer: s.optionalText(2).flatMap { try? Digest(hex: $0) }, image: s.optionalText(3).flatMap { try? Digest(hex: $0) },
                             created: s.int(4), lastUsed: s.int(5), usageCount: s.int(6))
        }
        guard var r = rows.first else { return nil }
        let layers = try db.prepare("""
            SELECT l.chain_id, l.diff_id, l.parent, l.size, b.media_type, b.digest, b.blob_size FROM build_record_layers b
            JOIN layers l ON l.chain_id = b.chain_id WHERE b.key = ?1 ORDER BY b.idx
            """).all([.text(key)]) { s -> (LayerRecord, Descriptor)? in
            guard let chain = try? Digest(hex: s.text(0)), let diff = try? Digest(hex: s.text(1)), let blob = try? Digest(hex: s.text(5)) else { return nil }
            return (LayerRecord(chainID: chain, diffID: diff, parent: s.optionalText(2).flatMap { try? Digest(hex: $0) }, size: s.int(3)),
                    Descriptor(mediaType: s.text(4), digest: blob, size: s.int(6)))
        }
        guard layers.allSatisfy({ $0 != nil }) else { return nil }  // a damaged row is no hit
        r.layers = layers.map { $0!.0 }
        r.descriptors = layers.map { $0!.1 }
        return r
    }

    /// Records a step (replacing an older record of the same key) with its
    /// layers' rows. Call inside a transaction, with the layers in place.
    public func recordBuildStep(_ r: BuildCacheRecord) throws(HiveError) {
        let insLayer = try db.prepare("INSERT OR IGNORE INTO layers (chain_id, diff_id, parent, size) VALUES (?1, ?2, ?3, ?4)")
        for l in r.layers {
            try insLayer.run([.text(l.chainID.hex), .text(l.diffID.hex), l.parent.map { .text($0.hex) } ?? .null, .int(l.size)])
        }
        try db.prepare("DELETE FROM build_records WHERE key = ?1").run([.text(r.key)])
        try db.prepare("""
            INSERT INTO build_records (key, description, config, layer, image, created, last_used, usage_count)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """).run([.text(r.key), .text(r.description), .text(r.configJSON), r.layer.map { .text($0.hex) } ?? .null,
                      r.image.map { .text($0.hex) } ?? .null, .int(r.created), .int(r.lastUsed), .int(r.usageCount)])
        let ins = try db.prepare("INSERT INTO build_record_layers (key, idx, chain_id, media_type, digest, blob_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        for (i, l) in r.layers.enumerated() where i < r.descriptors.count {
            let d = r.descriptors[i]
            try ins.run([.text(r.key), .int(Int64(i)), .text(l.chainID.hex), .text(d.mediaType), .text(d.digest.hex), .int(d.size)])
        }
    }

    /// Marks records used by a build now (last used, one more use). Call inside a transaction.
    public func touchBuildRecords(_ keys: [String], at: Int64) throws(HiveError) {
        let s = try db.prepare("UPDATE build_records SET last_used = ?2, usage_count = usage_count + 1 WHERE key = ?1")
        for k in keys { try s.run([.text(k), .int(at)]) }
    }

    /// Sets the image a stage's final record made.
    public func setBuildRecordImage(_ key: String, image: Digest) throws(HiveError) {
        try db.prepare("UPDATE build_records SET image = ?2 WHERE key = ?1").run([.text(key), .text(image.hex)])
    }

    /// Every record, newest use first: its own layer's size, whether an image
    /// shares it and whether a build step's container runs over it.
    public func buildCacheEntries() throws(HiveError) -> [BuildCacheEntry] {
        try db.prepare("""
            SELECT r.key, r.description, COALESCE(l.size, 0), r.created, r.last_used, r.usage_count,
                   (r.layer IS NOT NULL AND EXISTS (SELECT 1 FROM image_layers il WHERE il.chain_id = r.layer))
                   OR (r.image IS NOT NULL AND EXISTS (SELECT 1 FROM images i WHERE i.id = r.image)),
                   EXISTS (SELECT 1 FROM containers c WHERE c.image_id = r.key)
            FROM build_records r LEFT JOIN layers l ON l.chain_id = r.layer ORDER BY r.last_used DESC, r.key
            """).all { s in
            BuildCacheEntry(id: s.text(0), description: s.text(1), size: s.int(2), created: s.int(3), lastUsed: s.int(4),
                            usageCount: s.int(5), shared: s.int(6) != 0, inUse: s.int(7) != 0)
        }
    }

    /// Deletes a record (unless a build step's container runs over it) and
    /// the layer rows nothing references any more; returns the content size
    /// of those layers (their files go in the next sweep), nil if it stayed
    /// or there is no such record.
    public func deleteBuildRecord(_ key: String) throws(HiveError) -> Int64? {
        guard try db.prepare("SELECT 1 FROM containers WHERE image_id = ?1").all([.text(key)], { _ in 1 }).isEmpty,
              !(try db.prepare("SELECT 1 FROM build_records WHERE key = ?1").all([.text(key)], { _ in 1 }).isEmpty) else { return nil }
        let layers = try db.prepare("SELECT chain_id FROM build_record_layers WHERE key = ?1").all([.text(key)]) { $0.text(0) }
        try db.prepare("DELETE FROM build_records WHERE key = ?1").run([.text(key)])
        return try dropUnreferencedLayers(layers)
    }

    /// Deletes the rows of those of `layers` (chain IDs, hex) no image and no
    /// build record uses; returns their content size.
    func dropUnreferencedLayers(_ layers: [String]) throws(HiveError) -> Int64 {
        var freed: Int64 = 0
        let size = try db.prepare("SELECT size FROM layers WHERE chain_id = ?1 AND \(Store.unreferencedLayer)")
        let drop = try db.prepare("DELETE FROM layers WHERE chain_id = ?1 AND \(Store.unreferencedLayer)")
        for l in Set(layers) {
            freed += try size.all([.text(l)]) { $0.int(0) }.first ?? 0
            try drop.run([.text(l)])
        }
        return freed
    }

    /// A layer row no image and no build record uses (SQL over `layers.chain_id`).
    static let unreferencedLayer = """
        NOT EXISTS (SELECT 1 FROM image_layers il WHERE il.chain_id = layers.chain_id)
        AND NOT EXISTS (SELECT 1 FROM build_record_layers b WHERE b.chain_id = layers.chain_id)
        """

    // MARK: - cache mounts

    /// The `RUN --mount=type=cache` directories: each one's bytes, last use
    /// (its mtime) and whether a build holds it now (a shared flock on it).
    public func buildCacheMounts() -> [BuildCacheEntry] {
        var out: [BuildCacheEntry] = []
        for name in FileTree.names(in: buildCacheMountsDir) where name.utf8.count == 64 {
            let dir = buildCacheMountsDir + "/" + name
            var st = stat()
            guard lstat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { continue }
            let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            out.append(BuildCacheEntry(id: name, description: "cache mount " + (Store.cacheMountID(dir) ?? name), size: FileTree.diskUsage(dir),
                                       created: mtime, lastUsed: mtime, usageCount: 1, shared: false, inUse: Store.cacheMountBusy(dir),
                                       kind: "cache-mount"))
        }
        return out
    }

    /// The id a cache mount was made for (its `.id` file beside the directory).
    static func cacheMountID(_ dir: String) -> String? {
        Files.readText(dir + ".id")
    }

    /// Whether a build holds the cache mount `dir` (a flock on the directory).
    static func cacheMountBusy(_ dir: String) -> Bool {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0
    }

    /// Removes a cache mount unless a build holds it; returns its bytes (nil if it stayed).
    public func removeBuildCacheMount(_ id: String) -> Int64? {
        let dir = buildCacheMountsDir + "/" + id
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        let bytes = FileTree.diskUsage(dir)
        // renamed out of the way first: a build that opens it next makes a fresh one
        let doomed = tmpDir + "/cache-" + id
        guard rename(dir, doomed) == 0 else { return nil }
        unlink(dir + ".id")
        try? FileTree.remove(path: doomed)
        return bytes
    }
}

extension Store {
    /// A build's image from a state's config and layers (the layers stored
    /// already; the config complete: rootfs, created). Returns the image ID.
    public func commitBuiltImage(config: ImageConfig, layers: [LayerRecord], descriptors: [Descriptor]) throws -> Digest {
        try withIngest { tmp in
            try commitImage(config: config, layers: layers, descriptors: descriptors, parent: nil, tag: nil, now: Timestamp.now(), tmp: tmp)
        }
    }
}
