// `system df`'s store side (issue #16): a stopped container's kept
// writable-layer size (schema v10) and the layers' bytes, each layer once.
import Foundation
import Testing
@testable import HiveOCI
import HivePlatform
@testable import HiveStore

@Suite final class DiskUsageTests {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-du-\(UInt64.random(in: 0...UInt64.max))").path
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func image(_ s: Store, _ name: String, layers: [(Digest, Int64)]) throws -> ImageRecord {
        let tmp = try s.makeTempDir()
        let cfg = try s.putBlob(Array(name.utf8), tempDir: tmp)
        let man = try s.putBlob(Array((name + "-m").utf8), tempDir: tmp)
        let r = ImageRecord(id: cfg, manifestDigest: man, manifestMediaType: MediaType.ociManifest, created: 1,
                            size: layers.reduce(0) { $0 + $1.1 }, added: 1)
        try s.db.transaction { () throws(HiveError) in
            try s.insertImage(r, layers: layers.map { LayerRecord(chainID: $0.0, diffID: $0.0, parent: nil, size: $0.1) }, blobs: [cfg, man])
        }
        return r
    }

    func container(_ s: Store, _ id: Character, image: Digest) throws -> String {
        let cid = String(repeating: id, count: 64)
        try s.db.transaction { () throws(HiveError) in
            try s.insertContainer(ContainerRecord(id: cid, name: "c\(id)", imageID: image, imageName: "x", config: "{}", created: 1))
        }
        return cid
    }

    func kept(_ s: Store, _ id: String) throws -> Int64? { try s.container(id)?.writableSize }

    @Test func aStoppedContainersSizeIsKeptUntilItStarts() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let id = try container(s, "a", image: Digest.of([1]))
        #expect(try kept(s, id) == 0)  // a new container's writable layer is empty
        try s.db.transaction { () throws(HiveError) in try s.markRunning(id, pid: 1, pidStart: 1, at: 2) }
        #expect(try kept(s, id) == nil)
        try s.db.transaction { () throws(HiveError) in try s.setWritableSize(id, 7) }
        #expect(try kept(s, id) == nil)  // a running container keeps none (a cp racing its start)
        try s.db.transaction { () throws(HiveError) in try s.markExited(id, exitCode: 0, at: 3, writableSize: 42) }
        #expect(try kept(s, id) == 42)
        #expect(try s.allContainers().first?.writableSize == 42)
        try s.db.transaction { () throws(HiveError) in try s.setWritableSize(id, 50) }  // cp into the stopped container
        #expect(try kept(s, id) == 50)
        try s.db.transaction { () throws(HiveError) in try s.markCreated(id) }  // start: gone before the launch
        #expect(try kept(s, id) == nil)
        try s.db.transaction { () throws(HiveError) in try s.markExited(id, exitCode: 1, at: 4) }  // a failed launch: unknown
        #expect(try kept(s, id) == nil)
        try s.db.transaction { () throws(HiveError) in try s.markRestarted(id, pid: 2, pidStart: 2, at: 5) }
        #expect(try kept(s, id) == nil)
    }

    @Test func aVersion9DatabaseGainsTheColumn() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let id = try container(s, "b", image: Digest.of([1]))
        try s.db.exec("ALTER TABLE containers DROP COLUMN writable_size")
        try s.db.exec("PRAGMA user_version = 9")
        let again = try Store(root: root, runroot: root + "/run")
        #expect(try again.db.prepare("PRAGMA user_version").all { $0.int(0) } == [Int64(Schema.version)])
        #expect(try again.container(id)?.writableSize == nil)  // unknown: df walks it
        #expect(try again.container(id)?.name == "cb")
    }

    @Test func layersCountOnceByWhoHoldsThem() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let base = Digest.of(Array("base".utf8)), mine = Digest.of(Array("mine".utf8))
        let other = Digest.of(Array("other".utf8)), cached = Digest.of(Array("cached".utf8))
        let a = try image(s, "a", layers: [(base, 1000), (mine, 200)])
        let b = try image(s, "b", layers: [(base, 1000), (other, 30)])
        // a build record holding base and a layer no image has
        try s.db.transaction { () throws(HiveError) in
            try s.recordBuildStep(BuildCacheRecord(
                key: String(repeating: "c", count: 64), description: "RUN x", configJSON: "{}",
                layers: [LayerRecord(chainID: base, diffID: base, parent: nil, size: 1000), LayerRecord(chainID: cached, diffID: cached, parent: nil, size: 4)],
                descriptors: [Descriptor(mediaType: MediaType.ociLayer, digest: base, size: 1), Descriptor(mediaType: MediaType.ociLayer, digest: cached, size: 1)],
                layer: cached, created: 1, lastUsed: 1))
        }
        #expect(try s.layerUsage() == LayerUsage(imageCount: 2, imagesInUseCount: 0, images: 1230, imagesInUse: 0, buildCache: 4, buildCacheInUse: 0))
        _ = try container(s, "d", image: a.id)
        #expect(try s.layerUsage() == LayerUsage(imageCount: 2, imagesInUseCount: 1, images: 1230, imagesInUse: 1200, buildCache: 4, buildCacheInUse: 0))
        // a build step's container over the record: its layers are in use
        _ = try container(s, "e", image: try Digest(hex: String(repeating: "c", count: 64)))
        #expect(try s.layerUsage().buildCacheInUse == 4)
        let per = Dictionary(uniqueKeysWithValues: try s.imageDiskUsage().map { ($0.id, $0) })
        #expect(per[a.id.hex] == ImageDiskUsage(id: a.id.hex, size: 1200, sharedSize: 1000, containers: 1))
        #expect(per[b.id.hex] == ImageDiskUsage(id: b.id.hex, size: 1030, sharedSize: 1000, containers: 0))
    }
}
