// `hive info` (`system info`): what `docker info` reports, gathered from the
// state database (container and image counts), the kernel (uname, sysinfo,
// the cgroup2 controllers, /proc/sys) and hive.toml (registries, hooks).
// Reads only: nothing is created or written, and no hook file is run.
import Glibc
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

public struct SystemInfo {
    public var containers = 0, running = 0, paused = 0, stopped = 0
    public var images = 0
    public var root = "", runroot = ""
    public var backingFilesystem = ""
    public var cgroupVersion = "2"
    /// The cgroup2 (or v1) controllers the host offers: memory, cpu, cpuset, pids, io.
    public var controllers: Set<String> = []
    public var swapLimit = false
    public var ipv4Forwarding = false
    public var kernelVersion = "", operatingSystem = "", osVersion = "", machine = "", hostname = ""
    public var ncpu = 0
    public var memTotal: Int64 = 0
    /// A stable ID for this host and root (machine-id and root hashed, UUID-shaped).
    public var id = ""
    public var insecureRegistries: [String] = []
    public var mirrors: [String: [String]] = [:]
    public var hookDirs: [String] = [], pluginDirs: [String] = [], enabledPlugins: [String] = []
    /// The hook files found (plugins first, then site hooks), without loading them.
    public var hookFiles: [String] = []
    /// Why the hooks could not be read (hive.toml invalid): shown as a warning.
    public var configError: String?
    public var warnings: [String] = []
}

extension Engine {
    /// What `hive info` shows; cheap (one query per table, a few small /proc and /sys reads).
    public func systemInfo() throws -> SystemInfo {
        var i = SystemInfo()
        for r in try store.allContainers() {
            i.containers += 1
            if isAlive(r) {
                if isPaused(r.id) { i.paused += 1 } else { i.running += 1 }
            } else {
                i.stopped += 1
            }
        }
        i.images = try store.allImages().count
        i.root = store.root
        i.runroot = store.runroot
        i.backingFilesystem = SystemInfo.filesystemName(store.root)
        if Cgroups.mode == .v2 {
            i.controllers = Set((Files.readText("/sys/fs/cgroup/cgroup.controllers") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            i.swapLimit = i.controllers.contains("memory") && SystemInfo.swapAccounting()
        } else {
            i.cgroupVersion = "1"
            for c in ["memory", "cpu", "cpuset", "pids", "blkio"] where access("/sys/fs/cgroup/" + c, F_OK) == 0 { i.controllers.insert(c == "blkio" ? "io" : c) }
            i.swapLimit = access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0
        }
        i.ipv4Forwarding = Files.readText("/proc/sys/net/ipv4/ip_forward")?.hasPrefix("1") == true
        (i.kernelVersion, i.machine, i.hostname) = HostPlatform.uts
        let os = SystemInfo.osRelease()
        i.operatingSystem = os["PRETTY_NAME"] ?? os["NAME"] ?? "Linux"
        i.osVersion = os["VERSION_ID"] ?? ""
        i.ncpu = Cgroups.onlineCPUs
        i.memTotal = Cgroups.hostMemory()  // /proc/meminfo's MemTotal, as Docker reads it
        let machineID = Files.readText("/etc/machine-id")?.split(separator: "\n").first.map(String.init) ?? i.hostname
        let hc = Array(Digest.of(Array((machineID + "\n" + store.root).utf8)).hex.utf8)
        func part(_ a: Int, _ b: Int) -> String { String(decoding: hc[a..<b], as: UTF8.self) }
        i.id = [part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32)].joined(separator: "-")
        do {
            let c = try config()
            i.insecureRegistries = c.registries.insecure
            i.mirrors = c.registries.mirrors
            i.hookDirs = options.hooksDirs ?? c.hookDirs
            i.pluginDirs = c.pluginDirs
            i.enabledPlugins = c.enabledPlugins
            for name in c.enabledPlugins {
                if let p = c.pluginDirs.map({ $0 + "/" + name + ".lua" }).first(where: { access($0, F_OK) == 0 }) { i.hookFiles.append(p) }
            }
            for d in i.hookDirs {
                i.hookFiles += Files.names(in: d).filter { $0.hasSuffix(".lua") }.sorted().map { d + "/" + $0 }
            }
        } catch {
            i.configError = "\(error)"
            i.warnings.append("WARNING: \(error)")
        }
        if !i.controllers.contains("memory") { i.warnings.append("WARNING: No memory limit support") }
        if !i.swapLimit { i.warnings.append("WARNING: No swap limit support") }
        if !i.controllers.contains("cpu") { i.warnings.append("WARNING: No cpu cfs quota support") }
        if !i.controllers.contains("pids") { i.warnings.append("WARNING: No pids limit support") }
        if !i.ipv4Forwarding { i.warnings.append("WARNING: IPv4 forwarding is disabled") }
        return i
    }
}

extension SystemInfo {
    /// /etc/os-release (or /usr/lib/os-release) as key/value pairs, quotes removed.
    static func osRelease() -> [String: String] {
        guard let text = Files.readText("/etc/os-release") ?? Files.readText("/usr/lib/os-release") else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var v = line[line.index(after: eq)...]
            if v.count >= 2, let f = v.first, f == "\"" || f == "'", v.last == f { v = v.dropFirst().dropLast() }
            out[String(line[..<eq])] = String(v)
        }
        return out
    }

    /// Whether this process's cgroup (or an ancestor below the root) has memory.swap.max.
    static func swapAccounting() -> Bool {
        guard let line = Files.readText("/proc/self/cgroup")?.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return false }
        var path = String(line.dropFirst(3))
        while !path.isEmpty && path != "/" {
            if access("/sys/fs/cgroup" + path + "/memory.swap.max", F_OK) == 0 { return true }
            path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        }
        // at the root: any first-level group with the file
        return Files.names(in: "/sys/fs/cgroup").contains { access("/sys/fs/cgroup/" + $0 + "/memory.swap.max", F_OK) == 0 }
    }

    /// The name Docker's overlay2 status gives the filesystem under `path`
    /// (extfs, xfs, btrfs, tmpfs...): the type of its mount in /proc/self/mountinfo.
    static func filesystemName(_ path: String) -> String {
        switch HostMount.holding(path)?.fstype ?? "unknown" {
        case "ext2", "ext3", "ext4": return "extfs"
        case "overlay": return "overlayfs"
        case let type: return type
        }
    }
}
