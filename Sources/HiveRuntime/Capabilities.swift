// Linux capabilities by name; Docker's default set (security-cases.md 1).
import CHiveKernel
import Glibc
import HiveOCI
import HivePlatform

public enum Capabilities {
    /// Docker's 14 default capabilities: CapEff 00000000a80425fb.
    public static let dockerDefault: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// The highest capability number this kernel knows (read once per process).
    public static let last: Int = Files.readText("/proc/sys/kernel/cap_last_cap").flatMap { Int($0.trimmed) } ?? 40

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

    /// Capability names by number (capabilities(7)).
    static let names = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// The effective set for `--cap-add` / `--cap-drop` / `--privileged`, as names.
    public static func resolve(add: [String], drop: [String], privileged: Bool) throws -> Set<String> {
        // a container can only get what hive itself holds (root here lacks CAP_SYS_RESOURCE)
        let permitted = callerPermitted
        let held = Set(names.prefix(last + 1).enumerated().filter { permitted & (1 << UInt64($0.offset)) != 0 }.map(\.element))
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
    public static var callerPermitted: UInt64 { hive_cap_permitted() }

    public static func mask(_ names: Set<String>) -> UInt64 {
        names.reduce(0) { acc, n in bit(n).map { acc | (1 << UInt64($0)) } ?? acc }
    }
}

