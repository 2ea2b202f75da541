// The volume verbs: create, ls, inspect, rm, prune (volume records; a
// container's volume mounts are planned by HiveRuntime's ContainerPlanner).
import Glibc
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    // MARK: - volume verbs

    public func createVolume(_ name: String?, labels: [String: String]) throws -> String {
        let n = try name.map(MountRequest.validateVolumeName) ?? DockerNames.randomID()
        _ = try store.db.transaction { () throws(HiveError) in
            try store.ensureVolume(n, labelsJSON: ImageRecord.labelsJSON(labels))
        }
        return n
    }

    public func listVolumes() throws -> [VolumeRecord] { try store.volumes() }

    public func volumeInfo(_ name: String) throws -> JSONValue {
        guard let v = try store.volume(name) else { throw HiveError(.notFound, "no such volume: \(name) (hive volume ls lists them)") }
        let labels = self.labels(v.labelsJSON)
        return .object([
            "Name": .string(v.name), "Driver": .string("local"), "Mountpoint": .string(store.volumeData(v.name)),
            // Docker's: whole seconds; Options null for a volume made without -o (hive keeps none)
            "CreatedAt": .string(Timestamp(seconds: v.created / 1_000_000_000).rfc3339), "Labels": .object(labels.mapValues { .string($0) }),
            "Scope": .string("local"), "Options": .null,
        ])
    }

    public func removeVolume(_ name: String, force: Bool) throws {
        guard try store.volume(name) != nil else { throw HiveError(.notFound, "no such volume: \(name)") }
        let users = try store.volumeUsers(name)
        if !users.isEmpty {
            throw HiveError(.conflict, "remove \(name): volume is in use - [\(users.map { String($0.prefix(12)) }.joined(separator: ", "))]")
        }
        try store.db.transaction { () throws(HiveError) in try store.deleteVolume(name) }
        volumeRemovedEvent(name)
    }

    /// Removes volumes no container uses (with `all` false, only anonymous ones, as Docker 23+ does).
    public func pruneVolumes(all: Bool) throws -> [String] {
        try store.lockExclusive()
        defer { store.unlock() }
        var list: [PruneCandidate] = []
        for v in try store.volumes() where try (all || v.anonymous) && store.volumeUsers(v.name).isEmpty {
            list.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused"))
        }
        var report = GCReport()
        try remove(try prePrune(list, reason: "volume prune"), into: &report)
        return report.volumes
    }
}
