// A mount as `-v`, `--mount` and `--tmpfs` ask for it (and a build's RUN
// --mount), parsed and checked before any volume exists; ContainerPlanner
// turns requests into mounts (ContainerPlanner+Mounts).
import Glibc
import HivePlatform

/// A mount as the user asked for it, before volumes exist.
public struct MountRequest: Equatable {
    public enum Kind: String { case bind, volume, tmpfs }
    public var kind: Kind
    public var source: String?   // host path (bind) or volume name (nil: anonymous)
    public var target: String
    public var readonly = false
    public var tmpfsOptions: String?
    /// A bind's propagation: rprivate (nil: the default), private, rslave, slave, rshared, shared.
    public var propagation: String?

    /// The propagation modes a bind takes (Docker's), as mount flags for the launcher.
    public static let propagationFlags: [String: UInt] = [
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE | MS_REC), "slave": UInt(MS_SLAVE),
        "rslave": UInt(MS_SLAVE | MS_REC), "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED | MS_REC),
    ]

    public init(kind: Kind, source: String?, target: String, readonly: Bool = false, tmpfsOptions: String? = nil) {
        self.kind = kind
        self.source = source
        self.target = target
        self.readonly = readonly
        self.tmpfsOptions = tmpfsOptions
    }

    /// `-v SRC:DST[:OPTS]`, `-v NAME:DST`, `-v DST` (anonymous). A SRC starting
    /// with "." is a host path relative to `cwd` (Docker 23+); OPTS: ro, rw,
    /// a propagation mode (binds), z, Z, cached, delegated, consistent (no
    /// effect: no SELinux here, no file sharing VM), nocopy.
    public static func parseVolume(_ spec: String, cwd: String? = nil) throws -> MountRequest {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> HiveError { HiveError(.invalidArgument, "invalid volume specification \"\(spec)\": \(why)") }
        var r: MountRequest
        switch parts.count {
        case 1: r = MountRequest(kind: .volume, source: nil, target: parts[0])
        case 2, 3:
            var src = parts[0]
            if src.hasPrefix("."), let cwd { src = absolutePath(src, cwd: cwd) }
            r = MountRequest(kind: src.hasPrefix("/") ? .bind : .volume, source: src, target: parts[1])
            if parts.count == 3 {
                var modes = 0
                for o in parts[2].split(separator: ",").map(String.init) {
                    switch o {
                    case "ro", "rw":
                        modes += 1
                        r.readonly = o == "ro"
                    case "z", "Z", "cached", "delegated", "consistent", "nocopy": continue
                    case _ where propagationFlags[o] != nil:
                        guard r.kind == .bind else { throw bad("propagation \"\(o)\" applies to bind mounts only") }
                        guard r.propagation == nil else { throw bad("more than one propagation mode") }
                        r.propagation = o
                    default: throw bad("unknown option \"\(o)\" (ro, rw, z, Z, cached, delegated, or a propagation: [r]private, [r]slave, [r]shared)")
                    }
                }
                if modes > 1 { throw bad("ro and rw both given") }
            }
        default: throw bad("too many colons")
        }
        try r.validate(spec)
        return r
    }

    /// `--mount type=bind,source=/a,target=/b,readonly`
    public static func parseMount(_ spec: String) throws -> MountRequest {
        var kind: Kind = .volume
        var src: String? = nil, dst: String? = nil, ro = false, propagation: String? = nil
        var tmpfs: [String] = []
        for field in spec.split(separator: ",") {
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            let v = kv.count > 1 ? kv[1] : "true"
            switch kv[0] {
            case "type":
                guard let k = Kind(rawValue: v) else { throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": unsupported type \"\(v)\" (bind, volume or tmpfs)") }
                kind = k
            case "source", "src": src = v
            case "target", "dst", "destination": dst = v
            case "readonly", "ro": ro = v == "true" || v == "1"
            case "tmpfs-size": tmpfs.append("size=" + v)
            case "tmpfs-mode": tmpfs.append("mode=" + v)
            case "bind-propagation":
                guard propagationFlags[v] != nil else {
                    throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": invalid propagation mode \"\(v)\" ([r]private, [r]slave, [r]shared)")
                }
                propagation = v
            case "volume-nocopy", "consistency": continue
            default: throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": unknown field \"\(kv[0])\"")
            }
        }
        guard let dst else { throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": target is required") }
        var r = MountRequest(kind: kind, source: src, target: dst, readonly: ro, tmpfsOptions: tmpfs.isEmpty ? nil : tmpfs.joined(separator: ","))
        if kind == .bind && src == nil { throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": a bind mount needs a source") }
        if kind == .tmpfs { r.source = nil }
        if propagation != nil && kind != .bind { throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": bind-propagation applies to type=bind only") }
        r.propagation = propagation
        try r.validate(spec)
        return r
    }

    /// `path` (relative) made absolute against `cwd`, "." and ".." resolved lexically (Go's filepath.Abs).
    public static func absolutePath(_ path: String, cwd: String) -> String {
        var out: [Substring] = []
        for c in (cwd + "/" + path).split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(c)
        }
        return "/" + out.joined(separator: "/")
    }

    /// `--tmpfs /path[:size=64m,mode=1777]`
    public static func parseTmpfs(_ spec: String) throws -> MountRequest {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        var r = MountRequest(kind: .tmpfs, source: nil, target: parts[0])
        if parts.count > 1 { r.tmpfsOptions = parts[1] }
        try r.validate(spec)
        return r
    }

    /// Files under /proc a mount may cover (runc's list, for lxcfs-style
    /// providers); nothing else under /proc is a mount target.
    public static let procTargets: Set<String> = ["/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
                                           "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/sys/kernel/ns_last_pid", "/proc/net/dev"]

    /// Targets must be absolute, clean, not the root, and not inside /proc,
    /// whose magic links (/proc/self/root, /proc/self/cwd) lead out of the
    /// container (CVE-2022-23648; runc refuses /proc destinations too).
    public func validate(_ spec: String) throws {
        let comps = target.split(separator: "/")
        guard target.hasPrefix("/"), !comps.isEmpty, !comps.contains(".."), !comps.contains("."), !target.contains("\0") else {
            throw HiveError(.invalidArgument, "invalid mount target \"\(target)\" in \"\(spec)\": must be an absolute path inside the container, without .. and not /")
        }
        if comps[0] == "proc" && !MountRequest.procTargets.contains("/" + comps.joined(separator: "/")) {
            throw HiveError(.invalidArgument, "invalid mount target \"\(target)\" in \"\(spec)\": nothing may be mounted inside /proc")
        }
        if kind == .bind, let s = source, s.split(separator: "/").contains("..") {
            throw HiveError(.invalidArgument, "invalid bind source \"\(s)\": must not contain ..")
        }
        if kind == .volume, let s = source {
            _ = try MountRequest.validateVolumeName(s)
        }
        if let o = tmpfsOptions, o.contains(where: { $0 == "\n" || $0 == "\0" }) {
            throw HiveError(.invalidArgument, "invalid tmpfs options \"\(o)\"")
        }
    }

    /// A volume name as Docker allows it.
    public static func validateVolumeName(_ n: String) throws -> String {
        let u = Array(n.utf8)
        func ok(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard u.count >= 2, ok(u[0]), u.allSatisfy({ ok($0) || $0 == 95 || $0 == 46 || $0 == 45 }) else {
            throw HiveError(.invalidArgument, "invalid volume name \"\(n)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (at least 2 characters)")
        }
        return n
    }
}
