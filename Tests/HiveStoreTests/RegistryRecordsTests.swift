// RepoDigests and a layer's known blobs (RegistryRecords, schema v6) on a temp store.
import Foundation
import Testing
import HiveOCI
import HivePlatform
@testable import HiveStore

@Suite final class RegistryRecordsTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-regrec-\(UInt64.random(in: 0...UInt64.max))").path
    deinit { try? FileManager.default.removeItem(atPath: root) }

    @Test func repoDigestsAreOnePerRepositoryAndGoWithTheImage() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let config = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: []))
        let id = try s.makeImage(parent: nil, config: config, tag: "docker.io/library/a:1", writeLayer: nil)
        let d1 = Digest.of(Array("one".utf8)), d2 = Digest.of(Array("two".utf8))
        try s.setRepoDigest(image: id, repository: "docker.io/library/a", digest: d1)
        try s.setRepoDigest(image: id, repository: "127.0.0.1:5000/a", digest: d1)
        try s.setRepoDigest(image: id, repository: "docker.io/library/a", digest: d2)  // a newer push replaces
        #expect(try s.repoDigests(image: id) == ["127.0.0.1:5000/a@\(d1)", "docker.io/library/a@\(d2)"])
        try s.db.prepare("DELETE FROM images WHERE id = ?1").run([.text(id.hex)])
        #expect(try s.repoDigests(image: id) == [])
    }

    @Test func layerBlobsPreferTheRepositoryAsked() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let diff = Digest.of(Array("tar".utf8))
        let a = LayerBlob(diffID: diff, digest: Digest.of(Array("gz".utf8)), mediaType: MediaType.ociLayerGzip, size: 10, repository: "r/a")
        let b = LayerBlob(diffID: diff, digest: Digest.of(Array("zst".utf8)), mediaType: MediaType.ociLayerZstd, size: 9, repository: "r/b")
        try s.recordLayerBlob(a)
        try s.recordLayerBlob(b)
        try s.recordLayerBlob(b)  // idempotent
        #expect(try s.layerBlobs(diffID: diff, preferRepository: "r/b") == [b, a])
        #expect(try s.layerBlobs(diffID: diff) == [a, b])
        #expect(try s.layerBlobs(diffID: Digest.of([1])) == [])
    }
}
