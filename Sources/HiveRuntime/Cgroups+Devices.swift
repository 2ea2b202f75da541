// The device policy of a container: Docker's (daemon/pkg/oci/defaults.go plus
// the OCI runtime's implicit devices): every device denied, mknod of any node
// allowed (CAP_MKNOD stays, as with Docker), read and write only for the
// standard set and what `--device` adds; /dev/fuse (c 10:229) is not in it.
// Enforced by the v1 devices controller and/or a cgroup2 BPF program (Cgroups.layout).
import CHiveKernel
import Glibc
import HiveOCI
import HivePlatform

/// One rule, as a v1 `devices.allow` line: `TYPE MAJOR:MINOR ACCESS`.
public struct DeviceRule: Sendable, Equatable {
    /// "a" (any), "b" (block) or "c" (char).
    public var type: String
    /// -1: any.
    public var major: Int64
    public var minor: Int64
    /// A subset of "rwm".
    public var access: String

    public init(_ type: String, _ major: Int64, _ minor: Int64, _ access: String) {
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// A device number's major and minor (glibc's major()/minor() are macros).
    public static func numbers(_ rdev: dev_t) -> (UInt64, UInt64) {
        let dev = UInt64(rdev)
        return (((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)), (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
    }

    public var line: String {
        type == "a" ? "a" : "\(type) \(major < 0 ? "*" : String(major)):\(minor < 0 ? "*" : String(minor)) \(access)"
    }
}

/// hive.toml `[cgroups] devices`: how the policy is enforced.
public enum DeviceMechanism: String, Sendable {
    /// The v1 devices controller where the host has one (hybrid or v1), else
    /// the BPF program on the container's cgroup2 group.
    case auto
    /// The v1 devices controller only (a hybrid or v1 host).
    case v1
    /// The cgroup2 BPF program only (on a hybrid host in a group of the
    /// container's under the cgroup2 mount).
    case bpf
    /// Both on a hybrid host (defence in depth): the v1 devices controller and
    /// the BPF program. The extra cgroup2 group costs a cgroup migration per
    /// container start (measured in Cgroups.layout).
    case both
}

/// `--device HOST[:CONTAINER][:PERMS]`: a host device node made available in the container.
public struct DeviceRequest: Sendable, Equatable {
    public var host: String
    public var container: String
    public var access: String
    public var rule: DeviceRule

    /// Parses the flag and checks the host path is a device node (following
    /// symlinks, as /dev/disk/by-id/... are); the rule names its type and numbers.
    public static func parse(_ text: String) throws(HiveError) -> DeviceRequest {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> HiveError {
            HiveError(.invalidArgument, "invalid --device \"\(text)\": \(why) (use HOST[:CONTAINER][:PERMS], PERMS a subset of rwm)")
        }
        func isAccess(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy({ "rwm".contains($0) }) && Set(s).count == s.count }
        guard (1...3).contains(parts.count), !parts[0].isEmpty else { throw bad("expected one to three fields") }
        // as Docker reads it: a second field that is a permission set is one, else the container path
        let host = parts[0]
        var container = host
        var access = "rwm"
        if parts.count == 3 {
            guard isAccess(parts[2]) else { throw bad("permissions \"\(parts[2])\" must be a subset of rwm") }
            container = parts[1]
            access = parts[2]
        } else if parts.count == 2 {
            if isAccess(parts[1]) { access = parts[1] } else { container = parts[1] }
        }
        guard host.hasPrefix("/") else { throw bad("the host path must be absolute") }
        guard container.hasPrefix("/"), container != "/", !container.split(separator: "/").contains("..") else {
            throw bad("the container path must be absolute, below /, without ..")
        }
        var st = stat()
        guard stat(host, &st) == 0 else { throw HiveError.errno("--device: cannot find \(host)") }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFCHR || kind == S_IFBLK else {
            throw HiveError(.invalidArgument, "--device: \(host) is not a device node (give a character or block device)")
        }
        let (major, minor) = DeviceRule.numbers(st.st_rdev)
        let rule = DeviceRule(kind == S_IFBLK ? "b" : "c", Int64(major), Int64(minor), access)
        return DeviceRequest(host: host, container: container, access: access, rule: rule)
    }
}

extension Cgroups {
    /// Docker's default device rules, then what `--device` adds; nil when
    /// privileged (every device allowed, as Docker's `a *:* rwm`). One
    /// difference: no `c 5:1` (the console). hive never gives a container a
    /// 5:1 node (with -t its /dev/console is a bind of its own pts, 136:N), and
    /// a 5:1 node a container makes or an image ships is the HOST's console.
    public static func devicePolicy(privileged: Bool, devices: [DeviceRequest] = []) -> [DeviceRule]? {
        if privileged { return nil }
        return [
            DeviceRule("c", -1, -1, "m"), DeviceRule("b", -1, -1, "m"),  // mknod of any node (opening it is another matter)
            DeviceRule("c", 1, 3, "rwm"), DeviceRule("c", 1, 5, "rwm"), DeviceRule("c", 1, 7, "rwm"),  // null zero full
            DeviceRule("c", 1, 8, "rwm"), DeviceRule("c", 1, 9, "rwm"),  // random urandom
            DeviceRule("c", 5, 0, "rwm"), DeviceRule("c", 5, 2, "rwm"),  // tty ptmx
            DeviceRule("c", 136, -1, "rwm"),  // /dev/pts/*
        ] + devices.map(\.rule)
    }

    /// Whether a container's groups hold a device policy: a v1 devices group
    /// that does not allow everything, or a device program attached to its
    /// cgroup2 group. A container made by a hive without the policy has
    /// neither, and must not be started again as it is.
    public static func hasDevicePolicy(_ dirs: [String]) -> Bool {
        for d in dirs {
            if d.hasPrefix("/sys/fs/cgroup/devices/"), let list = read(d + "/devices.list"), !list.isEmpty, !list.contains("a *:* rwm") {
                return true
            }
            if access(d + "/cgroup.controllers", F_OK) == 0, hive_device_filter_count(d) > 0 { return true }
        }
        return false
    }

    /// Loads the BPF device program for `rules` and attaches it to the cgroup2 group `dir`.
    static func attachDeviceProgram(_ dir: String, _ rules: [DeviceRule]) throws(HiveError) {
        let c = rules.map { r -> hive_dev_rule in
            var acc: UInt32 = 0
            if r.access.contains("m") { acc |= UInt32(HIVE_DEV_MKNOD) }
            if r.access.contains("r") { acc |= UInt32(HIVE_DEV_READ) }
            if r.access.contains("w") { acc |= UInt32(HIVE_DEV_WRITE) }
            return hive_dev_rule(type: CChar(r.type.utf8.first ?? 0), major: r.major, minor: r.minor, access: acc)
        }
        var err = [CChar](repeating: 0, count: 512)
        guard hive_device_filter_attach(dir, c, c.count, &err, err.count) == 0 else {
            throw HiveError(.io, "cannot apply the device policy to cgroup \(dir)", cause: String(cString: err))
        }
    }
}
