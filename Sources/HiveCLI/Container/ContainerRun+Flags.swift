// run/create's flags beyond the everyday ones: namespaces (--ipc, --pid, --uts,
// --cgroupns), kernel settings (--sysctl, --shm-size, --domainname,
// --oom-score-adj), groups and devices (--group-add, --device-cgroup-rule),
// cgroups (--cgroup-parent and the tuning limits), --volumes-from,
// --annotation, --label-file, --cidfile, -q, --platform, and the Docker
// flags hive refuses (RunRefusals). Parsed into the request; their checks
// against each other and the network mode live below the CLI
// (IsolationRequest.check, ContainerPlanner.checkResources) for every caller.
import Glibc
import HiveEngine
import HiveRuntime
import HivePlatform

enum RunFlags {
    static let options: [OptionDef] = [
        .value("shm-size", nil, "bytes", "Size of /dev/shm (default 64m)"),
        .multi("device-cgroup-rule", nil, "list", "Add a rule to the cgroup allowed devices list (e.g. 'c 1:3 rwm')"),
        .multi("group-add", nil, "list", "Add additional groups to join"),
        .multi("sysctl", nil, "map", "Sysctl options: namespaced ones (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)"),
        .value("ipc", nil, "string", "IPC mode to use: private, shareable, host, none, container:NAME"),
        .value("pid", nil, "string", "PID namespace to use: host, container:NAME"),
        .value("uts", nil, "string", "UTS namespace to use: host"),
        .value("cgroupns", nil, "string", "Cgroup namespace to use (host|private)"),
        .value("cgroup-parent", nil, "string", "Optional parent cgroup for the container"),
        .value("cidfile", nil, "string", "Write the container ID to the file"),
        .multi("label-file", nil, "list", "Read in a line delimited file of labels"),
        .multi("volumes-from", nil, "list", "Mount volumes from the specified container(s): CONTAINER[:ro|rw]"),
        .value("cpuset-mems", nil, "string", "MEMs in which to allow execution (0-3, 0,1)"),
        .value("memory-reservation", nil, "bytes", "Memory soft limit"),
        .value("memory-swappiness", nil, "int", "Tune container memory swappiness (0 to 100) (default -1)"),
        .flag("oom-kill-disable", nil, "Disable OOM Killer"),
        .value("oom-score-adj", nil, "int", "Tune host's OOM preferences (-1000 to 1000)"),
        .value("cpu-period", nil, "int", "Limit CPU CFS (Completely Fair Scheduler) period"),
        .value("cpu-quota", nil, "int", "Limit CPU CFS (Completely Fair Scheduler) quota"),
        .value("cpu-rt-period", nil, "int", "Limit CPU real-time period in microseconds"),
        .value("cpu-rt-runtime", nil, "int", "Limit CPU real-time runtime in microseconds"),
        .value("blkio-weight", nil, "uint16", "Block IO (relative weight), between 10 and 1000, or 0 to disable"),
        .multi("blkio-weight-device", nil, "list", "Block IO weight (relative device weight): DEVICE:WEIGHT"),
        .multi("device-read-bps", nil, "list", "Limit read rate (bytes per second) from a device: DEVICE:RATE"),
        .multi("device-write-bps", nil, "list", "Limit write rate (bytes per second) to a device: DEVICE:RATE"),
        .multi("device-read-iops", nil, "list", "Limit read rate (IO per second) from a device: DEVICE:RATE"),
        .multi("device-write-iops", nil, "list", "Limit write rate (IO per second) to a device: DEVICE:RATE"),
        .multi("annotation", nil, "map", "Add an annotation to the container"),
        .value("domainname", nil, "string", "Container NIS domain name"),
        .flag("quiet", "q", "Suppress the pull output"),
        .value("platform", nil, "string", "Set platform (os[/arch[/variant]]): checked against the image"),
        .value("kernel-memory", nil, "bytes", "Kernel memory limit (deprecated: ignored)"),
    ] + RunRefusals.refused.filter { $0.flag != "gpus" }.map { r in
        ["link", "link-local-ip", "storage-opt"].contains(r.flag) ? .multi(r.flag, nil, "list", "Not supported: " + r.reason)
            : ["use-api-socket", "disable-content-trust"].contains(r.flag) ? .flag(r.flag, nil, "Not supported: " + r.reason)
            : .value(r.flag, nil, "string", "Not supported: " + r.reason)
    }

    /// The flags into `o`; a refused flag fails before anything is made.
    static func apply(_ c: Context, to o: inout RunOptions) throws {
        let a = c.args
        try refuse(c)
        var iso = IsolationRequest()
        iso.ipc = a.value("ipc")
        iso.pid = a.value("pid")
        iso.uts = a.value("uts")
        iso.cgroupns = a.value("cgroupns")
        iso.cgroupParent = a.value("cgroup-parent")
        iso.domainname = a.value("domainname")
        if let s = a.value("shm-size") { iso.shmSize = try Quantity.bytes(s) }
        if let s = a.value("oom-score-adj") { iso.oomScoreAdj = try int(s, "--oom-score-adj") }
        let sysctls = try a.all("sysctl").map { s throws(HiveError) -> (String, String) in
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else { throw HiveError(.invalidArgument, "invalid --sysctl \"\(s)\" (use KEY=VALUE)") }
            return (String(s[..<eq]), String(s[s.index(after: eq)...]))
        }
        if !sysctls.isEmpty { iso.sysctls = Dictionary(sysctls) { $1 } }
        if !a.all("group-add").isEmpty { iso.groupAdd = a.all("group-add") }
        if !a.all("device-cgroup-rule").isEmpty { iso.deviceCgroupRules = a.all("device-cgroup-rule") }
        try iso.check(network: o.network, hostname: o.hostname)  // before anything is made
        o.isolation = iso
        o.volumesFrom = a.all("volumes-from")
        o.annotations = c.keyValues("annotation")
        o.platform = a.value("platform")
        try tuning(c, &o.resources)
        if o.resources.oomKillDisable == true && o.resources.memory == nil {
            c.warn("Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.")
        }
        if a.value("kernel-memory") != nil {
            c.warn("Specifying a kernel memory limit is deprecated and will be removed in a future release (--kernel-memory is ignored).")
        }
    }

    /// `--label-file`s then `--label`s (a later one wins), as Docker reads them.
    static func labels(_ c: Context) throws -> [String: String] {
        var out: [String: String] = [:]
        for f in c.args.all("label-file") {
            guard let text = Files.readText(f) else { throw HiveError.errno("cannot open label file \(f)") }
            for line in text.split(separator: "\n").map({ String($0).trimmed }) where !line.isEmpty && !line.hasPrefix("#") {
                let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
                out[kv[0]] = kv.count > 1 ? kv[1] : ""
            }
        }
        return out.merging(c.keyValues("label")) { $1 }
    }

    /// The tuning limits (`update` does not take them).
    static func tuning(_ c: Context, _ r: inout Resources) throws {
        let a = c.args
        if let s = a.value("memory-reservation") { r.memoryReservation = try Quantity.bytes(s) }
        if let s = a.value("memory-swappiness") { r.memorySwappiness = Int64(try int(s, "--memory-swappiness")) }
        if a.flag("oom-kill-disable") { r.oomKillDisable = true }
        r.cpusetMems = a.value("cpuset-mems")
        if let s = a.value("cpu-period") { r.cpuPeriod = Int64(try int(s, "--cpu-period")) }
        if let s = a.value("cpu-quota") { r.cpuQuota = Int64(try int(s, "--cpu-quota")) }
        if let s = a.value("cpu-rt-period") { r.cpuRtPeriod = Int64(try int(s, "--cpu-rt-period")) }
        if let s = a.value("cpu-rt-runtime") { r.cpuRtRuntime = Int64(try int(s, "--cpu-rt-runtime")) }
        if let s = a.value("blkio-weight") { r.blkioWeight = Int64(try int(s, "--blkio-weight")) }
        func devices(_ flag: String, weight: Bool = false, bytes: Bool = false) throws -> [String]? {
            let list = try a.all(flag).map { t in
                try ContainerPlanner.deviceLimit(t, flag: "--" + flag, parse: { v in bytes ? try Quantity.bytes(v) : Int64(try int(v, "--" + flag)) }, weight: weight)
            }
            return list.isEmpty ? nil : list
        }
        r.blkioWeightDevice = try devices("blkio-weight-device", weight: true)
        r.deviceReadBps = try devices("device-read-bps", bytes: true)
        r.deviceWriteBps = try devices("device-write-bps", bytes: true)
        r.deviceReadIops = try devices("device-read-iops")
        r.deviceWriteIops = try devices("device-write-iops")
    }

    static func int(_ s: String, _ flag: String) throws(HiveError) -> Int {
        guard let n = Int(s) else { throw HiveError(.invalidArgument, "invalid argument \"\(s)\" for \"\(flag)\" flag: not an integer") }
        return n
    }

    /// Docker's flags hive refuses (RunRefusals), but for the values that change nothing.
    static func refuse(_ c: Context) throws {
        let a = c.args
        for (flag, reason) in RunRefusals.refused where flag != "gpus" {
            // a flag: use-api-socket refused when set, disable-content-trust when set to false
            if flag == "disable-content-trust" {
                if a.negated.contains(flag) { throw RunRefusals.contentTrustRequested() }
            } else if a.flag(flag) {
                throw HiveError(.invalidArgument, "--\(flag) is not supported: \(reason)")
            }
            for v in a.all(flag) where !(RunRefusals.harmless[flag]?.contains(v) ?? false) {
                throw RunRefusals.error(flag, v)
            }
        }
    }

    /// `--cidfile`: refused if it exists (Docker's words), else made empty now
    /// and filled with the ID once the container exists; nil without the flag.
    static func cidFile(_ c: Context) throws -> String? {
        guard let path = c.args.value("cidfile") else { return nil }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { throw HiveError(.conflict, "container ID file found, make sure the other container isn't running or delete \(path)") }
            throw HiveError.errno("cannot create the container ID file \(path)")
        }
        close(fd)
        return path
    }

    /// A --cidfile still empty when run/create failed goes (nothing is left behind).
    static func dropEmpty(_ path: String?) {
        var st = stat()
        if let path, stat(path, &st) == 0, st.st_size == 0 { unlink(path) }
    }

    /// The working directory, for -v's relative host paths (nil if it cannot be read).
    static func currentDirectory() -> String? {
        guard let p = getcwd(nil, 0) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
