// `-v`, `--mount`, `--tmpfs` and image VOLUMEs -> mounts; the volume verbs.
import Glibc
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

/// A mount as the user asked for it, before volumes exist.
public struct MountRequest: Equatable {
    public enum Kind: String { case bind, volume, tmpfs }
    public var kind: Kind
    public var source: String?   // host path (bind) or volume name (nil: anonymous)
    public var target: String
    public var readonly = false
    public var tmpfsOptions: String?

    /// `-v SRC:DST[:ro]`, `-v NAME:DST`, `-v DST` (anonymous).
    public static func parseVolume(_ spec: String) throws -> MountRequest {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> HiveError { HiveError(.invalidArgument, "invalid volume specification \"\(spec)\": \(why)") }
        var r: MountRequest
        switch parts.count {
        case 1: r = MountRequest(kind: .volume, source: nil, target: parts[0])
        case 2, 3:
            let src = parts[0]
            r = MountRequest(kind: src.hasPrefix("/") ? .bind : .volume, source: src, target: parts[1])
            if parts.count == 3 {
                for o in parts[2].split(separator: ",") {
                    switch o {
                    case "ro": r.readonly = true
                    case "rw", "z", "Z", "rprivate", "private", "nocopy": continue
                    default: throw bad("unknown option \"\(o)\"")
                    }
                }
            }
        default: throw bad("too many colons")
        }
        try r.validate(spec)
        return r
    }

    /// `--mount type=bind,source=/a,target=/b,readonly`
    public static func parseMount(_ spec: String) throws -> MountRequest {
        var kind: Kind = .volume
        var src: String? = nil, dst: String? = nil, ro = false
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
            case "bind-propagation", "volume-nocopy", "consistency": continue
            default: throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": unknown field \"\(kv[0])\"")
            }
        }
        guard let dst else { throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": target is required") }
        var r = MountRequest(kind: kind, source: src, target: dst, readonly: ro, tmpfsOptions: tmpfs.isEmpty ? nil : tmpfs.joined(separator: ","))
        if kind == .bind && src == nil { throw HiveError(.invalidArgument, "invalid --mount \"\(spec)\": a bind mount needs a source") }
        if kind == .tmpfs { r.source = nil }
        try r.validate(spec)
        return r
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
    static let procTargets: Set<String> = ["/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
                                           "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/sys/kernel/ns_last_pid", "/proc/net/dev"]

    /// Targets must be absolute, clean, not the root, and not inside /proc,
    /// whose magic links (/proc/self/root, /proc/self/cwd) lead out of the
    /// container (CVE-2022-23648; runc refuses /proc destinations too).
    func validate(_ spec: String) throws {
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
            _ = try Engine.validateVolumeName(s)
        }
        if let o = tmpfsOptions, o.contains(where: { $0 == "\n" || $0 == "\0" }) {
            throw HiveError(.invalidArgument, "invalid tmpfs options \"\(o)\"")
        }
    }
}

extension Engine {
    static func validateVolumeName(_ n: String) throws -> String {
        let u = Array(n.utf8)
        func ok(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard u.count >= 2, ok(u[0]), u.allSatisfy({ ok($0) || $0 == 95 || $0 == 46 || $0 == 45 }) else {
            throw HiveError(.invalidArgument, "invalid volume name \"\(n)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (at least 2 characters)")
        }
        return n
    }

    /// Turns requests (and the image's VOLUMEs) into mounts, creating volumes as needed.
    /// Returns the mounts and the volume names the container uses.
    func resolveMounts(_ requests: [MountRequest], imageVolumes: [String]) throws -> ([MountSpec], [String], [String]) {
        var mounts: [MountSpec] = []
        var used: [String] = [], created: [String] = []
        var all = requests
        for v in imageVolumes.sorted() where !requests.contains(where: { $0.target == v }) {
            let r = MountRequest(kind: .volume, source: nil, target: v)
            do { try r.validate("image VOLUME " + v) } catch {
                throw HiveError(.invalidArgument, "the image declares an unsafe VOLUME \"\(v)\" (rejected: it must be an absolute path without .., outside /proc)")
            }
            all.append(r)
        }
        for r in all {
            switch r.kind {
            case .bind:
                var st = stat()
                guard let src = r.source, stat(src, &st) == 0 else {
                    throw HiveError(.invalidArgument, "invalid mount config: bind source path does not exist: \(r.source ?? "")")
                }
                mounts.append(MountSpec(source: src, target: r.target, readonly: r.readonly))
            case .tmpfs:
                mounts.append(MountSpec(source: "tmpfs", target: r.target, fstype: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV),
                                        data: r.tmpfsOptions ?? "mode=1777", readonly: r.readonly))
            case .volume:
                let name = r.source ?? Engine.randomID()
                if try store.ensureVolume(name, anonymous: r.source == nil) { created.append(name) }
                used.append(name)
                var m = MountSpec(source: store.volumeData(name), target: r.target, readonly: r.readonly)
                m.populate = true
                mounts.append(m)
            }
        }
        return (mounts, used, created)
    }

    // MARK: - volume verbs

    public func createVolume(_ name: String?, labels: [String: String]) throws -> String {
        let n = try name.map(Engine.validateVolumeName) ?? Engine.randomID()
        _ = try store.db.transaction { () throws(HiveError) in
            try store.ensureVolume(n, labelsJSON: labelsJSON(labels))
        }
        return n
    }

    public func listVolumes() throws -> [VolumeRecord] { try store.volumes() }

    public func volumeInfo(_ name: String) throws -> JSONValue {
        guard let v = try store.volume(name) else { throw HiveError(.notFound, "no such volume: \(name) (hive volume ls lists them)") }
        let labels = self.labels(v.labelsJSON)
        return .object([
            "Name": .string(v.name), "Driver": .string("local"), "Mountpoint": .string(store.volumeData(v.name)),
            "CreatedAt": .string(Timestamp(unixNanos: v.created).rfc3339), "Labels": .object(labels.mapValues { .string($0) }),
            "Scope": .string("local"), "Options": .object([:]),
        ])
    }

    public func removeVolume(_ name: String, force: Bool) throws {
        guard try store.volume(name) != nil else { throw HiveError(.notFound, "no such volume: \(name)") }
        let users = try store.volumeUsers(name)
        if !users.isEmpty {
            throw HiveError(.conflict, "remove \(name): volume is in use - [\(users.map { String($0.prefix(12)) }.joined(separator: ", "))]")
        }
        try store.db.transaction { () throws(HiveError) in try store.deleteVolume(name) }
        volumeRemovedEvent(name)
    }

    /// Removes volumes no container uses (with `all` false, only anonymous ones, as Docker 23+ does).
    public func pruneVolumes(all: Bool) throws -> [String] {
        try store.lockExclusive()
        defer { store.unlock() }
        var list: [PruneCandidate] = []
        for v in try store.volumes() where try (all || v.anonymous) && store.volumeUsers(v.name).isEmpty {
            list.append(PruneCandidate(type: "volume", id: v.name, name: v.name, created: v.created, lastUsed: nil, size: 0, reason: "unused"))
        }
        var report = GCReport()
        try remove(try prePrune(list, reason: "volume prune"), into: &report)
        return report.volumes
    }
}

extension Engine {
    /// `path` with every symlink resolved (realpath); for a name that does not
    /// exist yet, its directory resolved and the name kept; else `path` itself.
    static func canonicalPath(_ path: String) -> String {
        if let r = realpath(path, nil) { defer { free(r) }; return String(cString: r) }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return path }
        let dir = String(path[..<slash])
        guard let r = realpath(dir, nil) else { return path }
        defer { free(r) }
        return String(cString: r) + path[slash...]
    }
}
