// `hive logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`:
// the monitor's JSON-lines log, each line back to its stream.
import Glibc
import HiveEngine
import HiveOCI

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
        func readNew() -> [Substring] {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return [] }
            defer { close(fd) }
            lseek(fd, off_t(offset), SEEK_SET)
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            // only complete lines
            guard let lastNL = bytes.lastIndex(of: 10) else { return [] }
            offset += lastNL + 1
            return String(decoding: bytes[...lastNL], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        }
        var first = readNew()
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
