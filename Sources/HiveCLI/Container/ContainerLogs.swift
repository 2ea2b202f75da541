// `hive logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`:
// the monitor's JSON-lines log, each line back to its stream, across the
// rotated files (log.N ... log.1, then log; see Engine+Logs). A line the
// monitor split into records comes back whole: only its last record ends
// in "\n".
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ContainerLogs {
    static let def = CommandDef(
        name: "logs", aliases: ["logs", "container logs"], usage: "[OPTIONS] CONTAINER",
        summary: "Fetch the logs of a container",
        options: [
            .flag("follow", "f", "Follow log output"),
            .value("tail", "n", "string", "Number of lines to show from the end of the logs (default \"all\")"),
            .value("since", nil, "string", "Show logs since timestamp or relative (e.g. 42m)"),
            .value("until", nil, "string", "Show logs before a timestamp or relative (e.g. 42m)"),
            .flag("timestamps", "t", "Show timestamps"),
        ], run: run)

    struct Entry: Decodable { var log: String; var stream: String; var time: String }

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let engine = try c.engine()
        let (path, _) = try engine.logPath(c.args.positionals[0])
        let since = try c.args.value("since").map(Engine.parseTimeFilter)
        let until = try c.args.value("until").map(Engine.parseTimeFilter)
        var tail: Int? = nil
        if let t = c.args.value("tail"), t != "all" {
            guard let n = Int(t), n >= 0 else { throw HiveError(.invalidArgument, "invalid --tail \"\(t)\" (a number or all)") }
            tail = n
        }
        let stamps = c.args.flag("timestamps")
        var offset = 0
        var inode: ino_t = 0
        func emit(_ lines: [Substring]) {
            for raw in lines where !raw.isEmpty {
                guard let e = try? JSONCoding.decode(Entry.self, from: Array(raw.utf8)) else { continue }
                let t = Timestamp(rfc3339: e.time)?.unixNanos ?? 0
                if let since, t < since { continue }
                if let until, t > until { continue }
                let text = (stamps ? e.time + " " : "") + e.log
                if e.stream == "stderr" { c.out.flush(); c.err.write(text); c.err.flush() } else { c.out.write(text) }
            }
            c.out.flush()
        }
        /// The complete lines of `file` from `from`; advances `from` past them.
        func lines(_ file: String, from: inout Int, expect: ino_t? = nil) -> [Substring] {
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return [] }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, expect == nil || st.st_ino == expect else { return [] }
            if Int(st.st_size) < from { from = 0 }  // started again (max-file=1)
            lseek(fd, off_t(from), SEEK_SET)
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            // only complete lines
            guard let lastNL = bytes.lastIndex(of: 10) else { return [] }
            from += lastNL + 1
            return String(decoding: bytes[...lastNL], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        }
        /// What the live log gained since the last call; when it rotated, first the rest of the file it was.
        func readNew() -> [Substring] {
            var st = stat()
            guard stat(path, &st) == 0 else { return [] }
            var out: [Substring] = []
            if inode != 0 && st.st_ino != inode {
                out = lines(path + ".1", from: &offset, expect: inode)
                offset = 0
            }
            inode = st.st_ino
            return out + lines(path, from: &offset, expect: inode)
        }
        /// The rotated files, oldest first.
        func rotated() -> [Substring] {
            var files: [String] = []
            while access(path + ".\(files.count + 1)", F_OK) == 0 { files.append(path + ".\(files.count + 1)") }
            var out: [Substring] = []
            for f in files.reversed() {
                var from = 0
                out += lines(f, from: &from)
            }
            return out
        }
        var first = rotated() + readNew()
        if let tail { first = Array(first.filter { !$0.isEmpty }.suffix(tail)) }
        emit(first)
        if c.args.flag("follow") {
            while true {
                let running = engine.isRunning(c.args.positionals[0])
                emit(readNew())
                if !running { break }
                usleep(50_000)
            }
            emit(readNew())
        }
        return 0
    }
}
