// Found by fuzz-load: libarchive's filter_all forks and execs `lrzip -d`,
// `lzop -d` or `grzip -d` from PATH (as root, for `hive load`) when an
// archive or layer merely starts with their magic. Only in-process
// decompressors may run: fake programs on PATH must never be started.
import Glibc
import HiveOCI
import HivePlatform
import Testing
import CHivePlatform

@testable import HiveArchive

@Suite(.serialized) struct ArchiveFilterTests {
    static let magics: [(String, [UInt8])] = [
        ("lrzip", Array("LRZI".utf8) + [0, 6] + [UInt8](repeating: 0, count: 64)),
        ("lzop", [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a] + [UInt8](repeating: 0, count: 64)),
        ("grzip", Array("GRZipII".utf8) + [0, 2, 4, 0x3a, 0x29] + [UInt8](repeating: 0, count: 64)),
    ]
    /// The same, gzip-compressed: libarchive bids filters again on what gzip gives.
    static let gzipped: [(String, [UInt8])] = [
        ("lrzip", [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xf3, 0x09, 0x8a, 0xf2, 0x64, 0x60, 0x63,
                   0xa0, 0x10, 0x00, 0x00, 0xfb, 0x9e, 0x61, 0xf7, 0x46, 0x00, 0x00, 0x00]),
        ("lzop", [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xeb, 0xf4, 0x89, 0xf2, 0x67, 0xe0, 0xe5,
                  0x92, 0xe2, 0x62, 0xa0, 0x10, 0x00, 0x00, 0x76, 0x4c, 0x26, 0x0d, 0x49, 0x00, 0x00, 0x00]),
        ("grzip", [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x73, 0x0f, 0x8a, 0xca, 0x2c, 0xf0, 0xf4,
                   0x64, 0x60, 0x62, 0xb1, 0xd2, 0x64, 0xa0, 0x10, 0x00, 0x00, 0xdc, 0xc7, 0xea, 0x7b, 0x4c, 0x00, 0x00, 0x00]),
    ]

    /// Runs `body` with a directory of fake decompressors first on PATH;
    /// returns the names of those that ran.
    func withFakePrograms(_ body: () -> Void) throws -> [String] {
        var tmpl = Array("/tmp/hive-filters-XXXXXX".utf8CString)
        guard let dirp = mkdtemp(&tmpl) else { throw HiveError.errno("mkdtemp") }
        let dir = String(cString: dirp)
        defer { try? FileTree.remove(path: dir) }
        for (name, _) in ArchiveFilterTests.magics {
            let script = "#!/bin/sh\ntouch \(dir)/ran-\(name)\ncat >/dev/null\n"
            let fd = open(dir + "/" + name, O_WRONLY | O_CREAT | O_CLOEXEC, 0o755)
            _ = script.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        let oldPath = String(cString: getenv("PATH"))
        setenv("PATH", dir + ":" + oldPath, 1)
        body()
        setenv("PATH", oldPath, 1)
        return Files.names(in: dir).filter { $0.hasPrefix("ran-") }.sorted()
    }

    func memfd(_ bytes: [UInt8]) -> Int32 {
        let fd = hive_memfd("filter-test")
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    @Test func outerArchivesRunNoExternalDecompressor() throws {
        let ran = try withFakePrograms {
            for (name, bytes) in ArchiveFilterTests.magics + ArchiveFilterTests.gzipped {
                let fd = memfd(bytes)
                defer { close(fd) }
                do {
                    let r = try ArchiveReader(fd: fd, name: name)
                    while try r.next() != nil {}
                    Issue.record("\(name) magic read as an archive")
                } catch {}
            }
        }
        #expect(ran == [])
    }

    @Test func layersRunNoExternalDecompressor() throws {
        let ran = try withFakePrograms {
            for (name, bytes) in ArchiveFilterTests.magics + ArchiveFilterTests.gzipped {
                let fd = memfd(bytes)
                defer { close(fd) }
                _ = try? LayerStream(fd: fd, decompress: true, name: name).digest(name: name)
            }
        }
        #expect(ran == [])
    }

    @Test func gzipStillWorks() throws {
        // an empty tar (10240 zero bytes), gzip-compressed
        let fd = memfd([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00,
                        0x00, 0xc2, 0xa0, 0xf7, 0x4f, 0x6d, 0x0e, 0x37, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0x00, 0x00, 0x80, 0x37, 0x03, 0x9a, 0xde, 0x1d, 0x27, 0x00, 0x28, 0x00, 0x00])
        defer { close(fd) }
        let r = try ArchiveReader(fd: fd, name: "empty.tar.gz")
        #expect(try r.next() == nil)
    }
}
