// LayerCompressor (push's compression): what it writes decompresses to the
// tar it was given, both digests are the bytes' own, gzip output is the same
// for the same tar (a second push finds its blob), and an unreadable input fails.
// gzip is one member per MiB of tar (libdeflate): hive's own reader (pull and
// load), gzip -t / gzip -dc and Python's gzip read the members as one file.
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
        for threads: Int32 in [0, 1, 2, 4, 2] {
            let input = tempFile(tar), output = tempFile()
            defer { close(input); close(output) }
            digests.append(try LayerCompressor.compress(tarFD: input, .gzip, threads: threads, to: output, name: "test layer").digest)
        }
        #expect(Set(digests).count == 1)
    }

    /// Writes `bytes` to a new file under /tmp; returns its path.
    func namedFile(_ bytes: [UInt8], _ name: String) -> String {
        let path = "/tmp/hive-compress-\(UInt64.random(in: 0...UInt64.max))-" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }

    /// gzip -t, gzip -dc and Python's gzip on `blob`: each must give `tar`;
    /// returns the number of gzip members Python's zlib finds (Tests/fixtures/gzip-members.py).
    func membersReadByGzipAndPython(_ blob: [UInt8], tar: [UInt8]) throws -> Int {
        let blobPath = namedFile(blob, "layer.gz"), tarPath = namedFile(tar, "layer.tar")
        defer { unlink(blobPath); unlink(tarPath) }
        let env = ["PATH=/usr/bin:/bin"]
        let gz = try HostProcess.run(["/bin/sh", "-c", "gzip -t \"$0\" && gzip -dc \"$0\" | cmp - \"$1\"", blobPath, tarPath],
                                     environment: env, timeoutNanos: 60_000_000_000, what: "gzip")
        #expect(gz.status == 0, "gzip: \(gz.stderr)")
        let script = "/" + #filePath.split(separator: "/").dropLast(2).joined(separator: "/") + "/fixtures/gzip-members.py"
        let py = try HostProcess.run(["/usr/bin/python3", script, blobPath, tarPath], environment: env,
                                     timeoutNanos: 60_000_000_000, what: "python3")
        #expect(py.status == 0, "python3: \(py.stderr)")
        return Int(py.stdout.split(separator: "\n").first ?? "") ?? -1
    }

    func gzipBlob(_ tar: [UInt8], threads: Int32, level: Int32? = nil) throws -> (CompressedLayer, [UInt8]) {
        let input = tempFile(tar), output = tempFile()
        defer { close(input); close(output) }
        let c = try LayerCompressor.compress(tarFD: input, .gzip, level: level, threads: threads, to: output, name: "test layer")
        return (c, contents(output))
    }

    @Test(arguments: [Int32(0), 2])
    func gzipIsOneMemberPerMiBThatGzipAndPythonRead(_ threads: Int32) throws {
        let mib = 1 << 20
        let sample = sampleTar()
        var x: UInt32 = 7
        let exact = (0..<(2 * mib)).map { i in x = x &* 1_103_515_245 &+ 12345; return UInt8(truncatingIfNeeded: i % 3 == 0 ? x >> 16 : 0) }
        // the sample (4.8 MB: 5 members), exactly 2 MiB (2: no empty member after), empty (1: gzip is never empty)
        for (tar, members) in [(sample, (sample.count + mib - 1) / mib), (exact, 2), ([], 1)] {
            let (c, blob) = try gzipBlob(tar, threads: threads)
            #expect(c.diffID == Digest.of(tar) && c.digest == Digest.of(blob))
            #expect(try membersReadByGzipAndPython(blob, tar: tar) == members)
        }
    }

    /// The pull and load path (LayerStream over libarchive) reads every member:
    /// it extracts all the files of a layer over several MiB.
    @Test func hiveExtractsEveryMember() throws {
        let tar = sampleTar()
        let (c, blob) = try gzipBlob(tar, threads: 2)
        let fd = tempFile(blob)
        defer { close(fd) }
        var tmpl = Array("/tmp/hive-compress-root-XXXXXX".utf8CString)
        let root = String(cString: mkdtemp(&tmpl)!)
        defer { try? FileTree.remove(path: root) }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(rootFD) }
        let stream = try LayerStream(fd: fd, decompress: true, teeFD: -1, name: "test layer")
        let (diffID, _, _) = try stream.extract(into: rootFD, name: "test layer")
        #expect(diffID == c.diffID)
        var st = stat()
        #expect(stat(root + "/noise", &st) == 0 && st.st_size == 1_500_000)
        #expect(stat(root + "/big", &st) == 0 && st.st_size == 3_300_000)
    }

    @Test func gzipLevelsAreLibdeflates() throws {
        let tar = sampleTar()
        let (fast, fastBlob) = try gzipBlob(tar, threads: 2, level: 1)
        let (best, bestBlob) = try gzipBlob(tar, threads: 2, level: 12)
        #expect(best.size < fast.size)
        #expect(try membersReadByGzipAndPython(bestBlob, tar: tar) == (tar.count + (1 << 20) - 1) >> 20)
        #expect(fastBlob != bestBlob)
        for level: Int32 in [0, 13] {
            do {
                _ = try gzipBlob(tar, threads: 2, level: level)
                Issue.record("level \(level) was taken")
            } catch {
                #expect("\(error)".contains("gzip level \(level) is not 1-12"), "\(error)")
            }
        }
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
