// Cleanup: `system gc` (HiveStore/PrunePlan.swift: the kubelet's image GC
// model plus keep-N per repository and a TTL for exited containers),
// `system prune`, `system df`. What goes is planned in the store; here the
// plan is run through the pre-prune hooks and carried out, with events.
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

public typealias PruneCandidate = HiveStore.PruneCandidate
public typealias DiskUsage = HiveStore.DiskUsage
public typealias ImageDiskUsage = HiveStore.ImageDiskUsage

extension PruneCandidate {
    /// What pre-prune hooks see of a candidate.
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
    public var buildCache = BuildCachePruneReport()
    public var kept: [String] = []
    public var diskBefore: Double?
    public var candidates: [PruneCandidate] = []
    /// Why the rest stays (`system gc`): the disk against the watermarks, what min_age and use protect.
    public var explanation: [String] = []
    /// Cache files gc swept (or, with --dry-run, would sweep): compiled hook bundles, seccomp BPF.
    public var cacheFiles: [PruneCandidate] = []
    /// Bytes of the removed containers' writable layers and volumes' data.
    public var otherReclaimed: Int64 = 0

    /// Everything the removals freed (Docker's "Total reclaimed space").
    public var reclaimed: Int64 { images.reclaimed + otherReclaimed + buildCache.reclaimed + cacheFiles.reduce(0) { $0 + $1.size } }
}

extension Engine {
    /// The records a prune plan looks at, read now (volumes and their users only if asked;
    /// without `images`, no image: `system df` counts them in SQL).
    func pruneInput(volumes: Bool, buildCache: Bool = false, images: Bool = true, now: Int64 = Timestamp.now().unixNanos) throws -> PruneInput {
        let containers = try store.allContainers()
        var vols: [VolumeRecord] = [], users: [String: [String]] = [:]
        if volumes {
            vols = try store.volumes()
            for v in vols { users[v.name] = try store.volumeUsers(v.name) }
        }
        return PruneInput(containers: containers, alive: Set(containers.filter(isAlive).map(\.id)), images: images ? try store.allImages() : [],
                          volumes: vols, volumeUsers: users, buildCache: buildCache ? try buildCacheEntries() : [], now: now)
    }

    /// The images, containers and volumes the policy would remove now.
    /// `all`: also what only the watermark would reach (for `hooks test`).
    func gcCandidates(policy p: HiveConfig.GCPolicy, all: Bool = false, now: Int64) throws -> [PruneCandidate] {
        PrunePlan.gc(p, try pruneInput(volumes: p.volumes, buildCache: true, now: now), disk: DiskSpace.of(store.root), all: all)
    }

    /// pre-prune: hooks may drop candidates (keep them) or add others.
    func prePrune(_ candidates: [PruneCandidate], reason: String) throws -> [PruneCandidate] {
        guard let out = try preHooks(.prePrune, { (.object(["candidates": .array(candidates.map(\.context)), "reason": .string(reason)]), Hooks.Subject()) }) else {
            return candidates
        }
        var result: [PruneCandidate] = []
        for c in out["candidates"]?.arrayValue ?? [] {
            guard let type = c["type"]?.stringValue, ["image", "container", "volume", "build-cache"].contains(type), let id = c["id"]?.stringValue else {
                throw HiveError(.denied, "a pre-prune hook returned a candidate without type (image|container|volume|build-cache) and id")
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
        let disk = DiskSpace.of(store.root)
        report.diskBefore = disk?.usedPercent
        let now = Timestamp.now().unixNanos
        let input = try pruneInput(volumes: policy.volumes, buildCache: true, now: now)
        let planned = PrunePlan.gc(policy, input, disk: disk)
        let chosen = try prePrune(planned, reason: "gc")
        report.candidates = chosen
        report.kept = planned.filter { p in !chosen.contains { $0.type == p.type && $0.id == p.id } }.map(\.name)
        report.explanation = PrunePlan.gcExplanation(policy, input, disk: disk, removing: chosen)
        report.cacheFiles = staleCacheFiles(minAge: policy.minAge, now: now)
        if dryRun { return report }
        try remove(chosen, into: &report)
        for f in report.cacheFiles { unlink(store.root + "/cache/" + f.id) }
        store.sweepIfIdle()  // the layers and blobs go now, not at the next command
        return report
    }

    /// The store's small caches gc bounds: compiled hook bundles (cache/hooks)
    /// but the current hook set's, not written within `minAge`; seccomp BPF
    /// (cache/seccomp-*.bpf) not read for a week, and beyond the 64 most
    /// recently read; temp files a killed writer left.
    func staleCacheFiles(minAge: Int64, now: Int64) -> [PruneCandidate] {
        let dir = store.root + "/cache"
        let current = (try? hooks())?.bundlePath
        var out: [PruneCandidate] = []
        func stamp(_ path: String) -> (mtime: Int64, atime: Int64, size: Int64)? {
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
            return (Int64(st.st_mtim.tv_sec) * 1_000_000_000, Int64(st.st_atim.tv_sec) * 1_000_000_000, Int64(st.st_size))
        }
        func candidate(_ rel: String, _ s: (mtime: Int64, atime: Int64, size: Int64), _ reason: String) -> PruneCandidate {
            PruneCandidate(type: "cache", id: rel, name: rel, created: s.mtime, lastUsed: s.atime, size: s.size, reason: reason)
        }
        for name in FileTree.names(in: dir + "/hooks") {
            let path = dir + "/hooks/" + name
            guard path != current, let s = stamp(path) else { continue }
            if now - s.mtime >= minAge { out.append(candidate("hooks/" + name, s, "compiled hooks of a hook set no longer in use")) }
        }
        var seccomp: [(String, (mtime: Int64, atime: Int64, size: Int64))] = []
        for name in FileTree.names(in: dir) where name.hasPrefix("seccomp-") {
            guard let s = stamp(dir + "/" + name) else { continue }
            if !name.hasSuffix(".bpf") {
                if now - s.mtime >= minAge { out.append(candidate(name, s, "a temp file a killed writer left")) }
                continue
            }
            seccomp.append((name, s))
        }
        let week: Int64 = 7 * 86_400 * 1_000_000_000
        for (i, (name, s)) in seccomp.sorted(by: { $0.1.atime > $1.1.atime }).enumerated() {
            let stale = max(s.atime, s.mtime) < now - week
            if stale || i >= 64 { out.append(candidate(name, s, stale ? "compiled seccomp profile not used for a week" : "beyond the 64 most recently used compiled seccomp profiles")) }
        }
        return out
    }

    /// Removes candidates, re-checking each under the lock: nothing in use goes.
    func remove(_ list: [PruneCandidate], into report: inout GCReport) throws {
        for c in list where c.type == "container" {
            guard let r = try store.container(c.id), !isAlive(r) else { continue }
            report.otherReclaimed += writableSize(of: r)
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
                try delete(rec, into: &report.images)
                imageEvents.append(rec)
            }
        }
        for rec in imageEvents { imageRemovedEvent(rec) }
        if !imageEvents.isEmpty { store.markPending() }
        for c in list where c.type == "volume" {
            guard try store.volume(c.id) != nil, (try store.volumeUsers(c.id)).isEmpty else { continue }
            report.otherReclaimed += FileTree.diskUsage(store.volumesDir + "/" + c.id)
            try store.db.transaction { () throws(HiveError) in try store.deleteVolume(c.id) }
            volumeRemovedEvent(c.id)
            report.volumes.append(c.id)
        }
        try removeBuildCache(list, into: &report.buildCache)
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
        let until = try filters.values["until"]?.map { try HumanTime.parseFilter($0) }.min()
        let input = try pruneInput(volumes: volumes)
        var list = PrunePlan.stoppedContainers(input, until: until, labelFilters: filters.values["label"] ?? [], labels: labels)
        var f = filters
        if !all { f.values["dangling"] = ["true"] }
        f.values["until"] = nil
        list += PrunePlan.systemImages(input, listed: try listImages(filters: f).map(\.record), leaving: list, until: until, all: all)
        if volumes { list += PrunePlan.anonymousVolumes(input, leaving: list) }
        // the build cache as `builder prune [-a]` would (as shared with images before this prune)
        list += PrunePlan.buildCache(try buildCacheEntries(), all: all, until: until).map {
            PrunePlan.cacheCandidate($0, reason: all ? "unused" : "dangling")
        }
        try remove(try prePrune(list, reason: "system prune"), into: &report)
        try? networks().reconcile()  // endpoints and namespace pins a `kill -9` left
        store.sweepIfIdle()
        return report
    }

    /// `hive system df`: images, containers, volumes, build cache: count, active, size, reclaimable.
    public func systemDF() throws -> [DiskUsage] {
        try diskUsage(try pruneInput(volumes: true, images: false)).rows
    }

    /// `hive system df -v`: the rows, and each image, container, volume and build cache record.
    public func systemDFVerbose() throws -> SystemDiskUsage {
        let input = try pruneInput(volumes: true)
        var du = try diskUsage(input)
        let images = Dictionary(input.images.map { ($0.id.hex, $0) }, uniquingKeysWith: { a, _ in a })
        du.images = try store.imageDiskUsage().compactMap { u in images[u.id].map { (record: $0, usage: u) } }
            .sorted { $0.record.created > $1.record.created }
        var volumesOf: [String: Int] = [:]
        for users in input.volumeUsers.values { for c in users { volumesOf[c, default: 0] += 1 } }
        // the sizes the rows were summed from: each writable layer and volume walked once
        du.containers = try listContainers().map { (summary: $0, size: du.containerBytes[$0.id] ?? 0, localVolumes: volumesOf[$0.id] ?? 0) }
        du.volumes = input.volumes.map { v in (name: v.name, links: input.volumeUsers[v.name]?.count ?? 0, size: du.volumeBytes[v.name] ?? 0) }
        return du
    }

    /// The rows of `system df`. A stopped container's writable layer is the
    /// size its record keeps; only running ones (or ones without a size) are walked.
    func diskUsage(_ input: PruneInput) throws -> SystemDiskUsage {
        var du = SystemDiskUsage()
        for r in input.containers { du.containerBytes[r.id] = writableSize(of: r) }
        for v in input.volumes { du.volumeBytes[v.name] = FileTree.diskUsage(store.volumesDir + "/" + v.name) }
        let layers = try store.layerUsage()
        let entries = try buildCacheEntries()
        let mounts = entries.filter { $0.kind == "cache-mount" }
        // the cache's layers each once (a base image's layers a record keeps after the image went count too)
        let cache = DiskUsage(type: "Build Cache", total: entries.count, active: entries.filter(\.inUse).count,
                              size: layers.buildCache + mounts.reduce(0) { $0 + $1.size },
                              reclaimable: layers.buildCache - layers.buildCacheInUse + mounts.filter { !$0.inUse }.reduce(0) { $0 + $1.size })
        du.rows = DiskUsage.summary(input, layers: layers, containerBytes: du.containerBytes, volumeBytes: du.volumeBytes) + [cache]
        du.buildCache = entries
        return du
    }

    /// Bytes in a container's writable layer: the size its record keeps while
    /// it is not running (measured at its exit or after a `cp` into it), else a walk.
    func writableSize(of r: ContainerRecord) -> Int64 {
        if r.state != .running, let bytes = r.writableSize { return bytes }
        return writableSize(r.id)
    }

    /// Something wrote into the container's writable layer (`cp` into it): a
    /// stopped container's size is measured again (a running one has none kept).
    func wroteWritableLayer(_ id: String) {
        guard let r = try? store.container(id), r.state != .running else { return }
        let bytes = writableSize(id)
        try? store.db.transaction(durable: false) { () throws(HiveError) in try store.setWritableSize(id, bytes) }
    }
}

/// `system df -v`: the rows, then every object with its own size.
public struct SystemDiskUsage {
    public var rows: [DiskUsage] = []
    public var images: [(record: ImageRecord, usage: ImageDiskUsage)] = []
    public var containers: [(summary: ContainerSummary, size: Int64, localVolumes: Int)] = []
    public var volumes: [(name: String, links: Int, size: Int64)] = []
    public var buildCache: [BuildCacheEntry] = []
    /// What the rows were summed from: each container's writable layer, each volume's data.
    var containerBytes: [String: Int64] = [:]
    var volumeBytes: [String: Int64] = [:]
}
