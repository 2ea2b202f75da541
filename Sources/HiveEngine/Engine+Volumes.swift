// The volume verbs: create (with the local driver's -o options), ls (with
// Docker's filters), inspect, rm, prune (volume records; a container's
// volume mounts are planned by HiveRuntime's ContainerPlanner, which mounts
// a volume's options through VolumeOptions).
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

/// Docker's `--filter` arguments (HiveStore/FilterArgs.swift), under the name the CLI knows.
public typealias FilterArgs = HiveStore.FilterArgs

/// A volume as `volume ls` lists it.
public struct VolumeSummary {
    public var record: VolumeRecord
    public var labels: [String: String]
    /// Containers that use it (0: dangling).
    public var users: Int
    public var mountpoint: String
}

extension Engine {
    // MARK: - volume verbs

    /// The keys `volume ls --filter` takes, and `volume prune --filter`.
    public static let volumeListFilters: Set<String> = ["dangling", "name", "driver", "label", "label!"]
    public static let volumePruneFilters: Set<String> = ["label", "label!", "all"]

    /// Creates a volume (an existing one is left as it is, as Docker's local driver does).
    public func createVolume(_ name: String?, labels: [String: String], options: [String: String] = [:]) throws -> String {
        let n = try name.map(MountRequest.validateVolumeName) ?? DockerNames.randomID()
        let opts: VolumeOptions? = try options.isEmpty ? nil : VolumeOptions(options)
        do {
            let created = try store.db.transaction { () throws(HiveError) -> Bool in
                let made = try store.ensureVolume(n, labelsJSON: ImageRecord.labelsJSON(labels))
                if made, let opts { try opts.save(volumeDir: store.volumesDir + "/" + n) }
                return made
            }
            // Docker's event (no hook listens for it)
            if created { emit(nil, EventRecord(type: "volume", action: "create", id: n, attributes: ["driver": "local"]), context: .null) }
        } catch {
            // the row rolled back: the directory goes too
            if try store.volume(n) == nil { try? FileTree.remove(path: store.volumesDir + "/" + n) }
            throw error
        }
        return n
    }

    public func listVolumes() throws -> [VolumeRecord] { try store.volumes() }

    /// `volume ls --filter`: dangling (no container uses it), name (regular
    /// expression), driver (local), label / label! (Docker's keys).
    public func listVolumes(filters: FilterArgs) throws -> [VolumeSummary] {
        let dangling = try filters.bool("dangling")
        let users = try store.volumeUserCounts()
        var out: [VolumeSummary] = []
        for v in try store.volumes() {
            let n = users[v.name] ?? 0
            if let dangling, dangling != (n == 0) { continue }
            guard filters.match("name", v.name), filters.exactMatch("driver", "local") else { continue }
            let labels = self.labels(v.labelsJSON)
            guard filters.matchLabels(labels) else { continue }
            out.append(VolumeSummary(record: v, labels: labels, users: n, mountpoint: store.volumeData(v.name)))
        }
        return out
    }

    public func volumeInfo(_ name: String) throws -> JSONValue {
        guard let v = try store.volume(name) else { throw HiveError(.notFound, "no such volume: \(name) (hive volume ls lists them)") }
        return volumeJSON(v)
    }

    /// Docker's JSON of a volume (inspect, and each item of the API's list).
    public func volumeJSON(_ v: VolumeRecord) -> JSONValue {
        let labels = self.labels(v.labelsJSON)
        let options = VolumeOptions.load(volumeDir: store.volumesDir + "/" + v.name)?.values ?? [:]
        return .object([
            "Name": .string(v.name), "Driver": .string("local"), "Mountpoint": .string(store.volumeData(v.name)),
            // Docker's: whole seconds; Options null for a volume made without -o
            "CreatedAt": .string(Timestamp(seconds: v.created / 1_000_000_000).rfc3339), "Labels": .object(labels.mapValues { .string($0) }),
            "Scope": .string("local"), "Options": options.isEmpty ? .null : .object(options.mapValues(JSONValue.string)),
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

    /// Removes volumes no container uses (with `all` false, only anonymous
    /// ones, as Docker 23+ does; `--filter all=true` is `--all`), those
    /// `label`/`label!` select; returns their names and the bytes freed.
    public func pruneVolumes(all: Bool, filters: FilterArgs = try! FilterArgs([], accepted: [])) throws -> (names: [String], reclaimed: Int64) {
        let all = try all || filters.bool("all") == true
        try store.lockExclusive()
        defer { store.unlock() }
        var list: [PruneCandidate] = []
        for v in try store.volumes() where try (all || v.anonymous) && store.volumeUsers(v.name).isEmpty {
            guard filters.matchLabels(labels(v.labelsJSON)) else { continue }
            list.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused"))
        }
        var report = GCReport()
        try remove(try prePrune(list, reason: "volume prune"), into: &report)
        return (report.volumes, report.otherReclaimed)
    }
}
