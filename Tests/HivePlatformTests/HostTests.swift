// What moved down from the engine into HivePlatform as pure functions:
// signal names, the OCI architecture name, Docker's human durations and
// time filters, /proc/PID/stat's start time.
import Foundation
import Glibc
import Testing
import HivePlatform

@Suite struct SignalsTests {
    @Test(arguments: [("SIGTERM", 15), ("TERM", 15), ("term", 15), ("15", 15), ("SIGKILL", 9), ("hup", 1), ("SIGSYS", 31),
                      ("64", 64), ("1", 1), ("sigwinch", 28)])
    func names(_ text: String, _ want: Int32) throws { #expect(try Signals.number(text) == want) }

    @Test(arguments: ["", "0", "65", "-1", "SIG", "SIGFOO", "TERM ", "SIGSIGTERM"])
    func refuses(_ text: String) {
        do { _ = try Signals.number(text); Issue.record("\(text) accepted") } catch let e as HiveError {
            #expect(e.code == .invalidArgument && e.message == "invalid signal \"\(text)\"")
        } catch { Issue.record("\(error)") }
    }
}

@Suite struct HostPlatformTests {
    @Test func architectureNames() {
        #expect(HostPlatform.ociArchitecture("x86_64") == "amd64")
        #expect(HostPlatform.ociArchitecture("aarch64") == "arm64")
        #expect(HostPlatform.ociArchitecture("i686") == "386")
        #expect(HostPlatform.ociArchitecture("armv7l") == "arm")
        #expect(HostPlatform.ociArchitecture("riscv64") == "riscv64")
        #expect(!HostPlatform.architecture.isEmpty)
    }
}

@Suite struct HostMountTests {
    static let mountinfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 0:25 / /var/lib rw,relatime master:7 - xfs /dev/sdb1 rw
        31 30 0:26 / /var/lib/hive rw - tmpfs tmpfs rw
        32 22 0:27 / /var/lib/hivex rw - btrfs /dev/sdc rw
        broken line
        """

    @Test func longestMountPointHoldingThePath() throws {
        let m = try #require(HostMount.holding("/var/lib/hive/containers", mountinfo: Self.mountinfo))
        #expect(m == HostMount(point: "/var/lib/hive", optional: [], fstype: "tmpfs"))
        #expect(HostMount.holding("/var/lib/hivey", mountinfo: Self.mountinfo) == HostMount(point: "/var/lib", optional: ["master:7"], fstype: "xfs"))
        #expect(HostMount.holding("/var/lib/hivex", mountinfo: Self.mountinfo)?.fstype == "btrfs")
        #expect(HostMount.holding("/etc", mountinfo: Self.mountinfo) == HostMount(point: "/", optional: ["shared:1"], fstype: "ext4"))
        #expect(HostMount.holding("/", mountinfo: "") == nil)
        #expect(HostMount.holding("/", mountinfo: nil) == nil)
    }

    @Test func thisProcessHasARoot() {
        #expect(HostMount.holding("/")?.point == "/")
    }
}

@Suite struct HumanTimeTests {
    @Test func durations() {
        #expect(HumanTime.duration(0) == "Less than a second")
        #expect(HumanTime.duration(1) == "1 second")
        #expect(HumanTime.duration(59) == "59 seconds")
        #expect(HumanTime.duration(60) == "About a minute")
        #expect(HumanTime.duration(59 * 60) == "59 minutes")
        #expect(HumanTime.duration(3600) == "About an hour")
        #expect(HumanTime.duration(47 * 3600) == "47 hours")
        #expect(HumanTime.duration(3 * 86400) == "3 days")
        #expect(HumanTime.duration(21 * 86400) == "3 weeks")
        #expect(HumanTime.duration(90 * 86400) == "3 months")
        #expect(HumanTime.duration(3 * 365 * 86400) == "3 years")
    }

    @Test func timeFilters() throws {
        #expect(try HumanTime.parseFilter("2024-01-02T03:04:05Z") == 1_704_164_645_000_000_000)
        #expect(try HumanTime.parseFilter("1704164645") == 1_704_164_645_000_000_000)
        #expect(try HumanTime.parseFilter("1.5") == 1_500_000_000)
        let before = Timestamp.now().unixNanos
        let tenMinutesAgo = try HumanTime.parseFilter("10m")
        let after = Timestamp.now().unixNanos
        #expect(tenMinutesAgo >= before - 600_000_000_000 && tenMinutesAgo <= after - 600_000_000_000)
        do { _ = try HumanTime.parseFilter("yesterday"); Issue.record("accepted") } catch let e as HiveError {
            #expect(e.code == .invalidArgument && e.message.hasPrefix("invalid time \"yesterday\""))
        }
    }
}

@Suite struct ProcStatTests {
    @Test func startTimeField() {
        let line = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1234 56 18446744073709551615"
        #expect(ProcStat.startTime(parsing: line) == 987654)
        #expect(ProcStat.startTime(parsing: line.replacingOccurrences(of: ") S ", with: ") Z ")) == nil)  // a zombie
        #expect(ProcStat.startTime(parsing: "4242 (x) S 1 2") == nil)
        #expect(ProcStat.startTime(parsing: "garbage") == nil)
        #expect(ProcStat.startTime(getpid()) != nil)
    }
}
