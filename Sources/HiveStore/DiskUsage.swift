// `hive system df`: per kind (images, containers, local volumes, build cache)
// the count, how many are in use, their size and what a prune could reclaim,
// computed from the records and the sizes the caller measured. Sizes are
// content bytes (regular files' lengths, a hard-linked file once), as on disk:
// a layer several images share counts once in the Images row, a layer only
// build cache records hold counts in the Build Cache row. The compressed
// blobs kept beside the layers (for push and save) are not counted, as
// Docker's df does not count them.
import HivePlatform

/// One row of `system df`.
public struct DiskUsage: Sendable, Equatable {
    public var type: String
    public var total: Int
    public var active: Int
    public var size: Int64
    public var reclaimable: Int64

    public init(type: String, total: Int, active: Int, size: Int64, reclaimable: Int64) {
        self.type = type
        self.total = total
        self.active = active
        self.size = size
        self.reclaimable = reclaimable
    }

    /// Images (in use: any container, running or not, has it; counts and
    /// sizes from `layers`: `input.images` is not read), containers (active: alive; `containerBytes`: each one's
    /// writable layer) and volumes (active: used; `volumeBytes`: each one's data).
    public static func summary(_ input: PruneInput, layers: LayerUsage, containerBytes: [String: Int64], volumeBytes: [String: Int64]) -> [DiskUsage] {
        var cSize: Int64 = 0, cReclaim: Int64 = 0, active = 0
        for r in input.containers {
            let s = containerBytes[r.id] ?? 0
            cSize += s
            if input.alive.contains(r.id) { active += 1 } else { cReclaim += s }
        }
        var vSize: Int64 = 0, vReclaim: Int64 = 0, vActive = 0
        for v in input.volumes {
            let s = volumeBytes[v.name] ?? 0
            vSize += s
            if (input.volumeUsers[v.name] ?? []).isEmpty { vReclaim += s } else { vActive += 1 }
        }
        return [
            DiskUsage(type: "Images", total: layers.imageCount, active: layers.imagesInUseCount,
                      size: layers.images, reclaimable: layers.images - layers.imagesInUse),
            DiskUsage(type: "Containers", total: input.containers.count, active: active, size: cSize, reclaimable: cReclaim),
            DiskUsage(type: "Local Volumes", total: input.volumes.count, active: vActive, size: vSize, reclaimable: vReclaim),
        ]
    }
}

/// The images (how many, how many a container uses) and the stored layers'
/// content bytes, each layer once, by who holds it.
public struct LayerUsage: Sendable, Equatable {
    public var imageCount = 0
    public var imagesInUseCount = 0
    /// Layers of images; of those, the layers of images a container uses.
    public var images: Int64 = 0
    public var imagesInUse: Int64 = 0
    /// Layers only build cache records hold (no image has them); of those,
    /// the layers of records a build step's container runs over.
    public var buildCache: Int64 = 0
    public var buildCacheInUse: Int64 = 0

    public init(imageCount: Int = 0, imagesInUseCount: Int = 0, images: Int64 = 0, imagesInUse: Int64 = 0, buildCache: Int64 = 0, buildCacheInUse: Int64 = 0) {
        self.imageCount = imageCount
        self.imagesInUseCount = imagesInUseCount
        self.images = images
        self.imagesInUse = imagesInUse
        self.buildCache = buildCache
        self.buildCacheInUse = buildCacheInUse
    }
}

/// One image in `system df -v`: its size, the part of it other images share, and its containers.
public struct ImageDiskUsage: Sendable, Equatable {
    public var id: String
    public var size: Int64
    public var sharedSize: Int64
    public var containers: Int

    public init(id: String, size: Int64, sharedSize: Int64, containers: Int) {
        self.id = id
        self.size = size
        self.sharedSize = sharedSize
        self.containers = containers
    }
}

extension Store {
    /// The images' counts and each stored layer's bytes once, by who holds it (one query).
    public func layerUsage() throws(HiveError) -> LayerUsage {
        try db.prepare("""
            WITH il AS (SELECT DISTINCT chain_id FROM image_layers),
                 used AS (SELECT DISTINCT x.chain_id FROM image_layers x JOIN containers c ON c.image_id = x.image_id),
                 bl AS (SELECT DISTINCT chain_id FROM build_record_layers WHERE chain_id NOT IN il),
                 bused AS (SELECT DISTINCT b.chain_id FROM build_record_layers b JOIN containers c ON c.image_id = b.key)
            SELECT (SELECT COALESCE(SUM(size), 0) FROM layers WHERE chain_id IN il),
                   (SELECT COALESCE(SUM(size), 0) FROM layers WHERE chain_id IN used),
                   (SELECT COALESCE(SUM(size), 0) FROM layers WHERE chain_id IN bl),
                   (SELECT COALESCE(SUM(size), 0) FROM layers WHERE chain_id IN bl AND chain_id IN bused),
                   (SELECT COUNT(*) FROM images),
                   (SELECT COUNT(*) FROM images WHERE id IN (SELECT image_id FROM containers))
            """).all { s in
            LayerUsage(imageCount: Int(s.int(4)), imagesInUseCount: Int(s.int(5)), images: s.int(0), imagesInUse: s.int(1),
                       buildCache: s.int(2), buildCacheInUse: s.int(3))
        }.first
            ?? LayerUsage()
    }

    /// Per image (`system df -v`): its layers' bytes, the bytes of those another
    /// image has too (Docker's SHARED SIZE), and how many containers use it.
    public func imageDiskUsage() throws(HiveError) -> [ImageDiskUsage] {
        try db.prepare("""
            WITH refs AS (SELECT chain_id, COUNT(DISTINCT image_id) AS n FROM image_layers GROUP BY chain_id),
                 own AS (SELECT DISTINCT image_id, chain_id FROM image_layers)
            SELECT i.id, COALESCE(SUM(l.size), 0), COALESCE(SUM(CASE WHEN r.n > 1 THEN l.size END), 0),
                   (SELECT COUNT(*) FROM containers c WHERE c.image_id = i.id)
            FROM images i LEFT JOIN own o ON o.image_id = i.id LEFT JOIN layers l ON l.chain_id = o.chain_id
                 LEFT JOIN refs r ON r.chain_id = o.chain_id
            GROUP BY i.id
            """).all { s in ImageDiskUsage(id: s.text(0), size: s.int(1), sharedSize: s.int(2), containers: Int(s.int(3))) }
    }
}
