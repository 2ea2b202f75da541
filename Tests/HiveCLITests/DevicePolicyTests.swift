import Testing
import HiveOCI
import HivePlatform
import HiveRuntime

@Suite struct DevicePolicyTests {
    @Test func defaultPolicyIsDockersAndPrivilegedHasNone() {
        let lines = Cgroups.devicePolicy(privileged: false)!.map(\.line)
        #expect(lines == ["c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                          "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"])
        #expect(!lines.contains { $0.contains("5:1 ") })  // the host's console
        #expect(!lines.contains { $0.contains("10:229") })  // /dev/fuse
        #expect(Cgroups.devicePolicy(privileged: true) == nil)
    }

    @Test func deviceFlagReadsAsDockerDoes() throws {
        let a = try DeviceRequest.parse("/dev/null")
        #expect(a.container == "/dev/null" && a.access == "rwm" && a.rule.line == "c 1:3 rwm")
        let b = try DeviceRequest.parse("/dev/zero:r")  // a permission set as the second field
        #expect(b.container == "/dev/zero" && b.rule.line == "c 1:5 r")
        let c = try DeviceRequest.parse("/dev/zero:/dev/z")
        #expect(c.container == "/dev/z" && c.access == "rwm")
        let d = try DeviceRequest.parse("/dev/full:/dev/f:rm")
        #expect(d.container == "/dev/f" && d.rule.line == "c 1:7 rm")
        let policy = Cgroups.devicePolicy(privileged: false, devices: [d])!
        #expect(policy.last == d.rule)
        for (bad, want) in [("/dev/null:/x:rwx", "subset of rwm"), ("/dev/null:x", "must be absolute"), ("dev/null", "must be absolute"),
                            ("/dev/null:/a/../b", "without .."), ("/etc/hostname", "not a device node"), ("/dev/null:/a:r:x", "one to three"),
                            ("/nonexistent-device", "cannot find")] {
            do { _ = try DeviceRequest.parse(bad); Issue.record("accepted \(bad)") } catch {
                #expect(error.description.contains(want), "\(bad): \(error.description)")
            }
        }
    }
}
