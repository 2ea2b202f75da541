// The json-file writer shared by hive-monitor and the foreground run
// (CHiveLaunch's hive_log_writer.h), read back by ContainerLog: records,
// splits, rotation within the bound, gzip of rotated files, attrs; and the
// options and -a streams as the CLI gives them. Real files in a temp dir.
import CHiveLaunch
import Glibc
import HiveArchive
import Testing
@testable import HivePlatform
@testable import HiveRuntime

@Suite struct ContainerLogWriterTests {
    func tempDir() -> String {
        var t = Array("/tmp/hive-logw.XXXXXX".utf8CString)
        return String(cString: mkdtemp(&t)!)
    }

    func write(_ w: ContainerLogWriter, _ text: String, stream: Int32 = 1) {
        var bytes = Array(text.utf8)
        hive_log_write(w.writer, stream, &bytes, bytes.count)
    }

    func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    @Test func recordsAndPartialLines() throws {
        let dir = tempDir()
        defer { _ = try? FileTree.remove(path: dir) }
        let w = ContainerLogWriter(dir: dir, maxSize: 0, maxFile: 1, compress: false)
        write(w, "one\ntw")
        write(w, "\"q\"\t\u{1}\nerr-", stream: 2)  // streams keep their own partial line
        write(w, "o\ntail")
        w.close()
        let e = ContainerLog(path: dir + "/log").readAll()
        #expect(e.map(\.log) == ["one\n", "\"q\"\t\u{1}\n", "two\n", "tail", "err-"])
        #expect(e.map(\.stream) == ["stdout", "stderr", "stdout", "stdout", "stderr"])
        #expect(e.allSatisfy { $0.timeNanos > 0 && $0.attrs == nil })
    }

    @Test func aLongLineIsSplit() throws {
        let dir = tempDir()
        defer { _ = try? FileTree.remove(path: dir) }
        let w = ContainerLogWriter(dir: dir, maxSize: 0, maxFile: 1, compress: false)
        write(w, String(repeating: "x", count: 40000) + "\n")
        w.close()
        let e = ContainerLog(path: dir + "/log").readAll()
        #expect(e.map(\.log.count) == [16384, 16384, 40000 - 32768 + 1])
        #expect(e.last!.log.hasSuffix("\n") && !e[0].log.hasSuffix("\n"))
    }

    @Test(arguments: [false, true])
    func rotationKeepsTheNewestWithinTheBound(compress: Bool) throws {
        let dir = tempDir()
        defer { _ = try? FileTree.remove(path: dir) }
        let w = ContainerLogWriter(dir: dir, maxSize: 2048, maxFile: 3, compress: compress)
        for i in 0..<500 { write(w, "line \(i)\n") }
        w.close()  // waits for the compression
        let ext = compress ? ".gz" : ""
        #expect(size(dir + "/log.1" + ext) > 0 && size(dir + "/log.2" + ext) > 0)
        #expect(size(dir + "/log.3" + ext) == -1 && size(dir + "/log.3") == -1)
        if compress { #expect(size(dir + "/log.1") == -1 && size(dir + "/log.1.gz.tmp") == -1) }
        else { #expect(size(dir + "/log") + size(dir + "/log.1") + size(dir + "/log.2") <= 3 * 2048) }
        let lines = ContainerLog(path: dir + "/log").readAll().map(\.log)
        #expect(lines.last == "line 499\n")
        let first = Int(lines[0].dropFirst(5).dropLast())!
        #expect(lines == (first..<500).map { "line \($0)\n" })
        #expect(first > 400)
    }

    @Test func gunzipRefusesWhatIsNotGzip() throws {
        let dir = tempDir()
        defer { _ = try? FileTree.remove(path: dir) }
        try Files.write(dir + "/log.1.gz", String(repeating: "not gzip ", count: 10))
        var buf: UnsafeMutablePointer<UInt8>? = nil
        var len = 0
        #expect(hive_log_gunzip(dir + "/log.1.gz", &buf, &len) == -1)
        #expect(ContainerLog(path: dir + "/log").readAll().isEmpty)
    }

    @Test func attrsFromTheFileAndDetails() throws {
        let dir = tempDir()
        defer { _ = try? FileTree.remove(path: dir) }
        let o = try LogOptions.parse(["labels=team,missing", "env=STAGE"])
        let attrs = o.attrs(labels: ["team": "blue", "other": "x"], env: ["PATH=/bin", "STAGE=a=b"])
        #expect(attrs == #"{"STAGE":"a=b","team":"blue"}"#)
        #expect(LogOptions().attrs(labels: ["a": "b"], env: []) == nil)
        try Files.write(dir + "/log-attrs", attrs!)
        let w = ContainerLogWriter(dir: dir, maxSize: 0, maxFile: 1, compress: false)
        write(w, "hello\n")
        w.close()
        let e = ContainerLog(path: dir + "/log").readAll()
        #expect(e.first?.attrs == ["STAGE": "a=b", "team": "blue"])
        #expect(e.first?.details == "STAGE=a%3Db,team=blue ")  // Go's url.QueryEscape, as Docker
    }

    @Test func optionsAndDrivers() throws {
        #expect(try LogOptions.parse(["compress=true", "max-file=2"]) == LogOptions(maxFile: 2, compress: true))
        #expect(try LogOptions.driver("none") == "none" && LogOptions.driver(nil) == nil)
        func message(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return (error as? HiveError)?.message ?? "\(error)" }
        }
        #expect(message { _ = try LogOptions.driver("syslog") } == "unknown log driver \"syslog\" (hive supports json-file and none)")
        #expect(message { _ = try LogOptions.parse(["max-size=1m"], driver: "none") } == "invalid --log-opt \"max-size=1m\": the none log driver takes no options")
        #expect(message { _ = try LogOptions.parse(["compress=yes"]) } == "invalid --log-opt compress=yes: true or false")
        #expect(message { _ = try LogOptions.parse(["labels="]) } == "invalid --log-opt labels=: a comma-separated list of names")
        #expect(message { try LogOptions.parse(["compress=true"]).check(maxFile: 1) }
                == "invalid --log-opt compress=true: compress cannot be true when max-file is less than 2")
        #expect(message { try LogOptions.parse(["compress=true"]).check(maxFile: 5) } == nil)
    }

    @Test func attachStreams() throws {
        #expect(try AttachStreams.parse([], interactive: false) == AttachStreams(stdin: false, stdout: true, stderr: true))
        #expect(try AttachStreams.parse([], interactive: true) == AttachStreams(stdin: true, stdout: true, stderr: true))
        #expect(try AttachStreams.parse(["STDOUT"], interactive: true) == AttachStreams(stdin: false, stdout: true, stderr: false))
        #expect(try AttachStreams.parse(["stdin", "stderr"], interactive: false) == AttachStreams(stdin: false, stdout: false, stderr: true))
        #expect(throws: HiveError.self) { try AttachStreams.parse(["tty"], interactive: false) }
    }
}
