// Listing images with Docker's filters (dangling, reference, label, before,
// since, until).
import HiveOCI
import HivePlatform
import HiveStore

public struct ImageSummary {
    public var record: ImageRecord
    /// The tags to show (after a reference filter), fully qualified.
    public var tags: [String]
    public var labels: [String: String]
}

public struct ImageFilters {
    public var values: [String: [String]] = [:]
    public static let keys: Set<String> = ["dangling", "reference", "label", "before", "since", "until", "last-used", "keep"]

    /// Parses `key=value` filter arguments (and `last-used<DURATION`, for prune).
    public init(_ args: [String]) throws {
        for a in args {
            if a.hasPrefix("last-used<") {
                values["last-used", default: []].append(String(a.dropFirst(10)))
                continue
            }
            guard let eq = a.firstIndex(of: "=") else {
                throw HiveError(.invalidArgument, "bad format of filter \"\(a)\" (expected name=value)")
            }
            let k = String(a[..<eq]).lowercased()
            guard ImageFilters.keys.contains(k) else {
                throw HiveError(.invalidArgument, "invalid filter \"\(k)\" (use dangling, reference, label, before, since or until; prune also takes last-used<DURATION and keep=N)")
            }
            values[k, default: []].append(String(a[a.index(after: eq)...]))
        }
        for v in values["dangling"] ?? [] where !["true", "false", "1", "0"].contains(v.lowercased()) {
            throw HiveError(.invalidArgument, "invalid filter \"dangling=\(v)\" (use true or false)")
        }
    }
}

extension Engine {
    public func listImages(filters: ImageFilters = try! ImageFilters([]), all: Bool = true) throws -> [ImageSummary] {
        let records = try store.allImages()
        let f = filters.values
        func createdOf(_ text: String) throws -> Int64 {
            let id = try resolveImage(text).id
            return records.first { $0.id == id }?.created ?? 0
        }
        let before = try f["before"]?.map(createdOf).min()
        let since = try f["since"]?.map(createdOf).max()
        let until = try f["until"]?.map { try Engine.parseTimeFilter($0) }.min()
        let parents = Set(records.compactMap { $0.parent })
        var out: [ImageSummary] = []
        for r in records {
            var tags = r.tags
            if let d = f["dangling"] {
                let want = d.contains { $0.lowercased() == "true" || $0 == "1" }
                if want != tags.isEmpty { continue }
            }
            if !all && tags.isEmpty && parents.contains(r.id) { continue }  // intermediate image
            if let before, r.created >= before { continue }
            if let since, r.created <= since { continue }
            if let until, r.created > until { continue }
            if let refs = f["reference"] {
                tags = tags.filter { t in refs.contains { Engine.referenceMatches($0, t) } }
                if tags.isEmpty { continue }
            }
            var labels: [String: String] = [:]
            if let wanted = f["label"] {
                labels = self.labels(r.labelsJSON)
                let ok = wanted.allSatisfy { w in
                    if let eq = w.firstIndex(of: "=") {
                        return labels[String(w[..<eq])] == String(w[w.index(after: eq)...])
                    }
                    return labels[w] != nil
                }
                if !ok { continue }
            }
            out.append(ImageSummary(record: r, tags: tags, labels: labels))
        }
        return out
    }

    /// Docker matches a reference filter against `name` and `name:tag` in familiar form.
    static func referenceMatches(_ pattern: String, _ fullTag: String) -> Bool {
        guard let ref = try? Reference(parsing: fullTag) else { return false }
        return Glob.match(pattern, ref.familiar) || Glob.match(pattern, ref.familiarRepository)
            || Glob.match(pattern, ref.description) || Glob.match(pattern, ref.repository)
    }

    /// `until=` takes an RFC 3339 time, a unix timestamp or a duration before now (`10m`, `24h`).
    public static func parseTimeFilter(_ text: String) throws -> Int64 {
        if let ts = Timestamp(rfc3339: text) { return ts.unixNanos }
        if let secs = Double(text) { return Int64(secs * 1e9) }
        if let d = Quantity.duration(text) { return Timestamp.now().unixNanos - d }
        throw HiveError(.invalidArgument, "invalid time \"\(text)\" (use an RFC 3339 time, a unix timestamp or a duration like 24h)")
    }

}
