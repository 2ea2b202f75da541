// Named and anonymous volumes: $HIVE_ROOT/volumes/NAME/_data.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

public struct VolumeRecord: Sendable {
    public var name: String
    public var created: Int64
    public var labelsJSON: String
    public var anonymous: Bool
}

extension Store {
    public var volumesDir: String { root + "/volumes" }
    public func volumeData(_ name: String) -> String { volumesDir + "/" + name + "/_data" }

    public func volumes() throws(HiveError) -> [VolumeRecord] {
        try db.prepare("SELECT name, created, labels, anonymous FROM volumes ORDER BY name").all([]) {
            VolumeRecord(name: $0.text(0), created: $0.int(1), labelsJSON: $0.text(2), anonymous: $0.int(3) != 0)
        }
    }

    public func volume(_ name: String) throws(HiveError) -> VolumeRecord? {
        try db.prepare("SELECT name, created, labels, anonymous FROM volumes WHERE name = ?1").all([.text(name)]) {
            VolumeRecord(name: $0.text(0), created: $0.int(1), labelsJSON: $0.text(2), anonymous: $0.int(3) != 0)
        }.first
    }

    /// Creates the volume (directory first, then the row) unless it exists; returns whether it was created.
    @discardableResult
    public func ensureVolume(_ name: String, labelsJSON: String = "{}", anonymous: Bool = false) throws(HiveError) -> Bool {
        if try volume(name) != nil { return false }
        for d in [volumesDir, volumesDir + "/" + name, volumeData(name)] {
            if mkdir(d, 0o755) != 0 && errno != EEXIST { throw HiveError.errno("cannot create volume directory \(d)") }
        }
        try db.prepare("INSERT OR IGNORE INTO volumes (name, created, labels, anonymous) VALUES (?1, ?2, ?3, ?4)")
            .run([.text(name), .int(Timestamp.now().unixNanos), .text(labelsJSON), .int(anonymous ? 1 : 0)])
        return true
    }

    public func volumeUsers(_ name: String) throws(HiveError) -> [String] {
        try db.prepare("SELECT container_id FROM container_volumes WHERE volume = ?1").all([.text(name)]) { $0.text(0) }
    }

    /// How many containers use each volume (volumes no container uses are absent): one query for `volume ls`.
    public func volumeUserCounts() throws(HiveError) -> [String: Int] {
        var out: [String: Int] = [:]
        for (name, n) in try db.prepare("SELECT volume, COUNT(*) FROM container_volumes GROUP BY volume").all([], { ($0.text(0), $0.int(1)) }) {
            out[name] = Int(n)
        }
        return out
    }

    public func attachVolume(_ name: String, to container: String) throws(HiveError) {
        try db.prepare("INSERT OR IGNORE INTO container_volumes (container_id, volume) VALUES (?1, ?2)").run([.text(container), .text(name)])
    }

    public func volumeNames(of container: String) throws(HiveError) -> [String] {
        try db.prepare("SELECT volume FROM container_volumes WHERE container_id = ?1").all([.text(container)]) { $0.text(0) }
    }

    public func volumes(of container: String) throws(HiveError) -> [VolumeRecord] {
        let names = try volumeNames(of: container)
        var out: [VolumeRecord] = []
        for n in names { if let v = try volume(n) { out.append(v) } }
        return out
    }

    /// Deletes the row; the directory goes next (renamed away first, so a half-removed volume is never visible).
    public func deleteVolume(_ name: String) throws(HiveError) {
        try db.prepare("DELETE FROM volumes WHERE name = ?1").run([.text(name)])
        let doomed = tmpDir + "/vol-" + name
        if rename(volumesDir + "/" + name, doomed) == 0 { try? FileTree.remove(path: doomed) }
    }
}
