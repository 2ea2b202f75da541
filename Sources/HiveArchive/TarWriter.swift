// Streaming tar writer (pax restricted, like docker save).
import CArchive
import CHivePlatform
import CHiveTar
import Glibc
import HiveOCI
import HivePlatform

public final class TarWriter {
    private let a: OpaquePointer
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private let mtime: Int

    public init(fd: Int32, mtime: Int = 0) throws(HiveError) {
        a = archive_write_new()
        archive_write_set_format_pax_restricted(a)
        archive_write_set_bytes_per_block(a, 10240)
        archive_write_set_bytes_in_last_block(a, 1)
        self.mtime = mtime
        guard archive_write_open_fd(a, fd) == ARCHIVE_OK else {
            throw HiveError(.io, "cannot write archive", cause: Archive.errorString(a))
        }
    }

    deinit { archive_write_free(a) }

    private func header(_ path: String, type: UInt32, size: Int64, mode: UInt32) throws(HiveError) {
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        archive_entry_set_pathname(e, path)
        archive_entry_set_filetype(e, type)
        archive_entry_set_perm(e, mode_t(mode))
        archive_entry_set_size(e, size)
        archive_entry_set_mtime(e, mtime, 0)
        guard archive_write_header(a, e) == ARCHIVE_OK else {
            throw HiveError(.io, "cannot write archive entry \(path)", cause: Archive.errorString(a))
        }
    }

    public func addDirectory(_ path: String) throws(HiveError) {
        try header(path, type: S_IFDIR, size: 0, mode: 0o755)
    }

    public func addFile(_ path: String, bytes: [UInt8]) throws(HiveError) {
        try header(path, type: S_IFREG, size: Int64(bytes.count), mode: 0o644)
        let n = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw HiveError(.io, "cannot write archive entry \(path)", cause: Archive.errorString(a)) }
    }

    /// Copies `size` bytes from `fd` as a regular file entry.
    public func addFile(_ path: String, from fd: Int32, size: Int64) throws(HiveError) {
        try header(path, type: S_IFREG, size: size, mode: 0o644)
        var left = size
        while left > 0 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, Int(left))) }
            if n < 0 && Glibc.errno == EINTR { continue }
            guard n > 0 else { throw HiveError.errno("cannot read \(path) while writing the archive") }
            let w = buffer.withUnsafeBytes { archive_write_data(a, $0.baseAddress, n) }
            guard w == n else { throw HiveError(.io, "cannot write archive entry \(path)", cause: Archive.errorString(a)) }
            left -= Int64(n)
        }
    }

    /// Writes a layer rebuilt from its tar-split and extracted files, and
    /// checks that it is exactly `size` bytes with digest `digest`.
    public func addSplitLayer(_ path: String, size: Int64, digest: Digest, splitFD: Int32, rootFD: Int32, paths: [String]) throws(HiveError) {
        try header(path, type: S_IFREG, size: size, mode: 0o644)
        let sha = hive_sha256_new()!
        defer { hive_sha256_free(sha) }
        var err = [CChar](repeating: 0, count: 512)
        var cpaths = paths.map { strdup($0) }
        defer { for p in cpaths { free(p) } }
        let n = cpaths.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                hive_split_copy(splitFD, rootFD, $0, buf.count, a, sha, &err, err.count)
            }
        }
        guard n >= 0 else {
            throw HiveError(.corrupt, "layer \(digest) no longer matches its digest (remove and re-load the image)", cause: String(cString: err))
        }
        var raw = [UInt8](repeating: 0, count: 32)
        hive_sha256_final(sha, &raw)
        guard n == size, Digest(raw: raw) == digest else {
            throw HiveError(.corrupt, "layer \(digest) no longer matches its digest (its files were modified; remove and re-load the image)")
        }
    }

    /// The size of the tar the tar-split `splitFD` rebuilds (what
    /// addSplitLayer writes), read from the split alone.
    public static func splitTarSize(_ splitFD: Int32, layer: String) throws(HiveError) -> Int64 {
        var err = [CChar](repeating: 0, count: 256)
        let n = hive_split_size(splitFD, &err, err.count)
        guard n >= 0 else { throw HiveError(.corrupt, "the tar-split of layer \(layer) is corrupt", cause: String(cString: err)) }
        return n
    }

    /// Writes the object `o` (see TreeWalk.swift) as entry `name`, with numeric
    /// owners: a directory or fifo or device as an entry only, a symlink with
    /// its target, a regular file with the content of that very inode (never
    /// of what its name points to now). Sockets are not content: false.
    /// A file that shrinks while it is read is padded with zeros; growth past
    /// the size in its header is not read.
    @discardableResult
    public func add(_ name: String, _ o: TreeObject) throws(HiveError) -> Bool {
        var st = o.st
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        archive_entry_set_pathname(e, name)
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        switch o.type {
        case S_IFDIR: archive_entry_set_filetype(e, hive_ae_ifdir())
        case S_IFREG:
            (fd, st) = try o.openContent(name)
            archive_entry_set_filetype(e, hive_ae_ifreg())
            archive_entry_set_size(e, la_int64_t(st.st_size))
        case S_IFLNK:
            archive_entry_set_filetype(e, hive_ae_iflnk())
            archive_entry_set_symlink(e, try o.linkTarget(name))
        case S_IFCHR, S_IFBLK, S_IFIFO:
            archive_entry_set_filetype(e, UInt32(o.type))
            archive_entry_set_rdev(e, st.st_rdev)
        default:
            return false
        }
        archive_entry_set_perm(e, mode_t(st.st_mode & 0o7777))
        archive_entry_set_uid(e, la_int64_t(st.st_uid))
        archive_entry_set_gid(e, la_int64_t(st.st_gid))
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
        guard archive_write_header(a, e) == ARCHIVE_OK else {
            throw HiveError(.io, "cannot write archive entry \(name)", cause: Archive.errorString(a))
        }
        guard fd >= 0 else { return true }
        var left = Int(st.st_size)
        while left > 0 {
            var n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, left)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw HiveError.errno("cannot read \(name)") }
            if n == 0 {
                // truncated meanwhile: the header promised `left` more bytes
                n = min(buffer.count, left)
                for j in 0..<n { buffer[j] = 0 }
            }
            let w = buffer.withUnsafeBytes { archive_write_data(a, $0.baseAddress, n) }
            guard w == n else { throw HiveError(.io, "cannot write archive entry \(name)", cause: Archive.errorString(a)) }
            left -= n
        }
        return true
    }

    /// An empty regular file entry (OCI whiteouts).
    public func addEmpty(_ name: String) throws(HiveError) {
        try header(name, type: S_IFREG, size: 0, mode: 0o644)
    }

    public func finish() throws(HiveError) {
        guard archive_write_close(a) == ARCHIVE_OK else {
            throw HiveError(.io, "cannot finish archive", cause: Archive.errorString(a))
        }
    }
}
