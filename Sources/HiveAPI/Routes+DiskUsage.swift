// GET /system/df: Docker's shape (LayersSize, Images, Containers, Volumes,
// BuildCache) from the engine's `system df -v` (systemDFVerbose).
import HiveEngine
import HivePlatform

extension APIServer {
    static var diskUsageRoutes: [APIRoute] {
        [
            APIRoute("GET", "/system/df") { call in
                let e = try call.engine()
                let du = try e.systemDFVerbose()
                let images: [JSONValue] = try du.images.map { rec, usage in
                    ImageSummary(record: rec, tags: rec.tags, labels: [:])
                        .dockerJSON(repoDigests: try e.store.repoDigests(image: rec.id), labels: e.labels(rec.labelsJSON),
                                    containers: usage.containers, sharedSize: usage.sharedSize)
                }
                let containers: [JSONValue] = du.containers.map { c in
                    .object([
                        "Id": .string(c.summary.id), "Names": .array([.string("/" + c.summary.name)]), "Image": .string(c.summary.image),
                        "ImageID": .string("sha256:" + c.summary.imageID), "Command": .string(c.summary.command),
                        "Created": .int(c.summary.created / 1_000_000_000), "State": .string(c.summary.state), "Status": .string(c.summary.status),
                        "SizeRw": .int(c.size), "SizeRootFs": .int(c.size), "Labels": .object(e.labels(c.summary.labelsJSON).mapValues(JSONValue.string)),
                        "Ports": .array([]), "Mounts": .array([]),
                    ])
                }
                let records = Dictionary(try e.listVolumes().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                let volumes: [JSONValue] = du.volumes.compactMap { v in
                    guard let r = records[v.name], var o = e.volumeJSON(r).objectValue else { return nil }
                    o["UsageData"] = .object(["Size": .int(v.size), "RefCount": .int(Int64(v.links))])
                    return .object(o)
                }
                let cache: [JSONValue] = du.buildCache.map { b in
                    .object([
                        "ID": .string(b.id), "Parents": .null, "Type": .string(b.kind == "cache-mount" ? "exec.cachemount" : "regular"),
                        "Description": .string(b.description), "InUse": .bool(b.inUse), "Shared": .bool(b.shared), "Size": .int(b.size),
                        "CreatedAt": .string(Timestamp(unixNanos: b.created).rfc3339), "LastUsedAt": .string(Timestamp(unixNanos: b.lastUsed).rfc3339),
                        "UsageCount": .int(b.usageCount),
                    ])
                }
                let layers = du.rows.first { $0.type == "Images" }?.size ?? 0
                return .json(.object(["LayersSize": .int(layers), "Images": .array(images), "Containers": .array(containers),
                                      "Volumes": .array(volumes), "BuildCache": .array(cache)]))
            },
        ]
    }
}
