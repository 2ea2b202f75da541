import CHiveLaunch
import Glibc
import Testing
@testable import HiveRuntime
import HivePlatform

@Suite struct MonitorProtocolTests {
    @Test(arguments: [
        MonitorProtocol.Status.started(pid: 1), .started(pid: 4_194_304),
        .failed(status: 125, message: "cannot read the launch plan /x/plan: No such file or directory"),
        .failed(status: 126, message: "/etc/passwd: permission denied"),
        .failed(status: 127, message: "nosuch: executable file not found in $PATH"),
        .failed(status: 125, message: ""),
    ])
    func statusRoundTrip(_ s: MonitorProtocol.Status) {
        let line = MonitorProtocol.format(s)
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false)
        #expect(MonitorProtocol.parseStatus(line) == s)
    }

    @Test func statusWireFormat() {
        #expect(MonitorProtocol.format(.started(pid: 42)) == "P42\n")
        #expect(MonitorProtocol.format(.failed(status: 127, message: "x: not found")) == "E127 x: not found\n")
        // a newline in the message cannot end the line early
        #expect(MonitorProtocol.format(.failed(status: 125, message: "a\nb")) == "E125 a b\n")
        #expect(MonitorProtocol.parseStatus("E125") == .failed(status: 125, message: ""))
    }

    @Test(arguments: ["", "\n", "P", "P0", "P-1", "Pabc", "P12x", "P12 ", "P99999999999", "E", "E x", "Eabc msg",
                      "E-1 m", "E256 m", "X12", "p12", " P12", "P1\nP2", "12 34"])
    func malformedStatusRefused(_ line: String) {
        #expect(MonitorProtocol.parseStatus(line) == nil, "\(line.debugDescription)")
    }

    @Test func statusOverAPipe() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        #expect(hive_monitor_report_failed(fds[1], 126, "sh: permission denied") == 0)
        close(fds[1])
        #expect(MonitorProtocol.readStatus(fds[0]) == .failed(status: 126, message: "sh: permission denied"))
        var more: [Int32] = [0, 0]
        #expect(pipe(&more) == 0)
        defer { close(more[0]) }
        #expect(hive_monitor_report_started(more[1], 1234) == 0)
        close(more[1])
        #expect(MonitorProtocol.readStatus(more[0]) == .started(pid: 1234))
        // nothing written: no status
        var none: [Int32] = [0, 0]
        #expect(pipe(&none) == 0)
        close(none[1])
        #expect(MonitorProtocol.readStatus(none[0]) == nil)
        close(none[0])
    }

    @Test func exitRoundTrip() throws {
        for e in [MonitorProtocol.Exit(status: 0, at: 1_733_000_000_123_456_789), .init(status: 137, at: 1), .init(status: -1, at: 0)] {
            let text = MonitorProtocol.format(e)
            #expect(text.hasSuffix("\n"))
            #expect(MonitorProtocol.parseExit(Array(text.utf8)) == e)
        }
        #expect(MonitorProtocol.format(MonitorProtocol.Exit(status: 3, at: 5)) == "3 5\n")
        // written as the monitor writes it: through exit.tmp, renamed
        let dir = "/tmp/hive-monitor-proto-\(getpid())"
        mkdir(dir, 0o700)
        defer { unlink(dir + "/exit"); rmdir(dir) }
        #expect(hive_monitor_write_exit(dir, 42, 99) == 0)
        #expect(access(dir + "/exit.tmp", F_OK) != 0)
        #expect(MonitorProtocol.readExit(containerDir: dir) == MonitorProtocol.Exit(status: 42, at: 99))
        #expect(MonitorProtocol.readExit(containerDir: dir + "/none") == nil)
    }

    @Test(arguments: ["", "\n", "0", "0\n", "0 ", " 5", "x 5", "0 x", "0 5 6", "0 -5", "0  5", "99999999999 5", "0 5\n\n"])
    func malformedExitRefused(_ text: String) {
        #expect(MonitorProtocol.parseExit(Array(text.utf8)) == nil, "\(text.debugDescription)")
    }

    @Test func arguments() {
        let argv = MonitorProtocol.arguments(monitor: "/b/hive-monitor", id: "abc", containerDir: "/c/abc", hive: "/b/hive",
                                             root: "/r", runroot: "/rr", logMaxSize: 1024, logMaxFile: 3, flags: [.interactive, .logCompress])
        #expect(argv == ["/b/hive-monitor", "abc", "/c/abc", "/b/hive", "/r", "/rr", "1024", "3", "iz"])
        // what the monitor makes of them
        var cargs = argv.map { strdup($0) }
        defer { cargs.forEach { free($0) } }
        var a = hive_monitor_args()
        #expect(hive_monitor_parse_args(Int32(cargs.count), &cargs, &a) == 0)
        #expect(String(cString: a.id) == "abc" && String(cString: a.runroot) == "/rr")
        #expect(a.log_max_size == 1024 && a.log_max_file == 3)
        #expect(a.interactive == 1 && a.log_compress == 1 && a.log_none == 0)
        #expect(hive_monitor_parse_args(3, &cargs, &a) == -1)
        // no flags: "-"; an unknown letter is refused
        let plain = MonitorProtocol.arguments(monitor: "m", id: "a", containerDir: "d", hive: "h", root: "r", runroot: "rr", logMaxSize: 0, logMaxFile: 1)
        #expect(plain.last == "-")
        var bad = (Array(plain.dropLast()) + ["q"]).map { strdup($0) }
        defer { bad.forEach { free($0) } }
        #expect(hive_monitor_parse_args(Int32(bad.count), &bad, &a) == -1)
    }
}
