// A temp file written and hashed at once: a blob before it is stored
// (HiveStore moves it into blobs/ under its digest), or a large file of an
// image archive while it is read.
import Glibc
import HiveOCI
import HivePlatform

public final class BlobWriter {
    public let tempPath: String
    public let fd: Int32
    private let hasher = SHA256()
    public private(set) var size: Int64 = 0

    public init(path tempPath: String) throws(HiveError) {
        self.tempPath = tempPath
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HiveError.errno("cannot create \(tempPath)") }
    }

    deinit { close(fd) }

    public func write(_ buf: UnsafeRawBufferPointer) throws(HiveError) {
        hasher.update(buf)
        var done = 0
        while done < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw HiveError.errno("cannot write \(tempPath)")
            }
            done += n
        }
        size += Int64(buf.count)
    }

    public func write(_ bytes: [UInt8]) throws(HiveError) {
        let r: Result<Void, HiveError> = bytes.withUnsafeBytes { b in
            do throws(HiveError) { try write(b); return .success(()) } catch { return .failure(error) }
        }
        try r.get()
    }

    /// Finishes: the digest of everything written.
    public func finish() -> Digest { hasher.finalize() }
}
