// The build cache's verbs (HiveStore/BuildCacheRecords.swift): `hive builder
// du`, `hive builder prune`, and its part of `system df`, `system prune` and
// `system gc`. Removal runs under the store's exclusive lock, after the
// pre-prune hooks; a record a build step's container runs over, or a cache
// mount a build holds, stays.
import HiveHooks
import HiveOCI
import HivePlatform
import HiveStore

public typealias BuildCacheEntry = HiveStore.BuildCacheEntry

/// What a build cache prune removed: the records' IDs, and the bytes it freed.
public struct BuildCachePruneReport {
    public var deleted: [String] = []
    public var reclaimed: Int64 = 0
}

extension Engine {
    /// Every build cache record and cache mount, most recently used first.
    public func buildCacheEntries() throws -> [BuildCacheEntry] {
        (try store.buildCacheEntries() + store.buildCacheMounts()).sorted { $0.lastUsed > $1.lastUsed }
    }

    /// `hive builder prune [-a] [--filter until=D] [--keep-storage SIZE]`.
    public func pruneBuildCache(all: Bool, until: Int64? = nil, keepStorage: Int64? = nil) throws -> BuildCachePruneReport {
        try store.lockExclusive()
        defer { store.unlock() }
        let plan = PrunePlan.buildCache(try buildCacheEntries(), all: all, until: until, keepStorage: keepStorage)
        var report = GCReport()
        try remove(try prePrune(plan.map { PrunePlan.cacheCandidate($0, reason: all ? "unused" : "dangling") }, reason: "builder prune"),
                   into: &report)
        store.sweepIfIdle()
        return report.buildCache
    }

    /// Removes build cache candidates (inside `remove`): each record unless a
    /// build step runs over it now, each cache mount unless a build holds it.
    func removeBuildCache(_ list: [PruneCandidate], into report: inout BuildCachePruneReport) throws {
        let mounts = Set(store.buildCacheMounts().map(\.id))
        for c in list where c.type == "build-cache" {
            let freed: Int64?
            if mounts.contains(c.id) {
                freed = store.removeBuildCacheMount(c.id)
            } else {
                var f: Int64? = nil
                try store.db.transaction { () throws(HiveError) in f = try store.deleteBuildRecord(c.id) }
                freed = f
            }
            guard let freed else { continue }
            report.deleted.append(c.id)
            report.reclaimed += freed
            emit(.onRemove, EventRecord(type: "builder", action: "prune", id: c.id, attributes: ["name": c.name]),
                 context: .object(["type": .string("build-cache"), "id": .string(c.id), "name": .string(c.name)]))
        }
        if !report.deleted.isEmpty { store.markPending() }
    }
}
