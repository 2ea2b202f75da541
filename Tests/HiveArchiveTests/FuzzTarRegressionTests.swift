// Layers fuzz-tar (Fuzz/, `make fuzz`) once crashed on, kept in
// Fuzz/regressions/fuzz-tar/: each extracts (or is refused) without
// crashing, and nothing lands outside the root.
import Glibc
import HiveOCI
import HivePlatform
import Testing
import CHivePlatform

@testable import HiveArchive

@Suite struct FuzzTarRegressionTests {
    static func inputs() -> [(String, [UInt8])] {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        let dir = parts.joined(separator: "/") + "/Fuzz/regressions/fuzz-tar"
        return Files.names(in: dir).sorted().compactMap { n in Files.read(dir + "/" + n).map { (n, $0) } }
    }

    @Test func regressionLayersExtractInsideTheRoot() throws {
        let inputs = FuzzTarRegressionTests.inputs()
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            var tmpl = Array("/tmp/hive-fuzzreg-XXXXXX".utf8CString)
            guard let p = mkdtemp(&tmpl) else { throw HiveError.errno("mkdtemp") }
            let dir = String(cString: p)
            defer { try? FileTree.remove(path: dir) }
            #expect(mkdir(dir + "/root", 0o755) == 0)
            let root = open(dir + "/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { close(root) }
            let fd = hive_memfd(name)
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            lseek(fd, 0, SEEK_SET)
            // a tar-split is written too: the pax scanner that crashed runs for it
            let split = hive_memfd("split")
            defer { close(split) }
            if let stream = try? LayerStream(fd: fd, decompress: true, splitFD: split, name: name) {
                if let (_, stats, _) = try? stream.extract(into: root, name: name) { _ = stream.splitPaths(stats) }
            }
            #expect(Files.names(in: dir) == ["root"], "\(name)")
        }
    }

    /// The crash, reduced: a pax record "1 path=x\0..." is shorter than its own
    /// length field and space, so the scanner's key/value length wrapped and it
    /// read past its buffer (copying heap bytes as a "NUL name" and refusing
    /// the layer; a segfault under AddressSanitizer). libarchive ignores the
    /// malformed record, and so must the scanner.
    @Test func paxRecordShorterThanItsLengthField() throws {
        var t = TarBuilder()
        t.add("PaxHeaders/x", .pax, data: Array("1 path=x\u{0}zzzz\n".utf8))
        t.add("x", data: [1])
        var tmpl = Array("/tmp/hive-fuzzreg-XXXXXX".utf8CString)
        guard let p = mkdtemp(&tmpl) else { throw HiveError.errno("mkdtemp") }
        let dir = String(cString: p)
        defer { try? FileTree.remove(path: dir) }
        let root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(root) }
        let fd = hive_memfd("pax")
        defer { close(fd) }
        let bytes = t.finished()
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        lseek(fd, 0, SEEK_SET)
        let stream = try LayerStream(fd: fd, decompress: true, name: "pax layer")
        #expect(throws: Never.self) { _ = try stream.extract(into: root, name: "pax layer") }
        #expect(Files.read(dir + "/x") == [1])
    }
}
