// Files.read(fd:limit:) holds no more than its limit, whatever size the
// file claims: a container can make its /etc/hosts a sparse terabyte.
import Glibc
import Testing
import HivePlatform

@Suite struct FilesReadLimitTests {
    /// A sparse file of `size` bytes starting with `head`, opened for reading (unlinked already).
    func sparse(_ head: String, size: Int) throws -> Int32 {
        var template = Array("/tmp/hive-files-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw HiveError.errno("mkstemp") }
        unlink(String(cString: template))
        let bytes = Array(head.utf8)
        #expect(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
        #expect(ftruncate(fd, off_t(size)) == 0)
        #expect(lseek(fd, 0, SEEK_SET) == 0)
        return fd
    }

    @Test func sparseTerabyteReadsOnlyTheLimit() throws {
        // a buffer sized from st_size (1 TiB) would fail to allocate and trap
        let fd = try sparse("127.0.0.1 localhost\n", size: 1 << 40)
        defer { close(fd) }
        let bytes = try #require(Files.read(fd: fd, limit: 4096))
        #expect(bytes.count == 4096)
        #expect(Array(bytes.prefix(20)) == Array("127.0.0.1 localhost\n".utf8))
        #expect(bytes.dropFirst(20).allSatisfy { $0 == 0 })
    }

    @Test func limitAcrossReads() throws {
        let fd = try sparse("", size: 200_000)
        defer { close(fd) }
        #expect(Files.read(fd: fd, limit: 100_001)?.count == 100_001)
    }

    @Test func smallFileWholeUnderTheLimit() throws {
        let fd = try sparse("abc", size: 3)
        defer { close(fd) }
        #expect(Files.read(fd: fd, limit: 1 << 20) == Array("abc".utf8))
        #expect(lseek(fd, 0, SEEK_SET) == 0)
        #expect(Files.read(fd: fd, limit: 2) == Array("ab".utf8))
        #expect(lseek(fd, 0, SEEK_SET) == 0)
        #expect(Files.read(fd: fd) == Array("abc".utf8))
    }
}
