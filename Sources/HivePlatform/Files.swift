// Whole-file reads and writes through POSIX calls (no Foundation): state
// files, /proc and /sys entries, small config files.
import CHivePlatform
import Glibc

public enum Files {
    /// An anonymous memory file (memfd_create, close-on-exec): its fd, or -1 with errno.
    public static func memfd(_ name: String) -> Int32 { hive_memfd(name) }

    /// pipe2 with O_CLOEXEC on both ends: 0, or -1 with errno.
    public static func pipeCloexec(_ fds: inout [Int32]) -> Int32 { hive_pipe_cloexec(&fds) }

    /// syncfs(2) on the filesystem holding `fd`.
    public static func syncfs(_ fd: Int32) -> Int32 { hive_syncfs(fd) }

    /// The whole file, or nil if it cannot be opened or read.
    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return read(fd: fd)
    }

    /// The rest of an open file (the caller closes it), or nil on a read error;
    /// at most `limit` bytes (a file someone else writes may grow, or claim a
    /// sparse size far beyond what the caller means to hold).
    public static func read(fd: Int32, limit: Int = .max) -> [UInt8]? {
        var st = stat()
        // room for the whole file and one byte more (to see the end in one read),
        // never more than the limit; /proc and /sys files report size 0 and grow
        // the buffer as they go
        var capacity = fstat(fd, &st) == 0 && st.st_size > 0 ? min(Int(st.st_size), limit - 1) + 1 : min(4096, limit)
        var out: [UInt8] = []
        while out.count < limit {
            let want = min(capacity, limit - out.count)
            var n = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buf, count in
                n = Glibc.read(fd, buf.baseAddress, want)
                count = max(n, 0)
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return out }
            if out.isEmpty { out = chunk } else { out += chunk }
            capacity = max(capacity, 65536)
        }
        return out
    }

    public static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes (truncating) the whole file.
    public static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws(HiveError) {
        try write(path, bytes: Array(text.utf8), mode: mode)
    }

    /// Writes (truncating) the whole file.
    public static func write(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws(HiveError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw HiveError.errno("cannot write \(path)") }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HiveError.errno("cannot write \(path)") }
            off += n
        }
    }

    /// The entries of a directory (no `.` and `..`); empty if it cannot be read.
    public static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let ent = readdir(dir) {
            let child = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if child != "." && child != ".." { out.append(child) }
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace (spaces, tabs, newlines).
    /// Without leading and trailing ASCII whitespace (scanned as bytes: the
    /// Character-based version cost ~0.3 ms of runtime type lookups per command).
    public var trimmed: String {
        let bytes = Array(utf8)
        func space(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }
        var start = 0, end = bytes.count
        while start < end, space(bytes[start]) { start += 1 }
        while end > start, space(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
