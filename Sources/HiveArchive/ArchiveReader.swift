// Streaming reader for an outer archive (docker-archive / OCI layout tar),
// gzip or zstd compressed or not.
import CArchive
import CHiveTar
import Glibc
import HiveOCI
import HivePlatform

public final class ArchiveReader {
    public struct Entry {
        public var path: String
        public var isRegular: Bool
        public var isDirectory: Bool
        public var size: Int64
        /// Symlink target, for archives that link blobs (docker save of Docker < 25).
        public var symlink: String?
    }

    let a: OpaquePointer
    /// The libarchive handle, for the extractor.
    public var handle: OpaquePointer { a }
    private let name: String

    public init(fd: Int32, name: String) throws(HiveError) {
        a = archive_read_new()
        // in-process decompressors only: filter_all execs lrzip/lzop/grzip for their magic
        hive_archive_support_filters(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_gnutar(a)
        self.name = name
        guard archive_read_open_fd(a, fd, 1 << 20) == ARCHIVE_OK else {
            // deinit frees `a`: every stored property is set, so it runs on this throw.
            throw HiveError(.corrupt, "\(name) is not a readable archive", cause: Archive.errorString(a))
        }
    }

    deinit { archive_read_free(a) }

    /// The bytes read from the fd so far (compressed, if it was).
    public var bytesRead: Int64 { archive_filter_bytes(a, -1) }

    public func next() throws(HiveError) -> Entry? {
        var e: OpaquePointer?
        let r = archive_read_next_header(a, &e)
        if r == ARCHIVE_EOF { return nil }
        guard r >= ARCHIVE_WARN, let e else {
            throw HiveError(.corrupt, "\(name) is not a valid tar archive", cause: Archive.errorString(a))
        }
        let path = archive_entry_pathname(e).map { String(cString: $0) } ?? ""
        let type = UInt32(archive_entry_filetype(e))
        let link = archive_entry_symlink(e).map { String(cString: $0) } ?? archive_entry_hardlink(e).map { String(cString: $0) }
        return Entry(path: path, isRegular: type == S_IFREG && link == nil, isDirectory: type == S_IFDIR,
                     size: archive_entry_size(e), symlink: link)
    }

    /// Reads the current entry's data in chunks.
    public func read(into buf: UnsafeMutableRawBufferPointer) throws(HiveError) -> Int {
        let n = archive_read_data(a, buf.baseAddress, buf.count)
        if n < 0 { throw HiveError(.corrupt, "cannot read \(name)", cause: Archive.errorString(a)) }
        return n
    }

    private func readChunk(_ buf: inout [UInt8]) throws(HiveError) -> Int {
        let n = buf.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
        if n < 0 { throw HiveError(.corrupt, "cannot read \(name)", cause: Archive.errorString(a)) }
        return n
    }

    /// The whole current entry (for small JSON files), up to `limit` bytes.
    public func readAll(limit: Int, entry: String) throws(HiveError) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try readChunk(&buf)
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > limit { throw HiveError(.corrupt, "\(entry) in \(name) is larger than \(limit) bytes") }
        }
        return out
    }
}
