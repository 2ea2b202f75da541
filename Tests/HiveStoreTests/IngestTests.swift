// Store+Ingest / Store+Images on a temp store: a gzip layer in, a digest
// mismatch refused leaving nothing behind, the same layer stored once.
import Foundation
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import Testing
@testable import HiveStore

@Suite final class IngestTests {
    let root: String
    let store: Store

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-ingest-\(UInt64.random(in: 0...UInt64.max))").path
        store = try Store(root: root, runroot: root + "/run")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A layer tar with one file, written by TarWriter; returns its path and bytes.
    func layerTar(_ content: String, gzip: Bool = false) throws -> (String, [UInt8]) {
        let path = root + "/in-\(UInt64.random(in: 0...UInt64.max)).tar"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let w = try TarWriter(fd: fd)
        try w.addDirectory("etc")
        try w.addFile("etc/greeting", bytes: Array(content.utf8))
        try w.finish()
        close(fd)
        let raw = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard gzip else { return (path, raw) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", "-f", path]
        try p.run()
        p.waitUntilExit()
        return (path + ".gz", raw)
    }

    /// Ingests a layer within an ingest (whose end sweeps what no image references).
    func ingest(_ path: String, _ tmp: String, expected: Digest? = nil, parent: Digest? = nil) throws -> IngestedLayer {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        return try store.ingestLayer(.fd(fd, decompress: true, teeFD: -1), tmp: tmp, name: path, parent: parent, expectedDiffID: expected)
    }

    func commit(_ layers: [IngestedLayer], author: String, tag: String?, _ tmp: String) throws -> Digest {
        var config = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: layers.map(\.diffID)))
        config.author = author
        return try store.commitImage(config: config, layers: layers.map(\.record),
                                     descriptors: layers.map { Descriptor(mediaType: MediaType.ociLayer, digest: $0.diffID, size: $0.tarSize ?? 0) },
                                     parent: nil, tag: tag, now: Timestamp.now(), tmp: tmp)
    }

    func names(_ dir: String) -> [String] { FileTree.names(in: dir).sorted() }

    @Test func gzipLayerIsHashedUncompressedAndExtracted() throws {
        let (gz, raw) = try layerTar("hello\n", gzip: true)
        let layer = try store.withIngest { tmp in
            let layer = try ingest(gz, tmp)
            _ = try commit([layer], author: "a", tag: nil, tmp)
            return layer
        }
        #expect(layer.diffID == Digest.of(raw))
        #expect(layer.chainID == layer.diffID)  // a bottom layer
        #expect(layer.tarSize == Int64(raw.count))
        #expect(layer.record.size == 6)
        #expect(store.hasLayer(layer.chainID))
        #expect(store.hasSplit(layer.chainID))  // the tar can be rebuilt: no blob needed
        #expect(try String(contentsOfFile: store.layerDiffDir(layer.chainID) + "/etc/greeting", encoding: .utf8) == "hello\n")
        #expect(names(store.tmpDir).isEmpty)  // the ingest's temp dir is gone
    }

    @Test func digestMismatchIsRefusedLeavingNothingBehind() throws {
        let (path, _) = try layerTar("hello\n")
        let wrong = Digest.of(Array("something else".utf8))
        #expect { try self.store.withIngest { tmp in try self.ingest(path, tmp, expected: wrong) } } throws: { e in
            guard let e = e as? HiveError else { return false }
            return e.code == .corrupt && e.description.contains("does not match diff_id \(wrong)")
        }
        #expect(names(store.layersDir).isEmpty)
        #expect(names(store.tmpDir).isEmpty)
        #expect(try store.db.prepare("SELECT count(*) FROM layers").all { $0.int(0) } == [0])
    }

    @Test func emptyStreamIsRefusedWhenAsked() throws {
        let path = root + "/empty"
        FileManager.default.createFile(atPath: path, contents: Data())
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        #expect(throws: HiveError.self) {
            try self.store.withIngest { tmp in
                try self.store.ingestLayer(.fd(fd, decompress: true, teeFD: -1), tmp: tmp, name: path, allowEmpty: false)
            }
        }
        #expect(names(store.layersDir).isEmpty)
    }

    @Test func sameLayerTwiceIsStoredOnceAndSharedByImages() throws {
        let (a, _) = try layerTar("same\n")
        let (b, _) = try layerTar("same\n", gzip: true)
        let (c, _) = try layerTar("top\n")
        let kept = try store.withIngest { tmp in
            let one = try ingest(a, tmp), two = try ingest(b, tmp)
            #expect(one.chainID == two.chainID)
            #expect(names(store.layersDir) == [one.chainID.hex])
            let ids = [try commit([one], author: "0", tag: "docker.io/library/one:latest", tmp),
                       try commit([two], author: "1", tag: "docker.io/library/two:latest", tmp)]
            #expect(ids[0] != ids[1])
            for (id, tag) in zip(ids, ["docker.io/library/one:latest", "docker.io/library/two:latest"]) {
                let rec = try #require(try store.image(id))
                #expect(rec.tags == [tag])
                #expect(rec.size == one.record.size)
                #expect(try store.layers(of: id).map(\.chainID) == [one.chainID])
                #expect(store.hasBlob(rec.manifestDigest) && store.hasBlob(id))
            }
            #expect(try store.db.prepare("SELECT count(*) FROM layers").all { $0.int(0) } == [1])
            // verified, not extracted again, when the digest is known and the layer stored
            let three = try ingest(a, tmp, expected: one.diffID)
            #expect(three.tarSize == nil && three.record.size == one.record.size)
            // a layer on top chains
            let top = try ingest(c, tmp, parent: one.chainID)
            #expect(top.chainID == Digest.chainIDs([one.diffID, top.diffID]).last)
            #expect(top.record.parent == one.chainID)
            // the same config again only moves a tag to it
            #expect(try commit([one], author: "0", tag: "docker.io/library/three:latest", tmp) == ids[0])
            #expect(try store.image(ids[0])?.tags == ["docker.io/library/one:latest", "docker.io/library/three:latest"])
            return one.chainID
        }
        // `top` (no image has it) stays while this command holds the store lock
        // shared, and goes in the next sweep of an idle store
        #expect(names(store.layersDir).count == 2)
        store.unlock()
        #expect(store.sweepIfIdle())
        #expect(names(store.layersDir) == [kept.hex])
    }
}
