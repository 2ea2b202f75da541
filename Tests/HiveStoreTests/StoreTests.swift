import Foundation
import Testing
@testable import HiveOCI
import HivePlatform
@testable import HiveStore

@Suite final class StoreTests {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-store-\(UInt64.random(in: 0...UInt64.max))").path
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    @Test func createsLayoutAndSchema() throws {
        let s = try Store(root: root, runroot: root + "/run")
        for d in ["blobs/sha256", "layers", "tmp", "locks"] {
            var isDir: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: root + "/" + d, isDirectory: &isDir) && isDir.boolValue)
        }
        #expect(try s.db.prepare("PRAGMA user_version").all { $0.int(0) } == [Int64(Schema.version)])
        #expect(try s.db.prepare("PRAGMA journal_mode").all { $0.text(0) } == ["wal"])
        // reopening an existing store works and keeps the data
        _ = try Store(root: root, runroot: root + "/run")
    }

    @Test func blobsAreContentAddressedAndVerified() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let tmp = try s.makeTempDir()
        let d = try s.putBlob(Array("hello".utf8), tempDir: tmp)
        #expect(d == Digest.of(Array("hello".utf8)))
        #expect(try s.readBlob(d) == Array("hello".utf8))
        #expect(try s.putBlob(Array("hello".utf8), tempDir: tmp) == d)  // existing blob is success
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: s.blobPath(d)))
        #expect { try s.readBlob(d) } throws: { ($0 as? HiveError)?.code == .corrupt }
        #expect { try s.readBlob(Digest.of([1])) } throws: { ($0 as? HiveError)?.code == .notFound }
    }

    func record(_ s: Store, _ name: String, tags: [String], layer: Digest) throws -> ImageRecord {
        let tmp = try s.makeTempDir()
        let cfg = try s.putBlob(Array(name.utf8), tempDir: tmp)
        let man = try s.putBlob(Array((name + "-m").utf8), tempDir: tmp)
        var r = ImageRecord(id: cfg, manifestDigest: man, manifestMediaType: MediaType.ociManifest, created: 1, size: 10, added: 1)
        r.tags = tags
        try s.db.transaction { () throws(HiveError) in
            try s.insertImage(r, layers: [LayerRecord(chainID: layer, diffID: layer, parent: nil, size: 10)], blobs: [cfg, man])
        }
        return r
    }

    @Test func imagesTagsAndCascades() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let layer = Digest.of(Array("layer".utf8))
        let a = try record(s, "a", tags: ["docker.io/library/a:1"], layer: layer)
        let b = try record(s, "b", tags: ["docker.io/library/b:1"], layer: layer)
        #expect(try s.allImages().count == 2)
        #expect(try s.imageID(forTag: "docker.io/library/a:1") == a.id)
        try s.db.transaction { () throws(HiveError) in try s.setTag("docker.io/library/a:1", to: b.id) }
        #expect(try s.imageID(forTag: "docker.io/library/a:1") == b.id)
        #expect(try s.image(b.id)?.tags.sorted() == ["docker.io/library/a:1", "docker.io/library/b:1"])
        #expect(try s.imageIDs(prefix: String(a.id.hex.prefix(3))).contains(a.id))
        try s.db.transaction { () throws(HiveError) in try s.deleteImage(a.id) }
        #expect(try s.layers(of: b.id).map(\.chainID) == [layer])  // still used by b
        try s.db.transaction { () throws(HiveError) in try s.deleteImage(b.id) }
        #expect(try s.allImages().isEmpty)
        #expect(try s.db.prepare("SELECT count(*) FROM layers").all { $0.int(0) } == [0])
        #expect(try s.db.prepare("SELECT count(*) FROM tags").all { $0.int(0) } == [0])
    }

    @Test func sweepRemovesOnlyUnreferencedFiles() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let layer = Digest.of(Array("layer".utf8))
        let keep = try record(s, "keep", tags: [], layer: layer)
        try FileManager.default.createDirectory(atPath: s.layerDiffDir(layer), withIntermediateDirectories: true)
        let orphan = Digest.of(Array("orphan".utf8))
        try FileManager.default.createDirectory(atPath: s.layerDiffDir(orphan), withIntermediateDirectories: true)
        let tmp = try s.makeTempDir()
        let stray = try s.putBlob(Array("stray".utf8), tempDir: tmp)
        s.markPending()
        #expect(s.sweepIfIdle())
        #expect(s.hasLayer(layer))
        #expect(!s.hasLayer(orphan))
        #expect(!s.hasBlob(stray))
        #expect(s.hasBlob(keep.id))
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.tmpDir).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root + "/gc-pending"))
    }

    @Test func sweepWaitsForWriters() throws {
        let writer = try Store(root: root, runroot: root + "/run")
        try writer.lockShared()
        let tmp = try writer.makeTempDir()
        let other = try Store(root: root, runroot: root + "/run")
        other.markPending()
        #expect(!other.sweepIfIdle())  // a writer holds the lock: its temp files stay
        #expect(FileManager.default.fileExists(atPath: tmp))
    }

    @Test func constraintsHold() throws {
        let s = try Store(root: root, runroot: root + "/run")
        #expect(throws: HiveError.self) {
            try s.db.prepare("INSERT INTO images (id, manifest_digest, manifest_media_type, created, size, added) VALUES ('short', 'x', 'm', 0, 0, 0)").run()
        }
        #expect(throws: HiveError.self) {
            try s.db.prepare("INSERT INTO tags (name, image_id, tagged) VALUES ('a', ?1, 0)").run([.text(String(repeating: "a", count: 64))])
        }
    }
}
