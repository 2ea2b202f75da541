// Docker's seccomp profile format, compiled to BPF with libseccomp and cached
// on disk by profile digest (compiling costs ~1 ms; loading cached BPF is free).
// Format: https://github.com/moby/profiles/blob/main/seccomp/types.go
import CHiveKernel
import CSeccomp
import Glibc
import HiveOCI
import HivePlatform

public struct SeccompProfile: Codable, Sendable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var archMap: [ArchMap]?
    public var syscalls: [Rule]?

    public struct ArchMap: Codable, Sendable {
        public var architecture: String
        public var subArchitectures: [String]?
    }

    public struct Rule: Codable, Sendable {
        public var names: [String]?
        public var name: String?
        public var action: String
        public var errnoRet: UInt32?
        public var args: [Arg]?
        public var includes: Filter?
        public var excludes: Filter?
    }

    public struct Arg: Codable, Sendable {
        public var index: UInt32
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: String
    }

    public struct Filter: Codable, Sendable {
        public var caps: [String]?
        public var arches: [String]?
        public var minKernel: String?
    }
}

public enum Seccomp {
    /// Compiles `profile` for a container with capabilities `caps` (names) to BPF bytes.
    public static func compile(_ profile: SeccompProfile, caps: Set<String>) throws -> [UInt8] {
        guard let ctx = seccomp_init(try action(profile.defaultAction, profile.defaultErrnoRet)) else {
            throw HiveError(.internal, "seccomp_init failed")
        }
        defer { seccomp_release(ctx) }
        // A binary tree of syscall numbers instead of libseccomp's default list:
        // installing the filter is where a launch spent most of its time (the
        // kernel JITs it, then runs it for every syscall number to build its
        // allow cache: a list costs ~1,000 steps per number, a tree ~10).
        let rcOpt = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        if rcOpt != 0 { throw HiveError(.internal, "seccomp: cannot select the binary-tree layout", cause: String(cString: strerror(-rcOpt))) }
        // native arch and its sub-architectures (x86_64 -> x86, x32)
        let native = "SCMP_ARCH_X86_64"
        for m in profile.archMap ?? [] where m.architecture == native {
            for sub in m.subArchitectures ?? [] {
                if let token = archToken(sub) {
                    let rc = seccomp_arch_add(ctx, token)
                    if rc != 0 && rc != -EEXIST { throw HiveError(.internal, "seccomp_arch_add \(sub) failed", cause: String(cString: strerror(-rc))) }
                }
            }
        }
        let goArch = "amd64"
        let kernel = kernelVersion()
        for rule in profile.syscalls ?? [] {
            if let inc = rule.includes {
                if let c = inc.caps, !c.allSatisfy({ caps.contains($0) }) { continue }
                if let a = inc.arches, !a.contains(goArch) && !a.contains("x86") && !a.contains("x32") { continue }
                if let k = inc.minKernel, !versionAtLeast(kernel, k) { continue }
            }
            if let exc = rule.excludes {
                if let c = exc.caps, c.contains(where: { caps.contains($0) }) { continue }
                if let a = exc.arches, a.contains(goArch) { continue }
            }
            let act = try action(rule.action, rule.errnoRet)
            var cmps: [scmp_arg_cmp] = []
            for a in rule.args ?? [] {
                cmps.append(scmp_arg_cmp(arg: a.index, op: try compareOp(a.op), datum_a: a.value, datum_b: a.valueTwo ?? 0))
            }
            for name in (rule.names ?? []) + (rule.name.map { [$0] } ?? []) {
                let nr = seccomp_syscall_resolve_name(name)
                if nr == __NR_SCMP_ERROR { continue }  // unknown on this architecture
                let rc = cmps.withUnsafeBufferPointer { seccomp_rule_add_array(ctx, act, nr, UInt32($0.count), $0.baseAddress) }
                if rc != 0 && rc != -EEXIST {
                    throw HiveError(.invalidArgument, "seccomp profile: cannot add rule for \(name)", cause: String(cString: strerror(-rc)))
                }
            }
        }
        // export through a memfd (seccomp_export_bpf_mem needs libseccomp 2.6)
        let fd = Files.memfd("hive-seccomp")
        guard fd >= 0 else { throw HiveError.errno("memfd_create") }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else { throw HiveError(.internal, "seccomp_export_bpf failed", cause: String(cString: strerror(Int32(-rc)))) }
        let size = lseek(fd, 0, SEEK_END)
        lseek(fd, 0, SEEK_SET)
        var out = [UInt8](repeating: 0, count: Int(size))
        let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n == size else { throw HiveError.errno("read seccomp BPF") }
        return out
    }

    static func action(_ name: String, _ errnoRet: UInt32?) throws -> UInt32 {
        switch name {
        case "SCMP_ACT_ALLOW": return hive_scmp_act_allow()
        case "SCMP_ACT_ERRNO": return hive_scmp_act_errno(errnoRet ?? UInt32(EPERM))
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return 0x0000_0000
        case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
        case "SCMP_ACT_TRAP": return 0x0003_0000
        case "SCMP_ACT_LOG": return 0x7ffc_0000
        default: throw HiveError(.invalidArgument, "seccomp profile: unsupported action \(name)")
        }
    }

    static func compareOp(_ op: String) throws -> scmp_compare {
        switch op {
        case "SCMP_CMP_NE": return SCMP_CMP_NE
        case "SCMP_CMP_LT": return SCMP_CMP_LT
        case "SCMP_CMP_LE": return SCMP_CMP_LE
        case "SCMP_CMP_EQ": return SCMP_CMP_EQ
        case "SCMP_CMP_GE": return SCMP_CMP_GE
        case "SCMP_CMP_GT": return SCMP_CMP_GT
        case "SCMP_CMP_MASKED_EQ": return SCMP_CMP_MASKED_EQ
        default: throw HiveError(.invalidArgument, "seccomp profile: unsupported operator \(op)")
        }
    }

    static func archToken(_ name: String) -> UInt32? {
        switch name {
        case "SCMP_ARCH_X86": return seccomp_arch_resolve_name("x86")
        case "SCMP_ARCH_X32": return seccomp_arch_resolve_name("x32")
        case "SCMP_ARCH_X86_64": return seccomp_arch_resolve_name("x86_64")
        default: return nil
        }
    }

    static func kernelVersion() -> [Int] {
        HostPlatform.uts.release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    }

    static func versionAtLeast(_ have: [Int], _ want: String) -> Bool {
        let w = want.split(separator: ".").compactMap { Int($0) }
        for i in 0..<max(have.count, w.count) {
            let a = i < have.count ? have[i] : 0, b = i < w.count ? w[i] : 0
            if a != b { return a > b }
        }
        return true
    }

    /// BPF for the profile in `path` (or hive's built-in copy of Docker's default),
    /// cached under `cacheDir` by the digest of profile + capabilities.
    public static func load(profileBytes: [UInt8], caps: Set<String>, cacheDir: String) throws -> [UInt8] {
        // "tree": the layout is part of the key, so BPF compiled before it is not reused
        let key = Digest.of(Array("tree\n".utf8) + profileBytes + Array(caps.sorted().joined(separator: ",").utf8))
        let path = cacheDir + "/seccomp-" + key.hex + ".bpf"
        if let cached = Files.read(path), !cached.isEmpty, cached.count % 8 == 0 { return cached }
        let profile: SeccompProfile
        do { profile = try JSONCoding.decode(SeccompProfile.self, from: profileBytes) } catch {
            throw HiveError(.invalidArgument, "invalid seccomp profile: \(error)")
        }
        let bpf = try compile(profile, caps: caps)
        mkdir(cacheDir, 0o700)
        let tmp = path + ".\(getpid())"
        let out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if out >= 0 {
            _ = bpf.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
            close(out)
            rename(tmp, path)
        }
        return bpf
    }
}
