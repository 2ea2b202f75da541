// Store.loadImage over an ImageSource that is not an archive (as a registry
// pull will be): the config and manifest bytes are kept as the source has
// them (the image ID is the source's config digest), each layer is checked
// against its blob descriptor and the config's diff_ids, and a bad layer
// leaves nothing behind.
import Foundation
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import Testing
@testable import HiveStore

/// Blobs served from memory and files, layers handed over as fds with their
/// descriptors (what a registry client would do with downloaded blobs).
struct FakeSource: ImageSource {
    var name = "fake.example/repo"
    var small: [Digest: [UInt8]] = [:]
    var files: [Digest: String] = [:]
    var kept: [Digest] = []

    func bytes(of desc: Descriptor, what: String) throws -> [UInt8] {
        guard let b = small[desc.digest] else { throw HiveError(.notFound, "\(name) has no \(what) \(desc.digest)") }
        try desc.verify(size: Int64(b.count), digest: Digest.of(b), what: "\(what) \(desc.digest)")
        return b
    }

    func withLayer<T>(_ desc: Descriptor, diffID: Digest, store: Store, tmp: String, _ body: (SourceLayer) throws -> T) throws -> T {
        let fd = open(files[desc.digest]!, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        return try body(.stream(.fd(fd, decompress: true, teeFD: -1, blob: desc)))
    }

    func keepBlob(_ desc: Descriptor, store: Store, tmp: String) throws {
        if let b = small[desc.digest] { _ = try store.putBlob(b, tempDir: tmp) }
    }
}

extension IngestTests {
    /// A source with one gzip layer and a config written with its own spacing.
    func fakeImage(diffID: Digest? = nil, layerDigest: Digest? = nil) throws -> (FakeSource, ImagePlan, [UInt8]) {
        let (gz, raw) = try layerTar("pulled\n", gzip: true)
        let blob = try bytes(gz)
        let layer = Descriptor(mediaType: MediaType.ociLayerGzip, digest: layerDigest ?? Digest.of(blob), size: Int64(blob.count))
        let cfg = Array("""
            {"architecture": "amd64", "os": "linux",
             "rootfs": {"type": "layers", "diff_ids": ["\((diffID ?? Digest.of(raw)).description)"]}}
            """.utf8)
        var source = FakeSource()
        source.small[Digest.of(cfg)] = cfg
        source.files[layer.digest] = gz
        let m = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: Digest.of(cfg), size: Int64(cfg.count)), layers: [layer])
        let manifestBytes = Array(try JSONCoding.encode(m)) + Array("\n".utf8)  // not as hive would write it
        return (source, ImagePlan(manifest: m, manifestBytes: manifestBytes, tags: ["fake.example/repo:1"]), raw)
    }

    @Test func loadImageKeepsTheSourcesBytes() throws {
        let (source, plan, raw) = try fakeImage()
        let entry = try store.withIngest { tmp in
            let e = try store.loadImage(plan, from: source, tmp: tmp)
            try store.commitImages([e])
            return e
        }
        let id = plan.manifest.config.digest
        #expect(entry.record.id == id)  // the source's config digest, not a re-encoding's
        #expect(try bytes(store.blobPath(id)) == source.small[id])
        #expect(try bytes(store.blobPath(entry.record.manifestDigest)) == plan.manifestBytes)
        #expect(entry.record.manifestDigest == Digest.of(plan.manifestBytes))
        let rec = try #require(try store.image(id))
        #expect(rec.tags == ["fake.example/repo:1"])
        #expect(try store.layers(of: id).map(\.diffID) == [Digest.of(raw)])
    }

    @Test func loadImageRefusesALayerThatIsNotItsBlobOrItsDiffID() throws {
        let (badBlob, plan1, _) = try fakeImage(layerDigest: Digest.of(Array("not it".utf8)))
        #expect { try self.store.withIngest { tmp in try self.store.loadImage(plan1, from: badBlob, tmp: tmp) } } throws: { e in
            (e as? HiveError)?.description.contains("does not match its digest") == true
        }
        try nothingStored()
        let wrong = Digest.of(Array("other tar".utf8))
        let (badDiff, plan2, raw) = try fakeImage(diffID: wrong)
        #expect { try self.store.withIngest { tmp in try self.store.loadImage(plan2, from: badDiff, tmp: tmp) } } throws: { e in
            (e as? HiveError)?.description.contains("does not match diff_id \(wrong) in the image config (it unpacks to \(Digest.of(raw)))") == true
        }
        try nothingStored()
    }
}
