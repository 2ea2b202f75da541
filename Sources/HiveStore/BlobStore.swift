// Content-addressed blobs (STYLE.md 11): hash while streaming into a temp
// file (HiveArchive's BlobWriter), fsync, atomic rename. An existing blob is success.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

extension Store {
    public func blobPath(_ d: Digest) -> String { blobsDir + "/" + d.hex }

    public func hasBlob(_ d: Digest) -> Bool { access(blobPath(d), F_OK) == 0 }

    /// Moves a finished temp file into the store under `digest`, after fsync.
    public func commitBlob(tempPath: String, fd: Int32, digest: Digest) throws(HiveError) {
        guard fsync(fd) == 0 else { throw HiveError.errno("cannot sync \(tempPath)") }
        guard rename(tempPath, blobPath(digest)) == 0 else { throw HiveError.errno("cannot store blob \(digest)") }
    }

    /// Stores small bytes (manifests, configs) as a blob.
    @discardableResult
    public func putBlob(_ bytes: [UInt8], tempDir: String) throws(HiveError) -> Digest {
        let d = Digest.of(bytes)
        if hasBlob(d) { return d }
        let w = try BlobWriter(path: tempDir + "/blob-" + d.hex)
        try w.write(bytes)
        try commitBlob(tempPath: w.tempPath, fd: w.fd, digest: d)
        return d
    }

    /// Reads a whole (small) blob, verifying its digest.
    public func readBlob(_ d: Digest, limit: Int = 64 << 20) throws(HiveError) -> [UInt8] {
        let fd = open(blobPath(d), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError(.notFound, "blob \(d) is missing from the store", cause: String(cString: strerror(Glibc.errno))) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && Glibc.errno == EINTR { continue }
            guard n >= 0 else { throw HiveError.errno("cannot read blob \(d)") }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            guard out.count <= limit else { throw HiveError(.corrupt, "blob \(d) is too large") }
        }
        guard Digest.of(out) == d else { throw HiveError(.corrupt, "blob \(d) is corrupt: its content does not match its digest") }
        return out
    }

    public func blobSize(_ d: Digest) -> Int64? {
        var st = stat()
        return stat(blobPath(d), &st) == 0 ? Int64(st.st_size) : nil
    }
}
