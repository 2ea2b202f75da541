import HiveOCI
import HivePlatform
@testable import HiveStore
import Testing

/// `--filter` for images: parsing (with the exact messages) and selection.
@Suite struct ImageFiltersTests {
    func id(_ n: Int) -> Digest { Digest.of(Array("image \(n)".utf8)) }

    func image(_ n: Int, _ tags: [String], created: Int64, parent: Int? = nil, labels: String = "{}") -> ImageRecord {
        ImageRecord(id: id(n), manifestDigest: id(100 + n), manifestMediaType: "m", created: created, size: 1, added: 0,
                    parent: parent.map(id), labelsJSON: labels, tags: tags)
    }

    static func labels(_ json: String) -> [String: String] {
        ((try? JSONValue.parse(Array(json.utf8)))?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    @Test func parsing() throws {
        let f = try ImageFilters(["dangling=true", "label=a", "label=b=c", "last-used<7d", "KEEP=3"])
        #expect(f.values == ["dangling": ["true"], "label": ["a", "b=c"], "last-used": ["7d"], "keep": ["3"]])
        func message(_ args: [String]) -> String? {
            do { _ = try ImageFilters(args); return nil } catch { return (error as? HiveError)?.message }
        }
        #expect(message(["dangling"]) == "bad format of filter \"dangling\" (expected name=value)")
        #expect(message(["color=red"]) == "invalid filter 'color' (use dangling, reference, label, label!, before, since or until; prune also takes last-used<DURATION and keep=N)")
        #expect(message(["dangling=maybe"]) == "invalid filter 'dangling=maybe' (use true or false)")
    }

    @Test func selection() throws {
        let records = [
            image(1, ["docker.io/library/busybox:latest", "docker.io/library/busybox:1"], created: 10, labels: #"{"tier":"web"}"#),
            image(2, [], created: 20),
            image(3, [], created: 30, labels: #"{"tier":"db"}"#),
            image(4, ["docker.io/library/app:1"], created: 40, parent: 3),
        ]
        func ids(_ args: [String], before: Int64? = nil, since: Int64? = nil, until: Int64? = nil, all: Bool = true) throws -> [Digest] {
            try ImageFilters(args).select(records, before: before, since: since, until: until, all: all, labels: Self.labels).map(\.record.id)
        }
        #expect(try ids([]) == [id(1), id(2), id(3), id(4)])
        #expect(try ids([], all: false) == [id(1), id(2), id(4)])  // 3 is an intermediate image
        #expect(try ids(["dangling=true"]) == [id(2), id(3)])
        #expect(try ids(["dangling=0"]) == [id(1), id(4)])
        #expect(try ids(["label=tier"]) == [id(1), id(3)])
        #expect(try ids(["label=tier=db"]) == [id(3)])
        #expect(try ids([], before: 30) == [id(1), id(2)])
        #expect(try ids([], since: 30) == [id(4)])
        #expect(try ids([], until: 20) == [id(1), id(2)])
        let busy = try ImageFilters(["reference=busybox:1"]).select(records, before: nil, since: nil, until: nil, labels: Self.labels)
        #expect(busy.map(\.tags) == [["docker.io/library/busybox:1"]])
        #expect(try ids(["reference=bus*"]) == [id(1)])
        #expect(try ids(["reference=nothing"]).isEmpty)
        // labels are decoded only for a label filter
        #expect(try ImageFilters([]).select(records, before: nil, since: nil, until: nil, labels: Self.labels)[0].labels.isEmpty)
        #expect(ImageFilters.referenceMatches("docker.io/library/busybox", "docker.io/library/busybox:1"))
    }
}
