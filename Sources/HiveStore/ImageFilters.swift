// Docker's image filters (dangling, reference, label, before, since, until;
// prune adds last-used<DURATION and keep=N), parsed from `--filter` and
// applied to image records as a pure selection.
import HiveOCI
import HivePlatform

/// An image as `hive images` lists it.
public struct ImageSummary {
    public var record: ImageRecord
    /// The tags to show (after a reference filter), fully qualified.
    public var tags: [String]
    public var labels: [String: String]

    public init(record: ImageRecord, tags: [String], labels: [String: String]) {
        self.record = record
        self.tags = tags
        self.labels = labels
    }
}

public struct ImageFilters {
    public var values: [String: [String]] = [:]
    public static let keys: Set<String> = ["dangling", "reference", "label", "label!", "before", "since", "until", "last-used", "keep"]

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
                throw HiveError(.invalidArgument, "invalid filter '\(k)' (use dangling, reference, label, label!, before, since or until; prune also takes last-used<DURATION and keep=N)")
            }
            values[k, default: []].append(String(a[a.index(after: eq)...]))
        }
        for v in values["dangling"] ?? [] where !["true", "false", "1", "0"].contains(v.lowercased()) {
            throw HiveError(.invalidArgument, "invalid filter 'dangling=\(v)' (use true or false)")
        }
    }

    /// The records that pass, in order. `before`/`since` are the creation
    /// times of the images those filters name and `until` the time `until=`
    /// names (resolved by the caller); `all: false` hides intermediate
    /// images (untagged parents); `labels` decodes a record's labels JSON.
    public func select(_ records: [ImageRecord], before: Int64?, since: Int64?, until: Int64?, all: Bool = true,
                       labels decode: (String) -> [String: String]) -> [ImageSummary] {
        let f = values
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
                tags = tags.filter { t in refs.contains { ImageFilters.referenceMatches($0, t) } }
                if tags.isEmpty { continue }
            }
            var labels: [String: String] = [:]
            if f["label"] != nil || f["label!"] != nil {
                labels = decode(r.labelsJSON)
                if !LabelFilter.holds(f, labels) { continue }
            }
            out.append(ImageSummary(record: r, tags: tags, labels: labels))
        }
        return out
    }

    /// Docker matches a reference filter against `name` and `name:tag` in familiar form.
    public static func referenceMatches(_ pattern: String, _ fullTag: String) -> Bool {
        guard let ref = try? Reference(parsing: fullTag) else { return false }
        return Glob.match(pattern, ref.familiar) || Glob.match(pattern, ref.familiarRepository)
            || Glob.match(pattern, ref.description) || Glob.match(pattern, ref.repository)
    }
}
