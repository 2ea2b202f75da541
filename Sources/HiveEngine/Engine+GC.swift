// Cleanup: `system gc` (the kubelet's image GC model — disk watermarks,
// minimum age, least recently used first, maximum age — plus keep-N per
// repository and a TTL for exited containers), `system prune`, `system df`.
//
// Pins: an image any container uses is never a candidate, and candidates are
// chosen and removed under the store's exclusive lock, which `run`/`create`
// hold shared from resolving the image until their container is recorded —
// so an image a concurrent `hive run` is just starting is never removed.
// pre-prune hooks see the candidates and may keep some or add others; every
// removal fires on-remove.
import Glibc
import HiveArchive
import HiveHooks
import HiveOCI
import HivePlatform
import HiveStore

public struct PruneCandidate: Sendable {
    public var type: String        // image, container, volume
    public var id: String
    public var name: String
    public var created: Int64
    public var lastUsed: Int64?
    public var size: Int64
    public var reason: String

    var context: JSONValue {
        .object([
            "type": .string(type), "id": .string(id), "name": .string(name), "created": .int(created / 1_000_000_000),
            "last_used": lastUsed.map { .int($0 / 1_000_000_000) } ?? .null, "size": .int(size), "reason": .string(reason),
        ])
    }
}

public struct GCReport {
    public var containers: [String] = []
    public var images = RemovalReport()
    public var volumes: [String] = []
    public var kept: [String] = []
    public var diskBefore: Double?
    public var candidates: [PruneCandidate] = []
}

public struct DiskUsage: Sendable {
    public var type: String
    public var total: Int
    public var active: Int
    public var size: Int64
    public var reclaimable: Int64
}

extension Engine {
    /// Percent of the store's filesystem in use, as df computes it.
    func diskUsedPercent() -> Double? {
        var s = statvfs()
        guard statvfs(store.root, &s) == 0 else { return nil }
        let used = Double(s.f_blocks - s.f_bfree), avail = Double(s.f_bavail)
        guard used + avail > 0 else { return nil }
        return used / (used + avail) * 100
    }

    func diskBytes() -> (total: Double, used: Double) {
        var s = statvfs()
        guard statvfs(store.root, &s) == 0 else { return (0, 0) }
        let bs = Double(s.f_frsize)
        let used = Double(s.f_blocks - s.f_bfree) * bs
        return (used + Double(s.f_bavail) * bs, used)
    }

    /// The images, containers and volumes the policy would remove now.
    /// `all`: also what only the watermark would reach (for `hooks test`).
    func gcCandidates(policy p: HiveConfig.GCPolicy, all: Bool = false, now: Int64) throws -> [PruneCandidate] {
        var out: [PruneCandidate] = []
        let containers = try store.allContainers()
        if let ttl = p.containerTTL {
            for r in containers where r.state != .running || !isAlive(r) {
                let ended = r.finished ?? r.created
                if r.state == .running && isAlive(r) { continue }
                if now - ended >= ttl {
                    out.append(PruneCandidate(type: "container", id: r.id, name: r.name, created: r.created, lastUsed: ended, size: 0, reason: "exited longer than container_ttl"))
                }
            }
        }
        let leaving = Set(out.map(\.id))
        let pinned = Set(containers.filter { !leaving.contains($0.id) }.map { $0.imageID })
        let images = try store.allImages()
        let parents = Set(images.compactMap(\.parent))
        func used(_ i: ImageRecord) -> Int64 { max(i.lastUsed ?? 0, i.added) }
        let unused = images.filter { !pinned.contains($0.id) && !parents.contains($0.id) && now - used($0) >= p.minAge }
        var chosen: [Digest: String] = [:]
        for i in unused where i.tags.isEmpty { chosen[i.id] = "dangling" }
        if let maxAge = p.maxAge {
            for i in unused where chosen[i.id] == nil && now - used(i) >= maxAge { chosen[i.id] = "not used for max_age" }
        }
        if let keep = p.keep {
            // an image stays if it is among the `keep` most recently used of any of its repositories
            var byRepo: [String: [ImageRecord]] = [:]
            for i in images {
                for t in i.tags { byRepo[(try? Reference(parsing: t).repository) ?? t, default: []].append(i) }
            }
            var protected = Set<Digest>()
            for (_, list) in byRepo {
                for i in list.sorted(by: { used($0) > used($1) }).prefix(Int(keep)) { protected.insert(i.id) }
            }
            for i in unused where chosen[i.id] == nil && !i.tags.isEmpty && !protected.contains(i.id) {
                chosen[i.id] = "beyond keep=\(keep) in its repository"
            }
        }
        // the watermarks: least recently used first until the disk is below the low mark
        if let pct = diskUsedPercent(), pct >= Double(p.highWatermark) || all {
            let (total, usedBytes) = diskBytes()
            var need = usedBytes - total * Double(p.lowWatermark) / 100
            for i in unused where chosen[i.id] != nil { need -= Double(i.size) }
            for i in unused.sorted(by: { used($0) < used($1) }) where chosen[i.id] == nil && (need > 0 || all) {
                chosen[i.id] = all && need <= 0 ? "least recently used (if the disk passes high_watermark)" : "disk above high_watermark (\(Int(pct))%)"
                need -= Double(i.size)
            }
        }
        for i in images where chosen[i.id] != nil {
            out.append(PruneCandidate(type: "image", id: i.id.description, name: i.tags.first.map(familiarName) ?? "<none>",
                                      created: i.created, lastUsed: i.lastUsed, size: i.size, reason: chosen[i.id]!))
        }
        if p.volumes {
            for v in try store.volumes() where v.anonymous {
                guard try store.volumeUsers(v.name).isEmpty else { continue }
                out.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused anonymous volume"))
            }
        }
        return out
    }

    /// pre-prune: hooks may drop candidates (keep them) or add others.
    func prePrune(_ candidates: [PruneCandidate], reason: String) throws -> [PruneCandidate] {
        guard let out = try preHooks(.prePrune, { (.object(["candidates": .array(candidates.map(\.context)), "reason": .string(reason)]), Hooks.Subject()) }) else {
            return candidates
        }
        var result: [PruneCandidate] = []
        for c in out["candidates"]?.arrayValue ?? [] {
            guard let type = c["type"]?.stringValue, ["image", "container", "volume"].contains(type), let id = c["id"]?.stringValue else {
                throw HiveError(.denied, "a pre-prune hook returned a candidate without type (image|container|volume) and id")
            }
            if let known = candidates.first(where: { $0.type == type && $0.id == id }) { result.append(known); continue }
            result.append(PruneCandidate(type: type, id: id, name: c["name"]?.stringValue ?? id, created: 0, lastUsed: nil, size: 0, reason: c["reason"]?.stringValue ?? "added by a pre-prune hook"))
        }
        return result
    }

    /// `hive system gc`: one policy run. With `dryRun`, only says what would go.
    public func systemGC(dryRun: Bool) throws -> GCReport {
        let policy = try config().gc
        try store.lockExclusive()
        defer { store.unlock() }
        var report = GCReport()
        report.diskBefore = diskUsedPercent()
        let now = Timestamp.now().unixNanos
        let planned = try gcCandidates(policy: policy, now: now)
        let chosen = try prePrune(planned, reason: "gc")
        report.candidates = chosen
        report.kept = planned.filter { p in !chosen.contains { $0.type == p.type && $0.id == p.id } }.map(\.name)
        if dryRun { return report }
        try remove(chosen, into: &report)
        store.sweepIfIdle()  // the layers and blobs go now, not at the next command
        return report
    }

    /// Removes candidates, re-checking each under the lock: nothing in use goes.
    func remove(_ list: [PruneCandidate], into report: inout GCReport) throws {
        for c in list where c.type == "container" {
            guard let r = try store.container(c.id), !isAlive(r) else { continue }
            try cleanupContainer(r.id)
            removedEvent(r)
            report.containers.append(r.id)
        }
        var imageEvents: [ImageRecord] = []
        try store.db.transaction { () throws(HiveError) in
            for c in list where c.type == "image" {
                guard let d = try? Digest(parsing: c.id), let rec = try store.image(d) else { continue }
                if !(try store.containers(usingImage: rec.id)).isEmpty { continue }
                if !(try store.children(of: rec.id)).isEmpty { continue }
                for t in rec.tags { try store.removeTag(t) }
                report.images.untagged += rec.tags
                try store.deleteImage(rec.id)
                report.images.deleted.append(rec.id)
                report.images.reclaimed += rec.size
                imageEvents.append(rec)
            }
        }
        for rec in imageEvents { imageRemovedEvent(rec) }
        if !imageEvents.isEmpty { store.markPending() }
        for c in list where c.type == "volume" {
            guard try store.volume(c.id) != nil, (try store.volumeUsers(c.id)).isEmpty else { continue }
            try store.db.transaction { () throws(HiveError) in try store.deleteVolume(c.id) }
            volumeRemovedEvent(c.id)
            report.volumes.append(c.id)
        }
    }

    func imageRemovedEvent(_ rec: ImageRecord) {
        var ctx = imageContext(rec)
        if case .object(var o) = ctx { o["type"] = .string("image"); ctx = .object(o) }
        emit(.onRemove, EventRecord(type: "image", action: "delete", id: rec.id.description,
                                    attributes: ["name": rec.tags.first.map(familiarName) ?? "<none>"]),
             context: ctx, subject: Hooks.Subject(image: rec.tags.first, labels: [:]))
    }

    func volumeRemovedEvent(_ name: String) {
        emit(.onRemove, EventRecord(type: "volume", action: "destroy", id: name, attributes: [:]),
             context: .object(["type": .string("volume"), "name": .string(name), "id": .string(name)]))
    }

    /// `hive system prune`: stopped containers, then dangling (or, with
    /// `all`, unused) images, and with `volumes` unused anonymous volumes.
    public func systemPrune(all: Bool, volumes: Bool, filters: ImageFilters) throws -> GCReport {
        try store.lockExclusive()
        defer { store.unlock() }
        var report = GCReport()
        let until = try filters.values["until"]?.map { try Engine.parseTimeFilter($0) }.min()
        let labelFilters = filters.values["label"] ?? []
        func labelsMatch(_ labels: [String: String]) -> Bool {
            labelFilters.allSatisfy { f in
                let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
                return kv.count == 1 ? labels[kv[0]] != nil : labels[kv[0]] == kv[1]
            }
        }
        var list: [PruneCandidate] = []
        for r in try store.allContainers() where !isAlive(r) {
            if let until, r.created > until { continue }
            if !labelsMatch(containerSubject(r).labels) { continue }
            list.append(PruneCandidate(type: "container", id: r.id, name: r.name, created: r.created, lastUsed: r.finished, size: 0, reason: "stopped"))
        }
        let remaining = Set(try store.allContainers().filter { r in !list.contains { $0.id == r.id } }.map(\.imageID))
        var f = filters
        if !all { f.values["dangling"] = ["true"] }
        f.values["until"] = nil
        for s in try listImages(filters: f) where !remaining.contains(s.record.id) {
            if let until, s.record.created > until { continue }
            list.append(PruneCandidate(type: "image", id: s.record.id.description, name: s.record.tags.first.map(familiarName) ?? "<none>",
                                       created: s.record.created, lastUsed: s.record.lastUsed, size: s.record.size, reason: all ? "unused" : "dangling"))
        }
        if volumes {
            for v in try store.volumes() where v.anonymous {
                let users = try store.volumeUsers(v.name).filter { u in !list.contains { $0.id == u } }
                if users.isEmpty { list.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused")) }
            }
        }
        try remove(try prePrune(list, reason: "system prune"), into: &report)
        store.sweepIfIdle()
        return report
    }

    /// `hive system df`: images, containers, volumes: count, active, size, reclaimable.
    public func systemDF() throws -> [DiskUsage] {
        let containers = try store.allContainers()
        let images = try store.allImages()
        let inUse = Set(containers.map(\.imageID))
        let imgSize = images.reduce(Int64(0)) { $0 + $1.size }
        let reclaimImages = images.filter { !inUse.contains($0.id) }.reduce(Int64(0)) { $0 + $1.size }
        var cSize: Int64 = 0, cReclaim: Int64 = 0, active = 0
        for r in containers {
            let s = writableSize(r.id)
            cSize += s
            if isAlive(r) { active += 1 } else { cReclaim += s }
        }
        let vols = try store.volumes()
        var vSize: Int64 = 0, vReclaim: Int64 = 0, vActive = 0
        for v in vols {
            let s = FileTree.diskUsage(store.volumesDir + "/" + v.name)
            vSize += s
            if (try store.volumeUsers(v.name)).isEmpty { vReclaim += s } else { vActive += 1 }
        }
        return [
            DiskUsage(type: "Images", total: images.count, active: images.filter { inUse.contains($0.id) }.count, size: imgSize, reclaimable: reclaimImages),
            DiskUsage(type: "Containers", total: containers.count, active: active, size: cSize, reclaimable: cReclaim),
            DiskUsage(type: "Local Volumes", total: vols.count, active: vActive, size: vSize, reclaimable: vReclaim),
        ]
    }
}
