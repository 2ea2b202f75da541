// Image resolution on a temp store (Store+Resolve): a tag, a full ID with or
// without sha256:, a unique prefix, an ambiguous prefix, name@digest; and
// makeImage (Store+MakeImage) over a parent with and without a new layer.
import Foundation
import Testing
import HiveOCI
import HivePlatform
@testable import HiveStore

@Suite final class ResolveTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-resolve-\(UInt64.random(in: 0...UInt64.max))").path
    deinit { try? FileManager.default.removeItem(atPath: root) }

    func image(_ s: Store, _ n: Int, tag: String? = nil) throws -> Digest {
        var c = ContainerConfig()
        c.env = ["N=\(n)"]
        var config = ImageConfig(architecture: "", os: "", rootfs: RootFS(diffIDs: []))
        config.config = c
        return try s.makeImage(parent: nil, config: config, tag: tag, writeLayer: nil)
    }

    func code(_ body: () throws -> Any) -> HiveError.Code? {
        do { _ = try body(); return nil } catch { return (error as? HiveError)?.code }
    }

    @Test func namesIDsAndPrefixes() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let web = try image(s, 0, tag: "docker.io/library/web:1")
        // by tag, in every spelling of it
        #expect(try s.resolveImage("web:1").id == web)
        #expect(try s.resolveImage("web:1").tag == "docker.io/library/web:1")
        #expect(try s.resolveImage("docker.io/library/web:1").id == web)
        #expect(code { try s.resolveImage("web") } == .notFound)  // web:latest
        // by ID: full, with sha256:, a unique prefix; none of these name a tag
        #expect(try s.resolveImage(web.hex).id == web && s.resolveImage(web.hex).tag == nil)
        #expect(try s.resolveImage("sha256:" + web.hex).id == web)
        #expect(try s.resolveImage(String(web.hex.prefix(12))).id == web)
        // name@digest: the manifest digest of an image in that repository
        let rec = try #require(try s.image(web))
        #expect(try s.resolveImage("web@" + rec.manifestDigest.description).id == web)
        // not found, not a reference
        #expect(code { try s.resolveImage("nothing") } == .notFound)
        #expect(code { try s.resolveImage("sha256:" + String(repeating: "0", count: 64)) } == .notFound)
        #expect(code { try s.resolveImage("Bad Name!") } == .invalidArgument)
    }

    @Test func anAmbiguousPrefixIsAConflict() throws {
        let s = try Store(root: root, runroot: root + "/run")
        // 17 images: two of them share a first hex digit
        var byFirst: [Character: [Digest]] = [:]
        for n in 0..<17 { let id = try image(s, n); byFirst[id.hex.first!, default: []].append(id) }
        let (digit, ids) = try #require(byFirst.first { $0.value.count > 1 })
        do { _ = try s.resolveImage(String(digit)); Issue.record("resolved") } catch let e as HiveError {
            #expect(e.code == .conflict)
            #expect(e.message == "image ID prefix \"\(digit)\" is ambiguous: it matches \(ids.count) images (give more digits)")
        }
        // enough digits tell them apart
        #expect(try s.resolveImage(String(ids[0].hex.prefix(20))).id == ids[0])
    }

    @Test func makeImageAddsALayerOverItsParent() throws {
        let s = try Store(root: root, runroot: root + "/run")
        let base = try image(s, 1)
        let baseConfig = try s.imageConfig(base)
        #expect(baseConfig.architecture == HostPlatform.architecture && baseConfig.os == "linux" && baseConfig.rootfs.diffIDs.isEmpty)
        let child = try s.makeImage(parent: base, config: baseConfig, tag: "docker.io/library/child:latest") { fd in
            let end = [UInt8](repeating: 0, count: 1024)  // an empty layer tar
            _ = end.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        #expect(try s.resolveImage("child").id == child)
        let (rec, manifest, config) = try s.manifestAndConfig(child)
        #expect(rec.parent == base)
        #expect(manifest.layers.count == 1 && config.rootfs.diffIDs == [manifest.layers[0].digest])
        #expect(try s.layers(of: child).count == 1)
        // and one more over it keeps the parent's layer below the new one
        let grandchild = try s.makeImage(parent: child, config: config) { fd in
            _ = [UInt8](repeating: 0, count: 1024).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        let layers = try s.layers(of: grandchild)
        #expect(layers.count == 2 && layers[1].parent == layers[0].chainID)
    }
}
