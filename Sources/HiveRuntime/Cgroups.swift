// Per-container cgroups: v2 where it has controllers, otherwise v1 (these
// machines are hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified with
// none usable). Groups nest under hive's own cgroup, as platform-notes.md says.
//
// Every container is in a device cgroup (Docker's policy, Cgroups+Devices.swift):
// on v1 a `devices` group; on cgroup2 a BPF device program attached to the
// container's group (devices.c). A hybrid host uses the v1 group, and with
// `[cgroups] devices = "both"` also the program on a group of the container's
// under the cgroup2 mount: the kernel checks the program of the task's cgroup2
// group, then the v1 devices controller.
import CHiveLaunch
import Glibc
import HiveOCI
import HivePlatform

public struct Resources: Sendable, Codable, Equatable {
    /// Bytes; nil: no limit.
    public var memory: Int64?
    /// CPUs (e.g. 0.5); nil: no limit.
    public var cpus: Double?
    /// nil or <= 0: unlimited. Default 2048 like Podman.
    public var pidsLimit: Int64? = 2048
    /// `--memory-swap`: memory plus swap in bytes, -1 unlimited swap; nil: no swap (the same as `memory`).
    public var memorySwap: Int64? = nil
    /// `--cpu-shares` (relative weight, 2-262144; nil: the kernel's default 1024).
    public var cpuShares: Int64? = nil
    /// `--cpuset-cpus` (e.g. "0-3,5"; nil: every CPU).
    public var cpusetCpus: String? = nil
    /// The rest of run/create's limits (Cgroups+Tuning.swift); nil: not set.
    public var memoryReservation: Int64? = nil
    public var memorySwappiness: Int64? = nil
    public var oomKillDisable: Bool? = nil
    public var cpusetMems: String? = nil
    public var cpuPeriod: Int64? = nil
    public var cpuQuota: Int64? = nil
    public var cpuRtPeriod: Int64? = nil
    public var cpuRtRuntime: Int64? = nil
    public var blkioWeight: Int64? = nil
    /// Per device, "MAJOR:MINOR VALUE" (as the v1 files take them).
    public var blkioWeightDevice: [String]? = nil
    public var deviceReadBps: [String]? = nil
    public var deviceWriteBps: [String]? = nil
    public var deviceReadIops: [String]? = nil
    public var deviceWriteIops: [String]? = nil
    public init() {}
}

public enum Cgroups {
    public enum Mode { case v1, v2 }

    public static var mode: Mode {
        if let c = read("/sys/fs/cgroup/cgroup.controllers"), c.contains("pids") || c.contains("memory") { return .v2 }
        return .v1
    }

    /// One group to create: its directory and the limits to write into it.
    public struct Group: Sendable {
        public var dir: String
        public var settings: [(file: String, value: String, optional: Bool)]
        /// cgroup2: the device rules of the BPF program attached to the group.
        public var deviceProgram: [DeviceRule]? = nil
        public var procs: String { dir + "/cgroup.procs" }
    }

    /// The container's groups and limits, computed without touching the
    /// filesystem, so the caller can record the directories before they exist
    /// (a CLI killed half-way through `create` then leaves nothing `rm` cannot find).
    /// `devices`: the device policy; nil (`--privileged`) allows every device,
    /// as Docker does. `mechanism` (hive.toml `[cgroups] devices`) picks how it is
    /// enforced where both exist.
    /// `parent`: `--cgroup-parent` (absolute: from the hierarchy's root; relative: under hive's own group).
    public static func layout(id: String, resources r: Resources, devices: [DeviceRule]?,
                              mechanism: DeviceMechanism = .auto, parent: String? = nil) throws(HiveError) -> [Group] {
        let own = ownPaths()
        let name = "hive-" + String(id.prefix(16))
        var groups: [Group] = []
        switch mode {
        case .v2:
            if mechanism == .v1 || mechanism == .both {
                throw HiveError(.invalidArgument, "cgroups.devices = \"\(mechanism.rawValue)\" needs the v1 devices controller, and this host has cgroup v2 only (use \"auto\" or \"bpf\")")
            }
            var g = Group(dir: "/sys/fs/cgroup" + parentPath(parent, own[""]) + "/" + name, settings: [])
            let limits = try tuned(limitSettings(r, v2: true, own: own), r, v2: true, own: own)
            g.settings = ["pids", "memory", "cpu", "cpuset", "io"].flatMap { limits[$0] ?? [] }
            g.deviceProgram = devices
            groups.append(g)
        case .v1:
            let limits = try tuned(limitSettings(r, v2: false, own: own), r, v2: false, own: own)
            groups.append(Group(dir: v1Dir("pids", own, name, parent: parent), settings: limits["pids"] ?? []))
            groups.append(Group(dir: v1Dir("memory", own, name, parent: parent), settings: limits["memory"] ?? []))
            if access("/sys/fs/cgroup/freezer", F_OK) == 0 {
                groups.append(Group(dir: v1Dir("freezer", own, name, parent: parent), settings: []))
            }
            // cpu, cpuset and blkio only when limited (`hive update` adds cpu and cpuset later if needed)
            for controller in ["cpu", "cpuset", "blkio"] {
                if let l = limits[controller] { groups.append(Group(dir: v1Dir(controller, own, name, parent: parent), settings: l)) }
            }
            // the device policy (none to apply when privileged: every device allowed)
            guard let devices else { break }
            // Moving the child into a group of the cgroup2 mount as well costs
            // far more than the v1 moves here (p50 0.13 ms, p90 1.4 ms against
            // ~5 us each, measured by moving a child busy mounting; median
            // 8 ms of `run` on a loaded machine): by default a hybrid host
            // uses the v1 controller alone, and "both" adds the BPF program.
            let haveV1 = access("/sys/fs/cgroup/devices", F_OK) == 0
            let v1 = mechanism != .bpf && haveV1
            let bpf = (mechanism == .bpf || mechanism == .both || (mechanism == .auto && !haveV1))
                && access(unifiedMount + "/cgroup.procs", F_OK) == 0
            if mechanism == .both && !(v1 && bpf) {
                throw HiveError(.invalidArgument, "cgroups.devices = \"both\" needs the v1 devices controller and cgroup2 at \(unifiedMount) (use \"auto\")")
            }
            if mechanism == .v1 && !v1 {
                throw HiveError(.invalidArgument, "cgroups.devices = \"v1\" needs the v1 devices controller at /sys/fs/cgroup/devices (use \"auto\")")
            }
            if mechanism == .bpf && !bpf {
                throw HiveError(.invalidArgument, "cgroups.devices = \"bpf\" needs cgroup2 mounted at \(unifiedMount) (use \"auto\")")
            }
            guard v1 || bpf else {
                throw HiveError(.invalidArgument, "no device cgroup: neither the v1 devices controller nor cgroup2 is mounted under /sys/fs/cgroup (containers need one)")
            }
            if v1 {
                // deny everything, then allow each rule (one write per line)
                let settings: [(file: String, value: String, optional: Bool)] =
                    [("devices.deny", "a", false)] + devices.map { ("devices.allow", $0.line, false) }
                groups.append(Group(dir: v1Dir("devices", own, name, parent: parent), settings: settings))
            }
            if bpf {
                // defence in depth on a hybrid host: the container's cgroup2 group holds the BPF program
                groups.append(Group(dir: unifiedMount + parentPath(parent, own[""]) + "/" + name, settings: [], deviceProgram: devices))
            }
        }
        // the launcher joins at most HIVE_MAX_CGROUPS and would skip the rest
        guard groups.count <= Int(HIVE_MAX_CGROUPS) else {
            throw HiveError(.internal, "a container needs \(groups.count) cgroups, more than the launcher can join (\(HIVE_MAX_CGROUPS))")
        }
        return groups
    }

    /// Where a hybrid host mounts cgroup2.
    static let unifiedMount = "/sys/fs/cgroup/unified"

    /// Creates the groups of `layout` and applies their limits; on failure removes what it made.
    /// (The parents of a `--cgroup-parent` are made as needed and left, as Docker leaves them.)
    public static func create(_ groups: [Group]) throws {
        var made: [String] = []
        do {
            for g in groups {
                if mkdir(g.dir, 0o755) != 0 && errno == ENOENT { try makeParents(of: g.dir) }
                if mkdir(g.dir, 0o755) != 0 && errno != EEXIST { throw HiveError.errno("cannot create cgroup \(g.dir)") }
                made.append(g.dir)
                try writeSettings(g)
                if let rules = g.deviceProgram { try attachDeviceProgram(g.dir, rules) }
            }
        } catch {
            remove(made)
            throw error
        }
    }

    /// Writes the group's settings into its files.
    static func writeSettings(_ g: Group) throws {
        // one open per file: the v1 devices.allow takes one rule per write (~5 us each, ~15 us an open)
        var i = 0
        while i < g.settings.count {
            let file = g.settings[i].file
            var j = i
            while j < g.settings.count && g.settings[j].file == file { j += 1 }
            defer { i = j }
            let run = g.settings[i..<j]
            let fd = open(g.dir + "/" + file, O_WRONLY | O_CLOEXEC)
            if fd < 0 {
                if run.allSatisfy(\.optional) { continue }
                throw HiveError(.io, "cannot set \(file)=\(run.first { !$0.optional }!.value) in cgroup \(g.dir)",
                                cause: String(cString: strerror(errno)))
            }
            defer { close(fd) }
            for s in run {
                let bytes = Array(s.value.utf8)
                if bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count || s.optional { continue }
                throw HiveError(.io, "cannot set \(s.file)=\(s.value) in cgroup \(g.dir)", cause: String(cString: strerror(errno)))
            }
        }
    }

    /// Moving a process into a cgroup (v1 or v2) takes a global lock whose
    /// first writer after a quiet spell waits for an RCU grace period: 7-25 ms
    /// here, more than the rest of a container start. The kernel's
    /// `favordynmods` option of a cgroup2 mount keeps that lock ready for
    /// writers (forks and exits pay a little instead); it is global and lasts
    /// until reboot, so hive sets it once per boot, noted by `marker` (under
    /// the runroot, a tmpfs). Returns what it did, for the debug log; failing
    /// (no cgroup2 mount, no privilege) only costs the wait.
    @discardableResult
    public static func favorDynamicModifications(marker: String) -> String? {
        if access(marker, F_OK) == 0 { return nil }
        defer {
            if let slash = marker.lastIndex(of: "/") { mkdir(String(marker[..<slash]), 0o700) }
            let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        var done: [String] = []
        for line in (read("/proc/self/mountinfo") ?? "").split(separator: "\n") {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT MOUNTOPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
            let f = line.split(separator: " ")
            guard let dash = f.firstIndex(of: "-"), dash >= 6, f.count >= dash + 4, f[dash + 1] == "cgroup2", !f[4].contains("\\") else { continue }
            let superOpts = f[dash + 3].split(separator: ",").map(String.init)
            if superOpts.contains("favordynmods") { return nil }
            var flags = UInt(MS_REMOUNT)
            let bits: [String: Int] = ["ro": Int(MS_RDONLY), "nosuid": Int(MS_NOSUID), "nodev": Int(MS_NODEV), "noexec": Int(MS_NOEXEC),
                                       "noatime": Int(MS_NOATIME), "nodiratime": Int(MS_NODIRATIME), "relatime": Int(MS_RELATIME),
                                       "strictatime": Int(MS_STRICTATIME)]
            for o in f[5].split(separator: ",") { flags |= UInt(bits[String(o)] ?? 0) }
            // a remount replaces the cgroup2 options: keep the ones it has
            let data = (superOpts.filter { $0 != "rw" && $0 != "ro" } + ["favordynmods"]).joined(separator: ",")
            let target = String(f[4])
            if mount("cgroup2", target, "cgroup2", flags, data) == 0 { done.append(target) } else { return "cannot remount \(target) with favordynmods: \(String(cString: strerror(errno)))" }
            break  // one superblock holds the option for all
        }
        return done.isEmpty ? nil : "remounted \(done.joined(separator: ", ")) with favordynmods"
    }

    /// Removes the groups (they must be empty: the container's processes are gone).
    public static func remove(_ dirs: [String]) {
        for d in dirs.reversed() {
            for _ in 0..<500 {
                if rmdir(d) == 0 || errno == ENOENT { break }
                usleep(2000)  // the last task may still be leaving
            }
        }
    }

    /// SIGKILLs every process left in the groups (`rm -f`): also those whose
    /// pid was never recorded because the CLI died while starting them.
    public static func killAll(_ dirs: [String]) {
        for d in dirs {
            if access(d + "/cgroup.kill", F_OK) == 0, (try? Files.write(d + "/cgroup.kill", "1")) != nil { continue }
            for line in (read(d + "/cgroup.procs") ?? "").split(separator: "\n") {
                if let pid = Int32(line), pid > 1 { kill(pid, SIGKILL) }
            }
        }
    }

    /// Freezes or thaws every process of the container (`pause` / `unpause`).
    public static func freeze(_ dirs: [String], _ on: Bool) throws {
        if let d = dirs.first(where: { $0.contains("/freezer/") }) {
            try Files.write(d + "/freezer.state", on ? "FROZEN" : "THAWED")
            for _ in 0..<1000 {
                if read(d + "/freezer.state")?.hasPrefix(on ? "FROZEN" : "THAWED") == true { return }
                usleep(1000)
            }
            return
        }
        if let d = dirs.first(where: { access($0 + "/cgroup.freeze", F_OK) == 0 }) {
            try Files.write(d + "/cgroup.freeze", on ? "1" : "0")
            return
        }
        throw HiveError(.invalidArgument, "this container has no freezer cgroup, so it cannot be paused")
    }

    public static func isFrozen(_ dirs: [String]) -> Bool {
        for d in dirs {
            if let s = read(d + "/freezer.state"), s.hasPrefix("FROZEN") || s.hasPrefix("FREEZING") { return true }
            if let s = read(d + "/cgroup.freeze"), s.hasPrefix("1") { return true }
        }
        return false
    }


    /// This process's cgroup path per v1 controller ("" for v2).
    static func ownPaths() -> [String: String] {
        var out: [String: String] = [:]
        for line in (read("/proc/self/cgroup") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2]) == "/" ? "" : String(parts[2])
            for c in parts[1].split(separator: ",", omittingEmptySubsequences: false) { out[String(c)] = path }
            if parts[1].contains(",") { out[String(parts[1])] = path }
        }
        return out
    }

    static func read(_ path: String) -> String? { Files.readText(path) }
}
