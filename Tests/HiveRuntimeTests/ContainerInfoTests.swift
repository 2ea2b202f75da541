import Glibc
import HivePlatform
@testable import HiveRuntime
import Testing

/// What `top`, `stats` and `logs` read of a container, on files laid out as
/// procfs, cgroupfs and hive-monitor lay them out.
@Suite final class ContainerInfoTests {
    let base: String

    init() {
        var template = Array("/tmp/containerinfo.XXXXXX".utf8CString)
        base = String(cString: mkdtemp(&template)!)
    }

    deinit { Self.remove(base) }

    static func remove(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for n in Files.names(in: path) { remove(path + "/" + n) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    func write(_ rel: String, _ text: String) throws {
        var dir = ""
        for c in rel.split(separator: "/").dropLast() {
            dir += "/" + c
            mkdir(base + dir, 0o755)
        }
        try Files.write(base + "/" + rel, text)
    }

    // MARK: - top

    @Test func processesFromInitThroughTheChildrenLists() throws {
        try write("proc/10/task/10/children", "11 12 ")
        try write("proc/11/task/11/children", "13")
        try write("proc/12/task/12/children", "")
        try write("proc/10/cmdline", "sh\0-c\0sleep 1\0")
        try write("proc/11/cmdline", "sleep\0" + "100\0")
        try write("proc/13/cmdline", "")
        #expect(ContainerProcesses.pids(from: 10, proc: base + "/proc") == [10, 11, 12, 13])
        let list = ContainerProcesses.list(from: 10, proc: base + "/proc")
        #expect(list.map(\.command) == ["sh -c sleep 1", "sleep 100", "", ""])
        #expect(list[0] == ContainerProcess(uid: String(getuid()), pid: 10, command: "sh -c sleep 1"))
        // 12 has no cmdline (a process that is gone), 14 no directory at all
        #expect(ContainerProcesses.list(from: 14, proc: base + "/proc") == [ContainerProcess(uid: "?", pid: 14, command: "")])
    }

    @Test func topOfThisProcess() {
        let me = ContainerProcesses.list(from: getpid())
        #expect(me.first?.pid == getpid())
        #expect(me.first?.uid == String(getuid()))
        #expect(me.first?.command.isEmpty == false)
    }

    // MARK: - stats

    @Test func statsFromTheRecordedGroups() throws {
        try write("v2/memory.current", "4096\n")
        try write("v2/memory.max", "max\n")
        try write("v2/memory.stat", "anon 1024\ninactive_file 1000\n")
        try write("v2/pids.current", "3\n")
        try write("v2/cpu.stat", "usage_usec 1500\nuser_usec 1000\n")
        try write("v2/io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n")
        try write("v1mem/memory.usage_in_bytes", "8192\n")
        try write("v1mem/memory.limit_in_bytes", "1048576\n")
        try write("v1mem/memory.stat", "cache 10\ntotal_inactive_file 192\n")
        try write("ctr/cgroups", "\(base)/v2\n")
        #expect(Cgroups.recorded(containerDir: base + "/ctr") == [base + "/v2"])
        let v2 = Cgroups.sample(dirs: Cgroups.recorded(containerDir: base + "/ctr"), pid: nil)
        // usage less the inactive page cache; no limit: the host's memory
        #expect(v2.memory == 3096 && v2.memoryLimit == Cgroups.hostMemory() && v2.pids == 3)
        #expect(Cgroups.hostMemory() > 0)
        #expect(v2.cpuNanos == 1_500_000 && v2.blockRead == 101 && v2.blockWrite == 202)
        try write("ctr/cgroups", "\(base)/v1mem\n\(base)/v1pids\n")
        let v1 = Cgroups.sample(dirs: Cgroups.recorded(containerDir: base + "/ctr"), pid: nil)
        #expect(v1.memory == 8000 && v1.memoryLimit == 1_048_576 && v1.pids == nil)
        #expect(Cgroups.recorded(containerDir: base + "/none").isEmpty)
        // this process's network namespace: lo is left out
        let me = Cgroups.sample(dirs: [], pid: getpid())
        #expect(me.memory == nil && me.netRx >= 0)
    }

    // MARK: - logs

    func record(_ log: String, _ second: Int, _ stream: String = "stdout") -> String {
        #"{"log":"\#(log)","stream":"\#(stream)","time":"2026-01-01T00:00:0\#(second).000000000Z"}"# + "\n"
    }

    @Test func theLogAcrossItsRotatedFiles() throws {
        try write("c/log.2", record("one\\n", 1))
        try write("c/log.1", record("two\\n", 2, "stderr") + record("three ", 3))
        try write("c/log", record("split\\n", 4) + "not json\n")
        let log = ContainerLog(path: base + "/c/log")
        let all = log.readAll()
        #expect(all.map(\.log) == ["one\n", "two\n", "three ", "split\n"])
        #expect(all[1].stream == "stderr")
        #expect(all[0].timeNanos == Timestamp(rfc3339: "2026-01-01T00:00:01Z")!.unixNanos)
        // --tail counts lines (the one that is not a record too)
        #expect(ContainerLog(path: base + "/c/log").readAll(tail: 3).map(\.log) == ["three ", "split\n"])
        #expect(ContainerLog(path: base + "/c/log").readAll(tail: 0).isEmpty)
        #expect(log.readNew().isEmpty)
    }

    @Test func followingTheLiveLogThroughARotation() throws {
        try write("f/log", record("a\\n", 1))
        let log = ContainerLog(path: base + "/f/log")
        #expect(log.readAll().map(\.log) == ["a\n"])
        // a partial line is read once it is complete
        let fd = open(base + "/f/log", O_WRONLY | O_APPEND)
        let half = record("b\\n", 2)
        _ = half.withCString { Glibc.write(fd, $0, 10) }
        #expect(log.readNew().isEmpty)
        _ = half.withCString { Glibc.write(fd, $0 + 10, strlen($0) - 10) }
        close(fd)
        #expect(log.readNew().map(\.log) == ["b\n"])
        // the monitor rotates: the rest of the old file comes first, then the new one
        let fd2 = open(base + "/f/log", O_WRONLY | O_APPEND)
        let c = record("c\\n", 3)
        _ = c.withCString { Glibc.write(fd2, $0, strlen($0)) }
        close(fd2)
        rename(base + "/f/log", base + "/f/log.1")
        try write("f/log", record("d\\n", 4))
        #expect(log.readNew().map(\.log) == ["c\n", "d\n"])
        #expect(log.readNew().isEmpty)
    }

    @Test func aDecodedRecord() {
        #expect(ContainerLog.Entry.decode(#"{"log":"x","stream":"stdout","time":"t"}"#) == ContainerLog.Entry(log: "x", stream: "stdout", time: "t"))
        #expect(ContainerLog.Entry.decode("{}") == nil)
        #expect(ContainerLog.Entry(log: "", stream: "", time: "bad").timeNanos == 0)
    }

    @Test func logOptions() throws {
        #expect(try LogOptions.parse([]) == LogOptions())
        #expect(try LogOptions.parse(["max-size=10m", "max-file=3"]) == LogOptions(maxSize: 10 << 20, maxFile: 3))
        #expect(try LogOptions.parse(["max-size=-1"]) == LogOptions(maxSize: 0))
        func message(_ opts: [String]) -> String? {
            do { _ = try LogOptions.parse(opts); return nil } catch { return error.message }
        }
        #expect(message(["max-size"]) == "invalid --log-opt \"max-size\" (use KEY=VALUE: max-size, max-file, compress, labels, env)")
        #expect(message(["max-size=100"]) == "invalid --log-opt max-size=100: at least 1k (or -1 for no limit)")
        #expect(message(["max-file=0"]) == "invalid --log-opt max-file=0: a number of files from 1 to 1000")
        #expect(message(["max-file=1001"]) == "invalid --log-opt max-file=1001: a number of files from 1 to 1000")
        #expect(message(["mode=non-blocking"]) == "unknown log opt \"mode\" for the json-file log (max-size, max-file, compress, labels, env)")
    }
}
