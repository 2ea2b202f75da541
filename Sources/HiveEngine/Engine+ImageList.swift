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
        let until = try f["until"]?.map { try HumanTime.parseFilter($0) }.min()
        return filters.select(records, before: before, since: since, until: until, all: all, labels: labels)
    }
}
