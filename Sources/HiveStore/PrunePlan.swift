// What cleanup removes, as pure functions of the store's records: `system gc`
// (the kubelet's image GC model: disk watermarks, minimum age, least recently
// used first, maximum age; plus keep-N per repository and a TTL for exited
// containers), `system prune`, `image prune`, `container prune`. The engine
// reads the records under the store's exclusive lock, asks for a plan, runs
// the pre-prune hooks on it and removes what they leave, re-checking each.
import Glibc
import HiveOCI
import HivePlatform

public struct PruneCandidate: Sendable, Equatable {
    public var type: String        // image, container, volume
    public var id: String
    public var name: String
    public var created: Int64
    public var lastUsed: Int64?
    public var size: Int64
    public var reason: String

    public init(type: String, id: String, name: String, created: Int64, lastUsed: Int64?, size: Int64, reason: String) {
        self.type = type
        self.id = id
        self.name = name
        self.created = created
        self.lastUsed = lastUsed
        self.size = size
        self.reason = reason
    }
}

/// The records a plan looks at, as one command read them.
public struct PruneInput {
    public var containers: [ContainerRecord]
    /// The containers whose process is alive now (the caller checks /proc).
    public var alive: Set<String>
    public var images: [ImageRecord]
    public var volumes: [VolumeRecord]
    /// The containers that use each volume (a volume missing here has none).
    public var volumeUsers: [String: [String]]
    /// The build cache's records and cache mounts (gc reads them).
    public var buildCache: [BuildCacheEntry]
    public var now: Int64

    public init(containers: [ContainerRecord], alive: Set<String>, images: [ImageRecord], volumes: [VolumeRecord] = [],
                volumeUsers: [String: [String]] = [:], buildCache: [BuildCacheEntry] = [], now: Int64) {
        self.containers = containers
        self.alive = alive
        self.images = images
        self.volumes = volumes
        self.volumeUsers = volumeUsers
        self.buildCache = buildCache
        self.now = now
    }
}

/// The store's filesystem, as df sees it.
public struct DiskSpace: Sendable, Equatable {
    /// Bytes in use, and in use plus available to unprivileged users.
    public var used: Double
    public var total: Double
    /// Percent in use (df's Use%).
    public var usedPercent: Double

    public init(used: Double, total: Double, usedPercent: Double? = nil) {
        self.used = used
        self.total = total
        self.usedPercent = usedPercent ?? used / total * 100
    }

    /// The filesystem holding `path` (nil if it cannot be measured or is empty).
    public static func of(_ path: String) -> DiskSpace? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        let used = Double(s.f_blocks - s.f_bfree), avail = Double(s.f_bavail)
        guard used + avail > 0 else { return nil }
        let bs = Double(s.f_frsize)
        return DiskSpace(used: used * bs, total: used * bs + avail * bs, usedPercent: used / (used + avail) * 100)
    }
}

public enum PrunePlan {
    /// An image's name in a candidate: its first tag, familiar, or `<none>`.
    static func name(_ i: ImageRecord) -> String {
        i.tags.first.map { (try? Reference(parsing: $0))?.familiar ?? $0 } ?? "<none>"
    }

    /// When an image was last used (or added, if never).
    static func used(_ i: ImageRecord) -> Int64 { max(i.lastUsed ?? 0, i.added) }

    static func imageCandidate(_ i: ImageRecord, reason: String) -> PruneCandidate {
        PruneCandidate(type: "image", id: i.id.description, name: name(i), created: i.created, lastUsed: i.lastUsed, size: i.size, reason: reason)
    }

    /// Of `eligible`, the images that can go in one pass: an image goes only
    /// when every image built on it (its children in `images`) goes too, so a
    /// whole chain of intermediate images goes at once and a parent a
    /// remaining image needs stays. Children come before their parents, the
    /// order removal needs; otherwise in the order of `eligible`.
    public static func wholeChains(_ eligible: [ImageRecord], images: [ImageRecord]) -> [ImageRecord] {
        var children: [Digest: [Digest]] = [:]
        for i in images { if let p = i.parent { children[p, default: []].append(i.id) } }
        var going = Set(eligible.map(\.id))
        var changed = true
        while changed {
            changed = false
            for i in eligible where going.contains(i.id) {
                if (children[i.id] ?? []).contains(where: { !going.contains($0) }) {
                    going.remove(i.id)
                    changed = true
                }
            }
        }
        // leaves first: an image is emitted once none of its children is left to emit
        var left = eligible.filter { going.contains($0.id) }
        var emitted = Set<Digest>(), out: [ImageRecord] = []
        while !left.isEmpty {
            let ready = left.filter { i in (children[i.id] ?? []).allSatisfy { !going.contains($0) || emitted.contains($0) } }
            guard !ready.isEmpty else { break }  // a cycle of parents (a damaged store): leave it alone
            out += ready
            for i in ready { emitted.insert(i.id) }
            left.removeAll { emitted.contains($0.id) }
        }
        return out
    }

    /// The images, containers, volumes and build cache the gc policy removes
    /// now, in this order: exited containers past container_ttl; dangling
    /// images and build cache no image shares (dangling), the build cache
    /// past build_cache_max_age or beyond build_cache_keep_storage; unused
    /// images past max_age or beyond keep; then, above the high watermark,
    /// the rest of the unused build cache and then unused images, least
    /// recently used first, until the low watermark. Nothing used within
    /// min_age goes, and nothing in use. `disk`: the store's filesystem (nil:
    /// the watermarks are not checked). `all`: also what only the watermark
    /// would reach (for `hooks test`).
    public static func gc(_ p: HiveConfig.GCPolicy, _ input: PruneInput, disk: DiskSpace?, all: Bool = false) -> [PruneCandidate] {
        var out: [PruneCandidate] = []
        let now = input.now
        if let ttl = p.containerTTL {
            for r in input.containers where !input.alive.contains(r.id) {
                let ended = r.finished ?? r.created
                if now - ended >= ttl {
                    out.append(PruneCandidate(type: "container", id: r.id, name: r.name, created: r.created, lastUsed: ended, size: 0, reason: "exited longer than container_ttl"))
                }
            }
        }
        let leaving = Set(out.map(\.id))
        let pinned = Set(input.containers.filter { !leaving.contains($0.id) }.map { $0.imageID })
        let images = input.images
        let unused = images.filter { !pinned.contains($0.id) && now - used($0) >= p.minAge }
        var children: [Digest: [Digest]] = [:]
        for i in images { if let parent = i.parent { children[parent, default: []].append(i.id) } }
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
        // the build cache: dangling records, then age and size limits
        let cache = input.buildCache.filter { !$0.inUse && now - $0.lastUsed >= p.minAge }
        var cacheChosen: [String: String] = [:]
        for e in cache where !e.shared { cacheChosen[e.id] = "dangling build cache" }
        if let maxAge = p.buildCacheMaxAge {
            for e in cache where cacheChosen[e.id] == nil && now - e.lastUsed >= maxAge { cacheChosen[e.id] = "build cache not used for build_cache_max_age" }
        }
        if let keep = p.buildCacheKeepStorage {
            var total = input.buildCache.filter { cacheChosen[$0.id] == nil }.reduce(Int64(0)) { $0 + $1.size }
            for e in cache.sorted(by: { $0.lastUsed < $1.lastUsed }) where cacheChosen[e.id] == nil && total > keep {
                cacheChosen[e.id] = "build cache beyond build_cache_keep_storage"
                total -= e.size
            }
        }
        // the watermarks: the unused build cache, then images, least recently used first, until the disk is below the low mark
        if let disk, disk.usedPercent >= Double(p.highWatermark) || all {
            let pct = disk.usedPercent
            var need = disk.used - disk.total * Double(p.lowWatermark) / 100
            for i in unused where chosen[i.id] != nil { need -= Double(i.size) }
            for e in cache where cacheChosen[e.id] != nil && !e.shared { need -= Double(e.size) }
            for e in cache.sorted(by: { $0.lastUsed < $1.lastUsed }) where cacheChosen[e.id] == nil && (need > 0 || all) {
                cacheChosen[e.id] = all && need <= 0 ? "least recently used build cache (if the disk passes high_watermark)" : "disk above high_watermark (\(Int(pct))%)"
                if !e.shared { need -= Double(e.size) }
            }
            // an image whose children stay cannot go: passes until nothing more can
            let lru = unused.sorted(by: { used($0) < used($1) })
            var progress = true
            while progress && (need > 0 || all) {
                progress = false
                for i in lru where chosen[i.id] == nil && (need > 0 || all) {
                    if (children[i.id] ?? []).contains(where: { chosen[$0] == nil }) { continue }
                    chosen[i.id] = all && need <= 0 ? "least recently used (if the disk passes high_watermark)" : "disk above high_watermark (\(Int(pct))%)"
                    need -= Double(i.size)
                    progress = true
                }
            }
        }
        for e in cache.sorted(by: { $0.lastUsed < $1.lastUsed }) where cacheChosen[e.id] != nil { out.append(cacheCandidate(e, reason: cacheChosen[e.id]!)) }
        let going = wholeChains(images.filter { chosen[$0.id] != nil }, images: images)
        for i in going { out.append(imageCandidate(i, reason: chosen[i.id]!)) }
        if p.volumes {
            for v in input.volumes where v.anonymous && (input.volumeUsers[v.name] ?? []).isEmpty {
                out.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused anonymous volume"))
            }
        }
        return out
    }

    /// `container prune`, and the containers of `system prune`: every stopped
    /// container created no later than `until`, whose labels pass every
    /// `label` filter (`labels` decodes a record's labels JSON).
    public static func stoppedContainers(_ input: PruneInput, until: Int64? = nil, labelFilters: [String] = [],
                                         labels: (String) -> [String: String] = { _ in [:] }) -> [PruneCandidate] {
        var list: [PruneCandidate] = []
        for r in input.containers where !input.alive.contains(r.id) {
            if let until, r.created > until { continue }
            if !labelFilters.isEmpty {
                let l = labels(r.labelsJSON)
                if !labelFilters.allSatisfy({ LabelFilter.matches($0, l) }) { continue }
            }
            list.append(PruneCandidate(type: "container", id: r.id, name: r.name, created: r.created, lastUsed: r.finished, size: 0, reason: "stopped"))
        }
        return list
    }

    /// The images of `system prune` among `listed` (those its filters let
    /// through): none a remaining container uses, none created after `until`.
    public static func systemImages(_ input: PruneInput, listed: [ImageRecord], leaving: [PruneCandidate], until: Int64?, all: Bool) -> [PruneCandidate] {
        let remaining = Set(input.containers.filter { r in !leaving.contains { $0.id == r.id } }.map(\.imageID))
        var eligible: [ImageRecord] = []
        for i in listed where !remaining.contains(i.id) {
            if let until, i.created > until { continue }
            eligible.append(i)
        }
        return wholeChains(eligible, images: input.images).map { imageCandidate($0, reason: all ? "unused" : "dangling") }
    }

    /// The anonymous volumes no container uses but those `leaving` (`system prune --volumes`).
    public static func anonymousVolumes(_ input: PruneInput, leaving: [PruneCandidate]) -> [PruneCandidate] {
        var list: [PruneCandidate] = []
        for v in input.volumes where v.anonymous {
            let users = (input.volumeUsers[v.name] ?? []).filter { u in !leaving.contains { $0.id == u } }
            if users.isEmpty { list.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused")) }
        }
        return list
    }

    /// `image prune` among `listed` (those its filters let through): none in
    /// use, none a parent of an image that stays, none used within `minAge`, none created after
    /// `until`; with `keep`, only what keep=N per repository lets go (the gc
    /// plan with that rule alone, and a full `disk` letting the LRU rule in).
    public static func images(_ input: PruneInput, listed: [ImageRecord], until: Int64?, minAge: Int64, keep: Int64?, all: Bool,
                              disk: DiskSpace?) -> [PruneCandidate] {
        let inUse = Set(input.containers.map(\.imageID))
        var allowed: Set<String>? = nil
        if let keep {
            // keep=N alone decides which tagged images go; without -a dangling ones too
            var policy = HiveConfig.GCPolicy()
            policy.minAge = minAge
            policy.maxAge = nil
            policy.keep = keep
            policy.highWatermark = 100
            allowed = Set(gc(policy, input, disk: disk).filter { $0.type == "image" }.map(\.id))
        }
        var eligible: [ImageRecord] = []
        for rec in listed {
            if let until, rec.created > until { continue }
            if inUse.contains(rec.id) { continue }
            if input.now - used(rec) < minAge { continue }
            if let allowed, !allowed.contains(rec.id.description) { continue }
            eligible.append(rec)
        }
        return wholeChains(eligible, images: input.images).map { imageCandidate($0, reason: all ? "unused" : "dangling") }
    }
}

extension PrunePlan {
    /// `builder prune` (and the build cache's part of `system prune` and gc):
    /// never a record in use; without `all` only dangling ones (no image
    /// shares them: a failed build's steps, a removed image's, cache
    /// mounts); with `until` only those last used before it; with
    /// `keepStorage` only as many, least recently used first, as bring the
    /// cache down to that many bytes.
    public static func buildCache(_ entries: [BuildCacheEntry], all: Bool, until: Int64? = nil, keepStorage: Int64? = nil) -> [BuildCacheEntry] {
        var list = entries.filter { e in
            !e.inUse && (all || !e.shared) && (until.map { e.lastUsed <= $0 } ?? true)
        }.sorted { $0.lastUsed != $1.lastUsed ? $0.lastUsed < $1.lastUsed : $0.id < $1.id }
        if let keep = keepStorage {
            var total = entries.reduce(Int64(0)) { $0 + $1.size }
            var chosen: [BuildCacheEntry] = []
            for e in list where total > keep {
                chosen.append(e)
                total -= e.size
            }
            list = chosen
        }
        return list
    }

    public static func cacheCandidate(_ e: BuildCacheEntry, reason: String) -> PruneCandidate {
        PruneCandidate(type: "build-cache", id: e.id, name: e.description, created: e.created, lastUsed: e.lastUsed, size: e.size, reason: reason)
    }
}

extension PrunePlan {
    /// `90s`, `2m`, `1h`, `7d`: a duration as hive.toml writes it.
    static func compactDuration(_ nanos: Int64) -> String {
        let s = nanos / 1_000_000_000
        for (unit, n) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where s >= n && s % n == 0 { return "\(s / n)\(unit)" }
        return "\(s)s"
    }

    /// Why gc leaves what it leaves, line by line: the disk against the
    /// watermarks, and what min_age, containers and builds protect.
    public static func gcExplanation(_ p: HiveConfig.GCPolicy, _ input: PruneInput, disk: DiskSpace?, removing: [PruneCandidate]) -> [String] {
        var out: [String] = []
        if let disk {
            let pct = Int(disk.usedPercent.rounded())
            out.append(disk.usedPercent >= Double(p.highWatermark)
                ? "disk \(pct)% used: above high_watermark \(p.highWatermark)%, removing least recently used until low_watermark \(p.lowWatermark)%"
                : "disk \(pct)% used: below high_watermark \(p.highWatermark)% (nothing goes for space until it passes; then down to low_watermark \(p.lowWatermark)%)")
        } else {
            out.append("disk usage unknown: the watermarks are not checked")
        }
        let going = Set(removing.map(\.id))
        let pinned = Set(input.containers.map(\.imageID))
        let images = input.images.filter { !going.contains($0.id.description) }
        let inUse = images.filter { pinned.contains($0.id) }.count
        let young = images.filter { !pinned.contains($0.id) && input.now - used($0) < p.minAge }.count
        let minAge = compactDuration(p.minAge)
        let other = images.count - inUse - young
        out.append("images kept: \(images.count) (\(inUse) used by containers, \(young) used or added within min_age \(minAge), \(other) unused"
                   + (other > 0 ? ": tagged or the parent of a kept image, and no max_age, keep or watermark rule reaches them" : "") + ")")
        let cache = input.buildCache.filter { !going.contains($0.id) }
        if !input.buildCache.isEmpty {
            let busy = cache.filter(\.inUse).count
            let recent = cache.filter { !$0.inUse && input.now - $0.lastUsed < p.minAge }.count
            out.append("build cache kept: \(cache.count) (\(busy) used by a build now, \(recent) used within min_age \(minAge), "
                       + "\(cache.count - busy - recent) shared with images and within build_cache_max_age and build_cache_keep_storage)")
        }
        return out
    }
}
