// Linux capabilities by name; Docker's default set (security-cases.md 1).
import CHiveShims
import Glibc
import HiveOCI

public enum Capabilities {
    /// Docker's 14 default capabilities: CapEff 00000000a80425fb.
    public static let dockerDefault: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// The highest capability number this kernel knows.
    public static var last: Int {
        let fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 40 }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 16)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return Int(String(decoding: buf[0..<max(0, n)], as: UTF8.self).trimmingNewline) ?? 40
    }

    /// `net_admin`, `CAP_NET_ADMIN`, `NET_ADMIN` -> `CAP_NET_ADMIN` (validated).
    public static func canonical(_ name: String) throws -> String {
        var n = name.uppercased()
        if !n.hasPrefix("CAP_") { n = "CAP_" + n }
        guard hive_cap_from_name(n.lowercased()) >= 0 else {
            throw HiveError(.invalidArgument, "unknown capability \"\(name)\" (see capabilities(7))")
        }
        return n
    }

    public static func bit(_ name: String) -> Int? {
        let v = hive_cap_from_name(name.lowercased())
        return v >= 0 ? Int(v) : nil
    }

    /// The effective set for `--cap-add` / `--cap-drop` / `--privileged`, as names.
    public static func resolve(add: [String], drop: [String], privileged: Bool) throws -> Set<String> {
        let all = (0...last).compactMap { i -> String? in
            let names = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                         "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
                         "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
                         "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
                         "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
                         "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
                         "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
                         "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]
            return i < names.count ? names[i] : nil
        }
        // a container can only get what hive itself holds (root here lacks CAP_SYS_RESOURCE)
        let held = Set(all.filter { n in bit(n).map { callerPermitted & (1 << UInt64($0)) != 0 } ?? false })
        if privileged { return held }
        var set = Set(dockerDefault)
        if drop.contains(where: { $0.uppercased() == "ALL" }) { set.removeAll() }
        for d in drop where d.uppercased() != "ALL" { set.remove(try canonical(d)) }
        for a in add {
            if a.uppercased() == "ALL" { set.formUnion(held); continue }
            let n = try canonical(a)
            guard held.contains(n) else {
                throw HiveError(.invalidArgument, "cannot add capability \(n): hive itself does not hold it on this machine")
            }
            set.insert(n)
        }
        return set.intersection(held)
    }

    /// CapPrm of this process.
    public static var callerPermitted: UInt64 {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 8192)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("CapPrm:") {
            return UInt64(line.dropFirst(7).trimmingCharacters, radix: 16) ?? 0
        }
        return 0
    }

    public static func mask(_ names: Set<String>) -> UInt64 {
        names.reduce(0) { acc, n in bit(n).map { acc | (1 << UInt64($0)) } ?? acc }
    }
}

extension Substring {
    var trimmingCharacters: String { String(self.filter { !$0.isWhitespace }) }
}

extension String {
    var trimmingNewline: String {
        var s = self
        while s.hasSuffix("\n") || s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
