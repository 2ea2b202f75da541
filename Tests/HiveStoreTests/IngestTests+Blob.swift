// The blob digest while streaming: a compressed layer is hashed as it is read
// (the blob a registry names it by) besides its tar (the diffID); a layer
// whose bytes are not the blob its descriptor names is refused, leaving
// nothing behind.
import Foundation
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import Testing
@testable import HiveStore

extension IngestTests {
    func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Ingests `path` as a `.fd` input with a blob descriptor.
    func ingest(_ path: String, blob: Descriptor?, _ tmp: String, expected: Digest? = nil) throws -> IngestedLayer {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        return try store.ingestLayer(.fd(fd, decompress: true, teeFD: -1, blob: blob), tmp: tmp, name: "layer blob", expectedDiffID: expected)
    }

    func nothingStored() throws {
        #expect(names(store.layersDir).isEmpty)
        #expect(names(store.tmpDir).isEmpty)
        #expect(try store.db.prepare("SELECT count(*) FROM layers").all { $0.int(0) } == [0])
    }

    @Test func gzipLayerReportsItsCompressedBlob() throws {
        let (gz, raw) = try layerTar("blob\n", gzip: true)
        let blob = try bytes(gz)
        let desc = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.of(blob), size: Int64(blob.count))
        let layer = try store.withIngest { tmp in try ingest(gz, blob: desc, tmp) }
        #expect(layer.diffID == Digest.of(raw))
        #expect(layer.blobDigest == Digest.of(blob) && layer.blobSize == Int64(blob.count))
        #expect(layer.blobDigest != layer.diffID)
    }

    @Test func largeGzipLayerIsHashedAcrossManyReads() throws {
        // 6 MB that gzip cannot shrink: the blob spans several 1 MB reads
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        let content = String(decoding: (0..<(6 << 20)).map { _ -> UInt8 in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(33 + (x >> 33) % 94)
        }, as: UTF8.self)
        let (gz, raw) = try layerTar(content, gzip: true)
        let blob = try bytes(gz)
        #expect(blob.count > 4 << 20)
        let desc = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.of(blob), size: Int64(blob.count))
        let layer = try store.withIngest { tmp in try ingest(gz, blob: desc, tmp) }
        #expect(layer.diffID == Digest.of(raw))
        #expect(layer.blobDigest == Digest.of(blob) && layer.blobSize == Int64(blob.count))
    }

    @Test func uncompressedLayerBlobIsItsTar() throws {
        let (path, raw) = try layerTar("plain\n")
        let desc = Descriptor(mediaType: MediaType.ociLayer, digest: Digest.of(raw), size: Int64(raw.count))
        let layer = try store.withIngest { tmp in try ingest(path, blob: desc, tmp) }
        #expect(layer.blobDigest == layer.diffID && layer.blobSize == Int64(raw.count))
    }

    @Test func bytesAfterTheCompressedStreamArePartOfTheBlob() throws {
        let (gz, _) = try layerTar("trailer\n", gzip: true)
        let fd = open(gz, O_WRONLY | O_APPEND | O_CLOEXEC)
        _ = write(fd, [UInt8](repeating: 0, count: 100), 100)
        close(fd)
        let blob = try bytes(gz)
        let layer = try store.withIngest { tmp in try ingest(gz, blob: nil, tmp) }
        #expect(layer.blobDigest == Digest.of(blob) && layer.blobSize == Int64(blob.count))
    }

    @Test func blobDigestMismatchIsRefusedLeavingNothingBehind() throws {
        let (gz, _) = try layerTar("tampered\n", gzip: true)
        let blob = try bytes(gz)
        let wrong = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.of(Array("other".utf8)), size: Int64(blob.count))
        #expect { try self.store.withIngest { tmp in try self.ingest(gz, blob: wrong, tmp) } } throws: { e in
            (e as? HiveError)?.description.contains("layer blob does not match its digest (its content hashes to \(Digest.of(blob)))") == true
        }
        try nothingStored()
        let short = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.of(blob), size: Int64(blob.count) + 1)
        #expect { try self.store.withIngest { tmp in try self.ingest(gz, blob: short, tmp) } } throws: { e in
            (e as? HiveError)?.description.contains("layer blob is \(blob.count) bytes, but its descriptor says \(blob.count + 1)") == true
        }
        try nothingStored()
    }

    @Test func storedLayerIsStillCheckedAgainstItsBlob() throws {
        let (gz, raw) = try layerTar("twice\n", gzip: true)
        let blob = try bytes(gz)
        let wrong = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.of(raw), size: Int64(blob.count))
        try store.withIngest { tmp in
            let one = try ingest(gz, tmp)
            _ = try commit([one], author: "b", tag: nil, tmp)
            #expect(throws: HiveError.self) { try self.ingest(gz, blob: wrong, tmp, expected: one.diffID) }
            let again = try ingest(gz, blob: nil, tmp, expected: one.diffID)
            #expect(again.tarSize == nil && again.blobDigest == Digest.of(blob))
        }
    }

    @Test func mismatchMessagesHaveOneWording() {
        let a = Digest.of(Array("a".utf8)), b = Digest.of(Array("b".utf8))
        #expect(HiveError.digestMismatch("blob x", got: a).description.contains("blob x does not match its digest (its content hashes to \(a))"))
        #expect(HiveError.diffIDMismatch("layer y", expected: a, from: "in the image config", got: b).description
            .contains("layer y does not match diff_id \(a) in the image config (it unpacks to \(b))"))
        #expect(HiveError.diffIDMismatch("layer y", expected: a, got: b).description.contains("layer y does not match diff_id \(a) (it unpacks to \(b))"))
    }
}
