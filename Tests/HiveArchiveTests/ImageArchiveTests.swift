// ImageArchive (read: OCI layout, docker-archive) and ImageArchiveWriter
// (write, then read back), on archives built here byte by byte.
import Foundation
import Glibc
import Testing
@testable import HiveArchive
import HiveOCI
import HivePlatform

@Suite final class ImageArchiveTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hive-imgarch-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// One image's blobs: a one-file layer, its config, its OCI manifest.
    struct Image {
        var layer: [UInt8]
        var config: [UInt8]
        var manifest: Manifest
        var manifestBytes: [UInt8]
        init(_ content: String) throws {
            var t = TarBuilder()
            t.add("hello", data: Array(content.utf8))
            layer = t.finished()
            config = try JSONCoding.encode(ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: [Digest.of(layer)])))
            manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: Digest.of(config), size: Int64(config.count)),
                                layers: [Descriptor(mediaType: MediaType.ociLayer, digest: Digest.of(layer), size: Int64(layer.count))])
            manifestBytes = try JSONCoding.encode(manifest)
        }
    }

    func read(_ bytes: [UInt8]) throws -> ImageArchive {
        let path = dir + "/in-\(UInt64.random(in: 0...UInt64.max)).tar"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        return try ImageArchive.read(fd: fd, name: "test.tar", tmp: dir, speculate: nil)
    }

    func ociLayout(_ img: Image, index: [UInt8]? = nil, tag: String? = "docker.io/library/hello:1") throws -> [UInt8] {
        let desc = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.of(img.manifestBytes), size: Int64(img.manifestBytes.count),
                              annotations: tag.map { [Annotation.refName: $0] })
        var t = TarBuilder()
        t.add("oci-layout", data: try JSONCoding.encode(OCILayout()))
        t.add("index.json", data: try index ?? JSONCoding.encode(Index(manifests: [desc])))
        for b in [img.layer, img.config, img.manifestBytes] { t.add("blobs/sha256/" + Digest.of(b).hex, data: b) }
        return t.finished()
    }

    @Test func readsAnOCILayout() throws {
        let img = try Image("hi\n")
        let plans = try read(try ociLayout(img)).plans(architecture: "amd64")
        #expect(plans.count == 1)
        #expect(plans[0].manifest == img.manifest)
        #expect(plans[0].manifestBytes == img.manifestBytes)
        #expect(plans[0].tags == ["docker.io/library/hello:1"])
    }

    @Test func refusesAManifestPosingAsAnIndex() throws {
        let img = try Image("hi\n")
        // CVE-2021-41190: index.json must be an index by its shape
        #expect { try self.read(try self.ociLayout(img, index: img.manifestBytes)).plans(architecture: "amd64") } throws: {
            ($0 as? HiveError)?.code == .corrupt
        }
    }

    @Test func readsADockerArchiveWithGzipLayer() throws {
        let img = try Image("docker\n")
        let gz = try gzip(img.layer)
        var t = TarBuilder()
        t.add("config.json", data: img.config)
        t.add("abc/layer.tar", data: gz)
        t.add("manifest.json", data: Array(#"[{"Config":"config.json","RepoTags":["hello:2"],"Layers":["abc/layer.tar"]}]"#.utf8))
        let archive = try read(t.finished())
        let plans = try archive.plans(architecture: "amd64")
        #expect(plans.count == 1)
        #expect(plans[0].tags == ["docker.io/library/hello:2"])
        #expect(plans[0].manifest.config.digest == Digest.of(img.config))
        #expect(plans[0].manifest.layers.map(\.mediaType) == [MediaType.ociLayerGzip])
        #expect(plans[0].manifest.layers.map(\.digest) == [Digest.of(gz)])
    }

    @Test func refusesABlobThatDoesNotMatchItsDigest() throws {
        let img = try Image("x\n")
        var t = TarBuilder()
        t.add("config.json", data: img.config)
        t.add("blobs/sha256/" + Digest.of(Array("other".utf8)).hex, data: img.layer)
        t.add("manifest.json", data: Array("[{\"Config\":\"config.json\",\"Layers\":[\"blobs/sha256/\(Digest.of(Array("other".utf8)).hex)\"]}]".utf8))
        #expect { try self.read(t.finished()).plans(architecture: "amd64") } throws: {
            ($0 as? HiveError)?.description.contains("does not match its digest") == true
        }
    }

    /// Blobs from memory, for the writer.
    struct Blobs: ImageArchiveSource {
        var blobs: [Digest: [UInt8]]
        func hasBlob(_ d: Digest) -> Bool { blobs[d] != nil }
        func writeBlob(_ d: Digest, to w: TarWriter, path: String) throws { try w.addFile(path, bytes: blobs[d]!) }
        func writeRebuiltLayer(_ desc: Descriptor, image: Int, index: Int, to w: TarWriter, path: String) throws {
            throw HiveError(.notFound, "layer blob \(desc.digest) is missing")
        }
    }

    @Test func writesWhatItReadsBackAsBothFormats() throws {
        let a = try Image("a\n"), b = try Image("b\n")
        var blobs: [Digest: [UInt8]] = [:]
        for img in [a, b] { for x in [img.layer, img.config, img.manifestBytes] { blobs[Digest.of(x)] = x } }
        let images = [a, b].enumerated().map { i, img in
            SavedImage(manifest: img.manifest, manifestDigest: Digest.of(img.manifestBytes), manifestSize: Int64(img.manifestBytes.count),
                       manifestMediaType: MediaType.ociManifest, tags: i == 0 ? ["docker.io/library/a:latest"] : [],
                       repoTags: i == 0 ? ["a:latest"] : [])
        }
        let path = dir + "/out.tar"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try ImageArchiveWriter.write(images, from: Blobs(blobs: blobs), to: fd)
        close(fd)
        let archive = try read(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(archive.files["manifest.json"] != nil && archive.files["oci-layout"] != nil)
        let plans = try archive.plans(architecture: "amd64")
        #expect(plans.map(\.manifest) == [a.manifest, b.manifest])
        #expect(plans.map(\.tags) == [["docker.io/library/a:latest"], []])
        // the docker-archive side alone gives the same images
        var docker = archive
        docker.files["index.json"] = nil
        #expect(try docker.plans(architecture: "amd64").map(\.manifest.config) == [a.manifest.config, b.manifest.config])
        // a missing blob is the source's error
        #expect(throws: HiveError.self) {
            try ImageArchiveWriter.write(images, from: Blobs(blobs: [:]), to: open("/dev/null", O_WRONLY | O_CLOEXEC))
        }
    }

    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let path = dir + "/gz-\(UInt64.random(in: 0...UInt64.max))"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", "-f", path]
        try p.run()
        p.waitUntilExit()
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }
}
