// LayerCompressor (push's compression): what it writes decompresses to the
// tar it was given, both digests are the bytes' own, gzip output is the same
// for the same tar (a second push finds its blob), and an unreadable input fails.
import Glibc
import HiveOCI
import HivePlatform
import Testing

@testable import HiveArchive

@Suite struct LayerCompressorTests {
    func tempFile(_ bytes: [UInt8] = []) -> Int32 {
        var path = Array("/tmp/hive-compress-XXXXXX".utf8CString)
        let fd = mkstemp(&path)
        unlink(&path)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    func contents(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        lseek(fd, 0, SEEK_SET)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    func sampleTar() -> [UInt8] {
        var t = TarBuilder()
        t.add("etc", .dir, mode: 0o755)
        t.add("etc/motd", data: Array("hello from a pushed layer\n".utf8))
        // over several of parallel gzip's 1 MiB blocks, compressible and not
        t.add("big", data: (0..<3_300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
        var x: UInt32 = 12345
        t.add("noise", data: (0..<1_500_000).map { _ in x = x &* 1_103_515_245 &+ 12345; return UInt8(truncatingIfNeeded: x >> 16) })
        return t.finished()
    }

    @Test(arguments: [(LayerCompression.gzip, Int32(0)), (.gzip, 1), (.gzip, 3), (.zstd, 0), (.zstd, 2)])
    func compressedBytesUnpackToTheTar(_ kind: LayerCompression, _ threads: Int32) throws {
        let tar = sampleTar()
        let input = tempFile(tar), output = tempFile()
        defer { close(input); close(output) }
        let c = try LayerCompressor.compress(tarFD: input, kind, threads: threads, to: output, name: "test layer")
        #expect(c.diffID == Digest.of(tar))
        #expect(c.tarSize == Int64(tar.count))
        let blob = contents(output)
        #expect(c.digest == Digest.of(blob) && c.size == Int64(blob.count))
        #expect(c.size < c.tarSize)
        #expect(blob.prefix(4) == (kind == .gzip ? [0x1f, 0x8b, 0x08, 0x00] : [0x28, 0xb5, 0x2f, 0xfd]))
        lseek(output, 0, SEEK_SET)
        let stream = try LayerStream(fd: output, decompress: true, teeFD: -1, name: "test layer")
        #expect(try stream.digest(name: "test layer") == c.diffID)
    }

    @Test func gzipOfTheSameTarIsTheSameBlobWhateverTheThreads() throws {
        let tar = sampleTar()
        var digests: [Digest] = []
        for threads: Int32 in [1, 2, 4, 2] {
            let input = tempFile(tar), output = tempFile()
            defer { close(input); close(output) }
            digests.append(try LayerCompressor.compress(tarFD: input, .gzip, threads: threads, to: output, name: "test layer").digest)
        }
        #expect(Set(digests).count == 1)
    }

    @Test func anUnwritableOutputFails() throws {
        let input = tempFile(sampleTar())
        defer { close(input) }
        let readOnly = open("/dev/null", O_RDONLY)
        defer { close(readOnly) }
        #expect(throws: HiveError.self) { try LayerCompressor.compress(tarFD: input, .gzip, to: readOnly, name: "test layer") }
    }

    @Test func mediaTypesNameTheirCompression() {
        #expect(LayerCompression(mediaType: MediaType.dockerLayerGzip) == .gzip)
        #expect(LayerCompression(mediaType: MediaType.ociLayerZstd) == .zstd)
        #expect(LayerCompression(mediaType: MediaType.ociLayer) == nil)
        #expect(LayerCompression.zstd.dockerMediaType == nil)
    }
}
