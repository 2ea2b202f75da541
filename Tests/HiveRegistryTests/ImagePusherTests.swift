// ImagePusher against a real docker-registry on loopback: a first push
// uploads (Pushed), a second finds every blob (Layer already exists) and
// keeps the digest, another repository of the same registry mounts; the
// manifest the registry serves is the one pushed, with Docker's types by
// default; zstd with Docker's types is refused before anything is sent.
import Foundation
import Glibc
import HiveOCI
import HivePlatform
import HiveStore
import Testing
@testable import HiveRegistry

@Suite(.serialized) final class ImagePusherTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-pusher-\(UInt64.random(in: 0...UInt64.max))").path
    deinit { try? FileManager.default.removeItem(atPath: root) }

    final class Events: @unchecked Sendable {
        private var mutex = pthread_mutex_t()
        private var all: [LayerPushState] = []
        init() { pthread_mutex_init(&mutex, nil) }
        func add(_ e: LayerPushEvent) { pthread_mutex_lock(&mutex); all.append(e.state); pthread_mutex_unlock(&mutex) }
        func take() -> [LayerPushState] {
            pthread_mutex_lock(&mutex)
            defer { all = []; pthread_mutex_unlock(&mutex) }
            return all
        }
    }

    /// An image of one layer holding `text` in a file.
    func image(_ s: Store, _ text: String, tag: String) throws -> Digest {
        var tar = [UInt8](repeating: 0, count: 512)
        let body = Array(text.utf8)
        func put(_ str: String, _ at: Int) { for (i, b) in str.utf8.enumerated() { tar[at + i] = b } }
        put("hello.txt", 0)
        put("0000644", 100); put("0000000", 108); put("0000000", 116)
        put(String(format: "%011o", body.count), 124); put("00000000000", 136)
        tar[156] = 48
        put("ustar", 257); put("00", 263)
        for i in 148..<156 { tar[i] = 32 }
        put(String(format: "%06o", tar.reduce(0) { $0 + Int($1) }) + "\0", 148)
        tar += body + [UInt8](repeating: 0, count: (512 - body.count % 512) % 512 + 1024)
        let config = ImageConfig(architecture: "", os: "", rootfs: RootFS(diffIDs: []))
        return try s.makeImage(parent: nil, config: config, tag: tag) { fd in
            _ = tar.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    @Test func pushPushAgainMount() throws {
        guard LoopbackRegistry.available else { return }
        let reg = try LoopbackRegistry()
        let store = try Store(root: root, runroot: root + "/run")
        let id = try image(store, "pushed by a unit test\n", tag: "\(reg.domain)/unit/a:1")
        let client = RegistryClient(settings: RegistrySettings(), credentials: nil, logger: .discard)
        defer { client.shutdown() }
        let events = Events()
        let pusher = ImagePusher(client: client, store: store) { events.add($0) }

        let first = try pusher.push(image: id, to: try Reference(parsing: "\(reg.domain)/unit/a:1"), options: PushOptions())
        #expect(events.take().contains(.pushed))
        let served = try client.manifest(RepositoryRef(domain: reg.domain, path: "unit/a"), reference: "1")
        #expect(served.digest == first.digest && served.bytes.count == first.size)
        let m = try JSONCoding.decode(Manifest.self, from: served.bytes)
        #expect(m.mediaType == MediaType.dockerManifest && m.config.digest == id)
        #expect(m.layers.map(\.mediaType) == [MediaType.dockerLayerGzip])

        let again = try pusher.push(image: id, to: try Reference(parsing: "\(reg.domain)/unit/a:1"), options: PushOptions())
        let second = events.take()
        #expect(again.digest == first.digest)
        #expect(second.contains(.exists) && !second.contains(.pushed))

        let other = try pusher.push(image: id, to: try Reference(parsing: "\(reg.domain)/unit/b:2"), options: PushOptions())
        #expect(other.digest == first.digest)
        #expect(events.take().contains(.mounted(from: "unit/a")))

        var zstdDocker = PushOptions()
        zstdDocker.format = .v2s2
        zstdDocker.compression = .zstd
        #expect(throws: HiveError.self) { try pusher.push(image: id, to: try Reference(parsing: "\(reg.domain)/unit/c:1"), options: zstdDocker) }
        #expect(events.take().isEmpty)
        #expect(try client.blobExists(RepositoryRef(domain: reg.domain, path: "unit/c"), id) == nil)
    }
}
