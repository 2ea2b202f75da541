import CHiveLaunch
import Glibc
import Testing
@testable import HiveRuntime
import HivePlatform

@Suite struct RestartPolicyTests {
    @Test func restartLineRoundTrip() {
        for ms: Int64 in [0, 100, 60_000, 86_400_000] {
            let line = MonitorProtocol.formatRestart(delayMs: ms)
            #expect(line == "R\(ms)\n")
            #expect(MonitorProtocol.parseRestart(line) == ms)
        }
        // out of range: not written
        #expect(MonitorProtocol.formatRestart(delayMs: -1) == "")
        #expect(MonitorProtocol.formatRestart(delayMs: 86_400_001) == "")
    }

    @Test(arguments: ["", "\n", "R", "R\n", "R-1", "R1x", "R 1", "r100", "L", "L\n", "P12", "R86400001", "R1\nR2", "R99999999999999999999"])
    func malformedRestartRefused(_ line: String) {
        #expect(MonitorProtocol.parseRestart(line) == nil, "\(line.debugDescription)")
    }

    @Test func restartOverAPipe() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        MonitorProtocol.sendRestart(fds[1], delayMs: 400)
        close(fds[1])
        var line = [CChar](repeating: 0, count: 64)
        let n = hive_monitor_read_line(fds[0], &line, line.count)
        #expect(n == 5)
        var ms: Int64 = 0
        #expect(hive_monitor_parse_restart(line, Int(n), &ms) == 0 && ms == 400)
        // the engine said nothing: end of file, no line
        #expect(hive_monitor_read_line(fds[0], &line, line.count) == 0)
    }

    @Test func relaunchExchange() {
        var sv: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sv) == 0)
        defer { close(sv[0]); close(sv[1]) }
        // the monitor's side answers before it is asked: the socket holds it
        #expect(hive_monitor_report_started(sv[1], 77) == 0)
        #expect(MonitorProtocol.relaunch(sv[0]) == .started(pid: 77))
        var line = [CChar](repeating: 0, count: 16)
        #expect(hive_monitor_read_line(sv[1], &line, line.count) == 2)
        #expect(String(cString: line) == "L\n")
    }

    @Test func replyChannelOnlyForPipesAndSockets() {
        // fd 3 here is whatever the test runner has there: a regular file or nothing is no channel
        var st = stat()
        let type = fstat(3, &st) == 0 ? st.st_mode & S_IFMT : 0
        let expected = type == S_IFIFO || type == S_IFSOCK
        #expect((MonitorProtocol.replyChannel() != nil) == expected)
    }

    @Test func dockerRules() throws {
        let no = RestartPolicy(), always = try RestartPolicy(parsing: "always"), unless = try RestartPolicy(parsing: "unless-stopped")
        let onFailure = try RestartPolicy(parsing: "on-failure"), twice = try RestartPolicy(parsing: "on-failure:2")
        #expect(!no.restarts(exitCode: 1, restartCount: 0, stoppedByUser: false))
        #expect(always.restarts(exitCode: 0, restartCount: 100, stoppedByUser: false))
        #expect(!always.restarts(exitCode: 1, restartCount: 0, stoppedByUser: true))
        #expect(unless.restarts(exitCode: 0, restartCount: 5, stoppedByUser: false))
        #expect(!unless.restarts(exitCode: 0, restartCount: 0, stoppedByUser: true))
        #expect(!onFailure.restarts(exitCode: 0, restartCount: 0, stoppedByUser: false))
        #expect(onFailure.restarts(exitCode: 137, restartCount: 1000, stoppedByUser: false))
        #expect(twice.restarts(exitCode: 1, restartCount: 1, stoppedByUser: false))
        #expect(!twice.restarts(exitCode: 1, restartCount: 2, stoppedByUser: false))
        // after a reboot: always even if stopped; unless-stopped only if not
        #expect(always.restartsAfterReboot(exitCode: 0, restartCount: 0, stoppedByUser: true))
        #expect(unless.restartsAfterReboot(exitCode: nil, restartCount: 0, stoppedByUser: false))
        #expect(!unless.restartsAfterReboot(exitCode: 0, restartCount: 0, stoppedByUser: true))
        #expect(twice.restartsAfterReboot(exitCode: nil, restartCount: 0, stoppedByUser: false))
        #expect(!twice.restartsAfterReboot(exitCode: 0, restartCount: 0, stoppedByUser: false))
        #expect(!no.restartsAfterReboot(exitCode: nil, restartCount: 0, stoppedByUser: false))
    }

    @Test func backoff() {
        #expect(RestartPolicy.nextDelayMs(previous: nil, lastRunNanos: 0) == 100)
        #expect(RestartPolicy.nextDelayMs(previous: 100, lastRunNanos: 1_000_000) == 200)
        #expect(RestartPolicy.nextDelayMs(previous: 40_000, lastRunNanos: 0) == 60_000)
        #expect(RestartPolicy.nextDelayMs(previous: 60_000, lastRunNanos: 0) == 60_000)
        // a run of 10 s or more starts it again
        #expect(RestartPolicy.nextDelayMs(previous: 60_000, lastRunNanos: 10_000_000_000) == 100)
        #expect(RestartPolicy.nextDelayMs(previous: 800, lastRunNanos: 9_999_999_999) == 1600)
    }

    @Test(arguments: ["sometimes", "on-failure:-1", "on-failure:x", "always:3", "no:1", "", "On-failure"])
    func badPoliciesRefused(_ text: String) {
        #expect(throws: HiveError.self) { try RestartPolicy(parsing: text) }
    }
}
