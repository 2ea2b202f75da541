// Images: list, inspect, history, tag, delete, prune, search (and, in
// Routes+ImageTransfer.swift, pull, push, save and load; system df in
// Routes+DiskUsage.swift). Docker's shapes: ImageSummary.dockerJSON, the
// engine's inspectImage, its RemovalReport.
import HiveEngine
import HiveOCI
import HivePlatform

extension APIServer {
    static var imageRoutes: [APIRoute] {
        [
            APIRoute("GET", "/images/json") { call in
                let e = try call.engine()
                var args = try call.request.filterArgs()
                // API < 1.41's `filter=NAME` (a reference)
                if let f = call.request.string("filter"), !f.isEmpty { args.append("reference=" + f) }
                let list = try e.listImages(filters: try ImageFilters(args), all: try call.request.bool("all"))
                return .json(.array(try list.map { i in
                    i.dockerJSON(repoDigests: try e.store.repoDigests(image: i.record.id), labels: e.labels(i.record.labelsJSON))
                }))
            },
            APIRoute("GET", "/images/search") { _ in
                throw APIError(501, "image search is not supported: hive searches no registry (use the registry's own web page or API)")
            },
            APIRoute("POST", "/images/prune") { call in
                var f = try ImageFilters(try call.request.filterArgs())
                // Docker: dangling=false prunes every unused image (prune -a)
                let dangling = f.values.removeValue(forKey: "dangling") ?? []
                let all = dangling.contains { ["false", "0"].contains($0.lowercased()) }
                let r = try call.engine().pruneImages(all: all, filters: f)
                return .json(.object(["ImagesDeleted": r.items.isEmpty ? .null : removalJSON(r), "SpaceReclaimed": .int(r.reclaimed)]))
            },
            APIRoute("GET", "/images/{name*}/json") { call in
                .json(try noSuchImage(call.request.param("name")) { try call.engine().inspectImage($0) })
            },
            APIRoute("GET", "/images/{name*}/history") { call in
                let e = try call.engine()
                let name = call.request.param("name")
                let (id, entries) = try noSuchImage(name) { try e.imageHistory($0) }
                let tags = try e.store.image(id)?.tags ?? []
                return .json(.array(entries.enumerated().map { i, h in
                    .object([
                        "Id": .string(i == 0 ? id.description : "<missing>"),
                        "Created": .int((h.history.created.flatMap { Timestamp(rfc3339: $0) }?.unixNanos ?? 0) / 1_000_000_000),
                        "CreatedBy": .string(h.history.createdBy ?? ""),
                        "Tags": i == 0 && !tags.isEmpty ? .array(tags.map { .string(familiarName($0)) }) : .null,
                        "Size": .int(h.size),
                        "Comment": .string(h.history.comment ?? ""),
                    ])
                }))
            },
            APIRoute("POST", "/images/{name*}/tag") { call in
                guard let repo = call.request.string("repo"), !repo.isEmpty else {
                    throw HiveError(.invalidArgument, "repo is required: the repository to tag the image into")
                }
                let tag = call.request.string("tag") ?? ""
                let name = call.request.param("name")
                try noSuchImage(name) { try call.engine().tag($0, tag.isEmpty ? repo : repo + ":" + tag) }
                return .status(201)
            },
            APIRoute("DELETE", "/images/{name*}") { call in
                let name = call.request.param("name")
                let r = try noSuchImage(name) {
                    try call.engine().removeImage($0, force: try call.request.bool("force"), prune: !(try call.request.bool("noprune")))
                }
                return .json(removalJSON(r))
            },
        ] + imageTransferRoutes + diskUsageRoutes
    }

    /// `[{"Untagged": "x:1"}, {"Deleted": "sha256:..."}]`, in the order they went.
    static func removalJSON(_ r: RemovalReport) -> JSONValue {
        .array(r.items.map { item in
            switch item {
            case .untagged(let t): return .object(["Untagged": .string(familiarName(t))])
            case .deleted(let d): return .object(["Deleted": .string(d.description)])
            }
        })
    }

    /// Docker's words for an image that is not there (`No such image: NAME`:
    /// clients look for them, and pull on a 404).
    static func noSuchImage<T>(_ name: String, _ body: (String) throws -> T) throws -> T {
        do { return try body(name) } catch let e as HiveError where e.code == .notFound && e.message.contains("not found locally") {
            throw HiveError(.notFound, "No such image: \(name)")
        }
    }
}
