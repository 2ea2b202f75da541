// The file phase of ingest on several threads at once: 4 layers of one image
// fetched and ingested on 4 threads into one store and one tmp (default temp
// names), then settled and recorded on the store's thread.
import Foundation
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import Testing
@testable import HiveStore

extension IngestTests {
    @Test func fourLayersIngestedOnFourThreadsThenRecorded() throws {
        let tars = try (0..<4).map { try layerTar("layer \($0)\n", gzip: $0 % 2 == 0) }
        let diffIDs = tars.map { Digest.of($0.1) }
        let chain = Digest.chainIDs(diffIDs)
        let id = try store.withIngest { tmp in
            var results = [Result<IngestedLayer, HiveError>?](repeating: nil, count: 4)
            let lock = NSLock()
            let store = self.store
            DispatchQueue.concurrentPerform(iterations: 4) { i in
                let fd = open(tars[i].0, O_RDONLY | O_CLOEXEC)
                defer { close(fd) }
                let r = Result { () throws(HiveError) in
                    try store.ingestLayerFiles(.fd(fd, decompress: true, teeFD: -1), tmp: tmp, name: "layer \(i)",
                                               parent: i > 0 ? chain[i - 1] : nil, expectedDiffID: diffIDs[i])
                }
                lock.lock()
                results[i] = r
                lock.unlock()
            }
            let layers = try results.map { try store.settleLayer($0!.get()) }
            #expect(layers.map(\.chainID) == chain)
            #expect(Set(FileTree.names(in: tmp)).isEmpty)  // every temp layer moved into place
            var config = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: diffIDs))
            config.author = "threads"
            return try store.commitImage(config: config, layers: layers.map(\.record),
                                         descriptors: layers.map { Descriptor(mediaType: MediaType.ociLayer, digest: $0.diffID, size: $0.tarSize ?? 0) },
                                         parent: nil, tag: "docker.io/library/threads:latest", now: Timestamp.now(), tmp: tmp)
        }
        #expect(try store.layers(of: id).map(\.chainID) == chain)
        for (i, c) in chain.enumerated() {
            #expect(try String(contentsOfFile: store.layerDiffDir(c) + "/etc/greeting", encoding: .utf8) == "layer \(i)\n")
        }
        #expect(names(store.tmpDir).isEmpty)
    }

    @Test func defaultTempNamesAreUniquePerCall() throws {
        let (a, _) = try layerTar("one\n"), (b, _) = try layerTar("two\n")
        try store.withIngest { tmp in
            // a refused layer leaves its temp layer in tmp until the ingest ends...
            #expect(throws: HiveError.self) { try self.ingest(a, tmp, expected: Digest.of(Array("no".utf8))) }
            #expect(FileTree.names(in: tmp).count == 1)
            // ...and the next ingest in that tmp, without a tempName, does not collide with it
            let two = try ingest(b, tmp)
            #expect(store.hasLayer(two.chainID))
        }
    }
}
