// What `run`/`create` ask of a container's namespaces and of the kernel
// settings made between clone and exec: --ipc, --pid, --uts, --cgroupns,
// --shm-size, --sysctl, --group-add, --device-cgroup-rule, --cgroup-parent,
// --domainname, --oom-score-adj. Checked as Docker checks them (its CLI's
// opts and its daemon's verifyPlatformContainerSettings), each error one line
// naming the value; the planner turns them into the launch plan.
import HivePlatform

/// The flags as given (nil: not given), kept as the record's `isolation`.
public struct IsolationRequest: Codable, Sendable, Equatable {
    /// private (the default), shareable, host, none, container:ID.
    public var ipc: String?
    /// host, container:ID (nil: private).
    public var pid: String?
    /// host (nil: private).
    public var uts: String?
    /// host or private (nil: private).
    public var cgroupns: String?
    /// /dev/shm's size in bytes (nil: 64 MiB).
    public var shmSize: Int64?
    /// `--sysctl KEY=VALUE`.
    public var sysctls: [String: String]?
    /// `--group-add` as given: group names (of the image's /etc/group) or numbers.
    public var groupAdd: [String]?
    /// `--device-cgroup-rule` lines ("c 1:3 rwm").
    public var deviceCgroupRules: [String]?
    /// `--cgroup-parent`: absolute (from the cgroup root) or relative to hive's own group.
    public var cgroupParent: String?
    public var domainname: String?
    public var oomScoreAdj: Int?
    public init() {}

    /// The IPC sysctls a container with its own IPC namespace may set (Docker's list), and the prefixes.
    static let ipcSysctls: Set<String> = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                                          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]

    /// `container:NAME` of --ipc or --pid: the NAME (nil: another mode).
    public static func containerRef(_ mode: String?) -> String? {
        guard let m = mode, m.hasPrefix("container:") else { return nil }
        return String(m.dropFirst("container:".count))
    }

    /// Docker's checks of the flags' values and their combinations with the
    /// network mode and the hostname; throws the first one that fails.
    public func check(network: String, hostname: String?) throws(HiveError) {
        if let m = ipc, !["", "private", "shareable", "host", "none"].contains(m) {
            guard let ref = IsolationRequest.containerRef(m), !ref.isEmpty else {
                throw HiveError(.invalidArgument, "invalid IPC mode: \(m) (use private, shareable, host, none or container:NAME)")
            }
        }
        if let m = pid, !["", "host", "private"].contains(m) {
            guard let ref = IsolationRequest.containerRef(m), !ref.isEmpty else {
                throw HiveError(.invalidArgument, "--pid: invalid PID mode \"\(m)\" (use host or container:NAME)")
            }
        }
        if let m = uts, !["", "host"].contains(m) { throw HiveError(.invalidArgument, "--uts: invalid UTS mode \"\(m)\" (use host)") }
        if uts == "host" && hostname != nil { throw HiveError(.invalidArgument, "conflicting options: hostname and the UTS mode (--uts host keeps the host's)") }
        if uts == "host" && domainname != nil { throw HiveError(.invalidArgument, "conflicting options: domainname and the UTS mode (--uts host keeps the host's)") }
        if let m = cgroupns, !["", "host", "private"].contains(m) {
            throw HiveError(.invalidArgument, "invalid cgroup namespace mode: \(m) (use host or private)")
        }
        if let s = shmSize, s <= 0 { throw HiveError(.invalidArgument, "invalid --shm-size \(s): the size must be greater than 0") }
        if let d = domainname, d.utf8.count > 64 || d.contains("\0") {
            throw HiveError(.invalidArgument, "invalid --domainname \"\(d)\": at most 64 bytes")
        }
        if let o = oomScoreAdj, o < -1000 || o > 1000 {
            throw HiveError(.invalidArgument, "invalid value \(o), range for oom score adj is [-1000, 1000]")
        }
        for r in deviceCgroupRules ?? [] { _ = try IsolationRequest.deviceRule(r) }
        if let p = cgroupParent {
            guard !p.isEmpty, !p.split(separator: "/").contains(".."), !p.contains("\0"), !p.contains("\n") else {
                throw HiveError(.invalidArgument, "invalid --cgroup-parent \"\(p)\": a cgroup path without ..")
            }
        }
        let ipcPrivate = ipc == nil || ["", "private", "shareable", "none"].contains(ipc!)
        for (k, _) in (sysctls ?? [:]).sorted(by: { $0.key < $1.key }) {
            try IsolationRequest.checkSysctl(k, network: network, ipcPrivate: ipcPrivate, ipc: ipc ?? "private")
        }
    }

    /// One --sysctl key: a namespaced one (net.*, fs.mqueue.*, the IPC ones),
    /// in a namespace of the container's own.
    static func checkSysctl(_ key: String, network: String, ipcPrivate: Bool, ipc: String) throws(HiveError) {
        let comps = key.split(separator: key.contains("/") ? "/" : ".", omittingEmptySubsequences: false)
        guard !key.isEmpty, !comps.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." }),
              key.allSatisfy({ $0.isLetter || $0.isNumber || "._-/:@".contains($0) }) else {
            throw HiveError(.invalidArgument, "invalid --sysctl key \"\(key)\"")
        }
        let dotted = key.contains("/") ? key.replacingSlashes : key
        if dotted == "kernel.hostname" { throw HiveError(.invalidArgument, "sysctl '\(key)' is not allowed: use --hostname") }
        if dotted == "kernel.domainname" { throw HiveError(.invalidArgument, "sysctl '\(key)' is not allowed: use --domainname") }
        if dotted.hasPrefix("net.") {
            if network == "host" || network.hasPrefix("container:") {
                throw HiveError(.invalidArgument, "sysctl '\(key)' is not allowed with --network \(network): net.* needs the container's own network namespace")
            }
            return
        }
        if ipcSysctls.contains(dotted) || dotted.hasPrefix("fs.mqueue.") {
            guard ipcPrivate else {
                throw HiveError(.invalidArgument, "sysctl '\(key)' is not allowed with --ipc \(ipc): it needs the container's own IPC namespace")
            }
            return
        }
        throw HiveError(.invalidArgument, "sysctl '\(key)' is not allowed: only namespaced ones (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)")
    }

    /// `--device-cgroup-rule "TYPE MAJOR:MINOR ACCESS"` (Docker's format; * for any number).
    public static func deviceRule(_ text: String) throws(HiveError) -> DeviceRule {
        func bad() -> HiveError {
            HiveError(.invalidArgument, "invalid device cgroup format '\(text)' (use TYPE MAJOR:MINOR ACCESS, e.g. 'c 1:3 rwm': type a, b or c, * for any number)")
        }
        let f = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard f.count == 3, ["a", "b", "c"].contains(f[0]) else { throw bad() }
        let mm = f[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard mm.count == 2 else { throw bad() }
        func num(_ s: String) throws(HiveError) -> Int64 {
            if s == "*" { return -1 }
            guard let n = Int64(s), n >= 0, n < 1 << 32 else { throw bad() }
            return n
        }
        let access = f[2]
        guard !access.isEmpty, access.count <= 3, access.allSatisfy({ "rwm".contains($0) }), Set(access).count == access.count else { throw bad() }
        return DeviceRule(f[0], try num(mm[0]), try num(mm[1]), access)
    }
}

extension String {
    fileprivate var replacingSlashes: String { String(map { $0 == "/" ? "." : $0 }) }
}

extension IsolationRequest {
    /// As stored in the spec's JSON (unset fields omitted).
    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        func str(_ k: String, _ v: String?) { if let v { o[k] = .string(v) } }
        str("ipc", ipc)
        str("pid", pid)
        str("uts", uts)
        str("cgroupns", cgroupns)
        if let shmSize { o["shmSize"] = .int(shmSize) }
        if let sysctls { o["sysctls"] = .object(sysctls.mapValues(JSONValue.string)) }
        if let groupAdd { o["groupAdd"] = .array(groupAdd.map(JSONValue.string)) }
        if let deviceCgroupRules { o["deviceCgroupRules"] = .array(deviceCgroupRules.map(JSONValue.string)) }
        str("cgroupParent", cgroupParent)
        str("domainname", domainname)
        if let oomScoreAdj { o["oomScoreAdj"] = .int(Int64(oomScoreAdj)) }
        return .object(o)
    }
}
