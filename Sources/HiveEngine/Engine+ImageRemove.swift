// `hive tag`, `hive rmi`, `hive image prune`: untag vs delete as Docker does.
import HiveHooks
import HiveOCI
import HivePlatform
import HiveStore

/// What removing images did, line by line in Docker's order (`Untagged: x`,
/// `Deleted: sha256:...`), and the bytes of the layers that went with them.
public struct RemovalReport {
    public enum Item: Equatable {
        case untagged(String)
        case deleted(Digest)
    }
    public var items: [Item] = []
    public var reclaimed: Int64 = 0

    public var untagged: [String] { items.compactMap { if case .untagged(let t) = $0 { t } else { nil } } }
    public var deleted: [Digest] { items.compactMap { if case .deleted(let d) = $0 { d } else { nil } } }

    mutating func untag(_ tags: [String]) { items += tags.map(Item.untagged) }
}

extension Engine {
    public func tag(_ source: String, _ target: String) throws {
        let src = try resolveImage(source)
        let ref: Reference
        do { ref = try Reference(parsing: target) } catch { throw HiveError(.invalidArgument, "\(error)") }
        guard ref.digest == nil else {
            throw HiveError(.invalidArgument, "cannot tag \"\(target)\": a tag may not contain a digest")
        }
        try store.db.transaction { () throws(HiveError) in try store.setTag(ref.description, to: src.id) }
        logEvent(EventRecord(type: "image", action: "tag", id: src.id.description, attributes: ["name": familiarName(ref.description)]))
    }

    /// Removes one image name (Docker's rules):
    /// - a tag: untag; delete the image when it was the last tag;
    /// - an ID: delete the image; with several tags only when `force`;
    /// - with `prune` (Docker's default; `rmi --no-prune` turns it off) the
    ///   untagged parents the deleted image leaves behind (a legacy build's
    ///   intermediate images) go too, up to the first one that is tagged,
    ///   used by a container or the parent of another image.
    public func removeImage(_ name: String, force: Bool, prune: Bool = true) throws -> RemovalReport {
        let target = try resolveImage(name)
        var report = RemovalReport()
        var removed: [ImageRecord] = []
        try store.db.transaction { () throws(HiveError) in
            guard let rec = try store.image(target.id) else {
                throw HiveError(.notFound, "image \"\(name)\" not found locally (hive images lists them)")
            }
            if let tag = target.tag, rec.tags.count > 1 {
                try store.removeTag(tag)
                report.untag([tag])
                return
            }
            if target.tag == nil && rec.tags.count > 1 && !force {
                throw HiveError(.conflict, "conflict: unable to delete \(rec.id.shortID) (must be forced) - image is referenced in multiple repositories")
            }
            let users = try store.containers(usingImage: rec.id)
            if !users.isEmpty {
                // Docker: a tag goes with -f, but the image stays while a container uses it
                if force || target.tag != nil && rec.tags.count > 1 {
                    for t in rec.tags { try store.removeTag(t) }
                    report.untag(rec.tags)
                    return
                }
                throw HiveError(.conflict, "conflict: unable to remove \(target.tag.map(familiarName) ?? rec.id.shortID) (must force) - container \(String(users[0].prefix(12))) is using its referenced image \(rec.id.shortID)")
            }
            let children = try store.children(of: rec.id)
            if !children.isEmpty && !force {
                throw HiveError(.conflict, "conflict: unable to delete \(rec.id.shortID) (cannot be forced) - image has dependent child images")
            }
            try delete(rec, into: &report)
            removed.append(rec)
            guard prune else { return }
            var next = rec.parent
            while let p = next, let parent = try store.image(p), parent.tags.isEmpty,
                  (try store.children(of: p)).isEmpty, (try store.containers(usingImage: p)).isEmpty {
                try delete(parent, into: &report)
                removed.append(parent)
                next = parent.parent
            }
        }
        finishRemoval(report)
        for rec in removed { imageRemovedEvent(rec) }
        for t in report.untagged where report.deleted.isEmpty {
            logEvent(EventRecord(type: "image", action: "untag", id: target.id.description, attributes: ["name": familiarName(t)]))
        }
        return report
    }

    /// Untags and deletes one image record (inside a transaction).
    func delete(_ rec: ImageRecord, into report: inout RemovalReport) throws(HiveError) {
        for t in rec.tags { try store.removeTag(t) }
        report.untag(rec.tags)
        report.reclaimed += try store.deleteImage(rec.id)
        report.items.append(.deleted(rec.id))
    }

    /// Files of deleted images go in a sweep (now if no writer is active).
    func finishRemoval(_ report: RemovalReport) {
        if !report.deleted.isEmpty {
            store.markPending()
            store.sweepIfIdle()
        }
    }

    /// Removes dangling images (or, with `all`, every image no container uses);
    /// `last-used<D` keeps images used within D, `keep=N` the N most recently
    /// used of each repository. pre-prune hooks see the list first.
    public func pruneImages(all: Bool, filters: ImageFilters) throws -> RemovalReport {
        try store.lockExclusive()
        defer { store.unlock() }
        var f = filters
        if !all { f.values["dangling"] = ["true"] }
        let now = Timestamp.now().unixNanos
        var untilNanos: Int64? = nil
        if let u = f.values.removeValue(forKey: "until")?.first { untilNanos = try HumanTime.parseFilter(u) }
        var minAge: Int64 = 0, keep: Int64? = nil
        if let d = f.values.removeValue(forKey: "last-used")?.first {
            guard let n = Quantity.duration(d) else { throw HiveError(.invalidArgument, "invalid filter \"last-used<\(d)\" (a duration such as 7d or 24h)") }
            minAge = n
        }
        if let k = f.values.removeValue(forKey: "keep")?.first {
            guard let n = Int64(k), n >= 0 else { throw HiveError(.invalidArgument, "invalid filter \"keep=\(k)\" (a number of images per repository)") }
            keep = n
        }
        let input = try pruneInput(volumes: false, now: now)
        let list = PrunePlan.images(input, listed: try listImages(filters: f).map(\.record), until: untilNanos, minAge: minAge, keep: keep,
                                    all: all, disk: keep == nil ? nil : DiskSpace.of(store.root))
        var report = GCReport()
        try remove(try prePrune(list, reason: "image prune"), into: &report)
        finishRemoval(report.images)
        return report.images
    }
}
