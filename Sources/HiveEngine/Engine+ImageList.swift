// Listing images with Docker's filters (dangling, reference, label, before,
// since, until): parsed and applied in HiveStore/ImageFilters.swift; here
// the names the filters give are resolved.
import HiveOCI
import HivePlatform
import HiveStore

public typealias ImageSummary = HiveStore.ImageSummary
public typealias ImageFilters = HiveStore.ImageFilters

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
        return filters.select(records, before: before, since: since, until: until, all: all, labels: labels)
    }

    /// `until=` takes an RFC 3339 time, a unix timestamp or a duration before now (`10m`, `24h`).
    public static func parseTimeFilter(_ text: String) throws -> Int64 {
        if let ts = Timestamp(rfc3339: text) { return ts.unixNanos }
        if let secs = Double(text) { return Int64(secs * 1e9) }
        if let d = Quantity.duration(text) { return Timestamp.now().unixNanos - d }
        throw HiveError(.invalidArgument, "invalid time \"\(text)\" (use an RFC 3339 time, a unix timestamp or a duration like 24h)")
    }
}
