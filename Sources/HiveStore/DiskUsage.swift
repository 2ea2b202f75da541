// `hive system df`: per kind (images, containers, local volumes) the count,
// how many are in use, their size and what a prune could reclaim, computed
// from the records and the sizes the caller measured.

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

    /// Images (in use: any container, running or not, has it), containers
    /// (active: alive; `containerBytes`: each one's writable layer) and
    /// volumes (active: used; `volumeBytes`: each one's data).
    public static func summary(_ input: PruneInput, containerBytes: [String: Int64], volumeBytes: [String: Int64]) -> [DiskUsage] {
        let images = input.images
        let inUse = Set(input.containers.map(\.imageID))
        let imgSize = images.reduce(Int64(0)) { $0 + $1.size }
        let reclaimImages = images.filter { !inUse.contains($0.id) }.reduce(Int64(0)) { $0 + $1.size }
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
            DiskUsage(type: "Images", total: images.count, active: images.filter { inUse.contains($0.id) }.count, size: imgSize, reclaimable: reclaimImages),
            DiskUsage(type: "Containers", total: input.containers.count, active: active, size: cSize, reclaimable: cReclaim),
            DiskUsage(type: "Local Volumes", total: input.volumes.count, active: vActive, size: vSize, reclaimable: vReclaim),
        ]
    }
}
