// Docker's ImageSummary (the Engine API's GET /images/json and the Images of
// GET /system/df): one object per image, all its tags together.
import HiveOCI
import HivePlatform
import HiveStore

extension ImageSummary {
    /// `repoDigests`: `repository@sha256:...` as the store keeps them; `containers`
    /// and `sharedSize`: -1 where not computed (Docker's list), counts in df.
    public func dockerJSON(repoDigests: [String], labels: [String: String], containers: Int = -1, sharedSize: Int64 = -1) -> JSONValue {
        let r = record
        return .object([
            "Id": .string(r.id.description),
            "ParentId": .string(r.parent?.description ?? ""),
            "RepoTags": .array(tags.map { .string(familiarName($0)) }),
            "RepoDigests": .array(repoDigests.map { .string(familiarName($0)) }),
            "Created": .int(r.created / 1_000_000_000),
            "Size": .int(r.size),
            "SharedSize": .int(sharedSize),
            "VirtualSize": .int(r.size),
            "Labels": labels.isEmpty ? .null : .object(labels.mapValues(JSONValue.string)),
            "Containers": .int(Int64(containers)),
        ])
    }
}
