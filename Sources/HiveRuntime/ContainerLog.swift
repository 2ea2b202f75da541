// A container's log as hive-monitor and the foreground run write it
// (CHiveLaunch's hive_log_writer.h): JSON lines {"log": text, "stream":
// "stdout"|"stderr", "attrs": {...} (with --log-opt labels=/env=), "time":
// RFC 3339}, rotated (log.N ... log.1, then the live log) at max-size,
// keeping max-file files; with compress=true the rotated ones are log.N.gz.
// A line longer than 16 KiB is split into records; only its last ends in
// "\n". The reader reads across the rotated files and follows the live one
// through rotations (a renamed file is finished before the new one starts).
import CHiveLaunch
import Glibc
import HivePlatform

public final class ContainerLog {
    /// One record of the log.
    public struct Entry: Decodable, Equatable, Sendable {
        public var log: String
        public var stream: String
        public var time: String
        /// --log-opt labels=/env=: the container's values (`logs --details`).
        public var attrs: [String: String]?

        public init(log: String, stream: String, time: String, attrs: [String: String]? = nil) {
            self.log = log
            self.stream = stream
            self.time = time
            self.attrs = attrs
        }

        /// `logs --details`: Docker's "k=v,k2=v2 " before the line: sorted,
        /// keys and values query-escaped (Go's url.QueryEscape), and the space
        /// even without attrs (Docker's attrsByteSlice + ' ').
        public var details: String {
            guard let attrs, !attrs.isEmpty else { return " " }
            return attrs.keys.sorted().map { Entry.queryEscape($0) + "=" + Entry.queryEscape(attrs[$0]!) }.joined(separator: ",") + " "
        }

        /// Go's url.QueryEscape: unreserved bytes kept, space as +, the rest %XX.
        static func queryEscape(_ s: String) -> String {
            var out = ""
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                    out.unicodeScalars.append(Unicode.Scalar(b))
                case UInt8(ascii: " "): out += "+"
                default:
                    let hex = Array("0123456789ABCDEF".utf8)
                    out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
                }
            }
            return out
        }

        /// `logs -t`: the record's time as Docker prints it (RFC3339NanoFixed: nine digits, UTC).
        public var fixedTime: String {
            guard let t = Timestamp(rfc3339: time) else { return time }
            var s = Timestamp(unixNanos: t.unixNanos - Int64(t.nanoseconds)).rfc3339
            s.removeLast()  // "Z"
            let frac = String(t.nanoseconds)
            return s + "." + String(repeating: "0", count: 9 - frac.count) + frac + "Z"
        }

        /// The record's time (0 if it has none that parses).
        public var timeNanos: Int64 { Timestamp(rfc3339: time)?.unixNanos ?? 0 }

        /// One line of the log (nil if it is not a record).
        public static func decode<S: StringProtocol>(_ line: S) -> Entry? { try? JSONCoding.decode(Entry.self, from: Array(line.utf8)) }
    }

    /// The live log (`containers/ID/log`).
    public let path: String
    /// How far the live file has been read, and which file that was.
    private var offset = 0
    private var inode: ino_t = 0

    public init(path: String) { self.path = path }

    /// What is in the log now: the rotated files, oldest first, then the
    /// live one; with `tail`, only the last `tail` lines.
    public func readAll(tail: Int? = nil) -> [Entry] {
        var lines = rotated() + newLines()
        if let tail { lines = Array(lines.filter { !$0.isEmpty }.suffix(tail)) }
        return lines.compactMap(ContainerLog.entry)
    }

    /// What the live log gained since the last read; when it rotated, first
    /// the rest of the file it was.
    public func readNew() -> [Entry] { newLines().compactMap(ContainerLog.entry) }

    static func entry(_ raw: Substring) -> Entry? { raw.isEmpty ? nil : Entry.decode(raw) }

    func newLines() -> [Substring] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [] }
        var out: [Substring] = []
        if inode != 0 && st.st_ino != inode {
            var old = stat()
            if stat(path + ".1", &old) == 0 && old.st_ino == inode {
                out = ContainerLog.lines(path + ".1", from: &offset, expect: inode)
            } else {  // compressed already (compress=true): its lines past what was read
                var skipped = 0
                out = ContainerLog.gunzippedLines(path + ".1.gz").drop { line in
                    defer { skipped += line.utf8.count + 1 }
                    return skipped < offset
                }.map { $0 }
            }
            offset = 0
        }
        inode = st.st_ino
        return out + ContainerLog.lines(path, from: &offset, expect: inode)
    }

    /// The rotated files' lines, oldest first: log.N.gz (complete once it
    /// exists) or else log.N (not compressed, or being compressed).
    func rotated() -> [Substring] {
        var files: [String] = []
        while true {
            let n = path + ".\(files.count + 1)"
            if access(n + ".gz", F_OK) == 0 { files.append(n + ".gz") } else if access(n, F_OK) == 0 { files.append(n) } else { break }
        }
        var out: [Substring] = []
        for f in files.reversed() {
            if f.hasSuffix(".gz") {
                out += ContainerLog.gunzippedLines(f)
                continue
            }
            var from = 0
            out += ContainerLog.lines(f, from: &from)
        }
        return out
    }

    /// The complete lines of a compressed rotated file.
    static func gunzippedLines(_ file: String) -> [Substring] {
        var buf: UnsafeMutablePointer<UInt8>? = nil
        var len = 0
        guard hive_log_gunzip(file, &buf, &len) == 0, let buf else { return [] }
        defer { free(buf) }
        let bytes = UnsafeBufferPointer(start: buf, count: len)
        guard let lastNL = bytes.lastIndex(of: 10) else { return [] }
        return String(decoding: bytes[...lastNL], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The complete lines of `file` from byte `from`; advances `from` past
    /// them. `expect`: the inode the file must be (else nothing is read).
    static func lines(_ file: String, from: inout Int, expect: ino_t? = nil) -> [Substring] {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, expect == nil || st.st_ino == expect else { return [] }
        if Int(st.st_size) < from { from = 0 }  // started again (max-file=1)
        lseek(fd, off_t(from), SEEK_SET)
        let bytes = Files.read(fd: fd) ?? []
        // only complete lines
        guard let lastNL = bytes.lastIndex(of: 10) else { return [] }
        from += lastNL + 1
        return String(decoding: bytes[...lastNL], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }
}
