// `POST /containers/create`'s body (Config, HostConfig, NetworkingConfig)
// as the request `hive create` makes from its flags (RunOptions): most
// values become the flag's text (`-p`, `--ulimit`, `--restart`, `--mount`,
// `--device`...), so the runtime's parsers check them as they check the
// CLI's, and a key hive refuses gets the CLI flag's error (RunRefusals).
import HiveEngine
import HivePlatform
import HiveRuntime

public enum ContainerCreateBody {
    /// What the CLI reads from hive.toml when a flag is not given.
    public struct Defaults {
        /// `[containers] default_network` (NetworkMode "" or "default").
        public var network: String
        /// `[containers] pids_limit` (PidsLimit 0 or absent).
        public var pidsLimit: Int64?
        public init(network: String = "bridge", pidsLimit: Int64? = nil) {
            self.network = network
            self.pidsLimit = pidsLimit
        }
    }

    /// The request for `body`; `name` and `platform` from the query; `warn`
    /// gets what Docker answers in `Warnings` (ports discarded with host networking).
    public static func options(_ body: [String: JSONValue], name: String?, platform: String?, defaults: Defaults,
                               warn: (String) -> Void = { _ in }) throws -> RunOptions {
        guard let image = try string(body, "Image"), !image.isEmpty else {
            throw HiveError(.invalidArgument, "config.Image must be set: the image to create the container from")
        }
        let hc = try object(body, "HostConfig")
        var o = RunOptions(image: image)
        if let n = name, !n.isEmpty { o.name = n.hasPrefix("/") ? String(n.dropFirst()) : n }
        if let p = platform, !p.isEmpty { o.platform = p }
        try refusals(hc, try object(body, "NetworkingConfig"))
        o.command = try strings(body, "Cmd")
        if case .array(let ep)? = body["Entrypoint"] {
            // ["sh", "-c"]: the first word is the entrypoint, the rest goes before Cmd; [""]: none
            let words = try strings(body, "Entrypoint")
            if let e = words.first, !ep.isEmpty {
                o.entrypoint = e
                o.command = Array(words.dropFirst()) + o.command
            }
        } else if let e = try string(body, "Entrypoint") {
            o.entrypoint = e
        }
        o.env = try strings(body, "Env")
        o.labels = try object(body, "Labels").compactMapValues(\.stringValue)
        o.tty = body["Tty"]?.boolValue ?? false
        o.interactive = body["OpenStdin"]?.boolValue ?? false
        o.workdir = try nonEmpty(body, "WorkingDir")
        o.user = try nonEmpty(body, "User")
        o.hostname = try nonEmpty(body, "Hostname")
        o.stopSignal = try nonEmpty(body, "StopSignal")
        if let t = body["StopTimeout"]?.intValue { o.stopTimeout = Int(t) }
        o.health = try health(try object(body, "Healthcheck"))
        o.remove = hc["AutoRemove"]?.boolValue ?? false
        o.privileged = hc["Privileged"]?.boolValue ?? false
        o.readOnly = hc["ReadonlyRootfs"]?.boolValue ?? false
        o.initProcess = hc["Init"]?.boolValue ?? false
        o.capAdd = try strings(hc, "CapAdd")
        o.capDrop = try strings(hc, "CapDrop")
        o.securityOpts = try strings(hc, "SecurityOpt")
        o.extraHosts = try strings(hc, "ExtraHosts")
        o.volumesFrom = try strings(hc, "VolumesFrom")
        o.annotations = try object(hc, "Annotations").compactMapValues(\.stringValue)
        o.restart = try restart(try object(hc, "RestartPolicy"))
        let log = try object(hc, "LogConfig")
        o.logDriver = try nonEmpty(log, "Type")
        o.logOptions = try object(log, "Config").compactMap { k, v in v.stringValue.map { k + "=" + $0 } }.sorted()
        o.ulimits = try ulimits(hc)
        o.devices = try list(hc, "Devices").map { d in
            guard let host = d["PathOnHost"]?.stringValue, !host.isEmpty else { throw HiveError(.invalidArgument, "invalid device: PathOnHost is needed") }
            let inside = d["PathInContainer"]?.stringValue ?? ""
            let perms = d["CgroupPermissions"]?.stringValue ?? ""
            return host + ":" + (inside.isEmpty ? host : inside) + ":" + (perms.isEmpty ? "rwm" : perms)
        }
        o.mounts = try mounts(body, hc)
        try network(body, hc, try object(body, "NetworkingConfig"), defaults, &o, warn: warn)
        try isolation(body, hc, &o)
        try resources(hc, defaults, &o)
        return o
    }

    // MARK: - parts

    /// HostConfig and NetworkingConfig keys hive refuses, with the CLI flag's error.
    static func refusals(_ hc: [String: JSONValue], _ nc: [String: JSONValue]) throws {
        func refuse(_ key: String, _ flag: String) throws {
            guard let v = hc[key] else { return }
            switch v {
            case .string(let s) where !(RunRefusals.harmless[flag]?.contains(s) ?? s.isEmpty): throw RunRefusals.error(flag, s)
            case .int(let n) where n != 0: throw RunRefusals.error(flag, String(n))
            case .array(let a) where !a.isEmpty: throw RunRefusals.error(flag, a.compactMap(\.stringValue).joined(separator: ","))
            case .object(let m) where !m.isEmpty: throw RunRefusals.error(flag, m.keys.sorted().joined(separator: ","))
            default: return
            }
        }
        try refuse("Runtime", "runtime")
        try refuse("Isolation", "isolation")
        try refuse("Links", "link")
        try refuse("StorageOpt", "storage-opt")
        try refuse("VolumeDriver", "volume-driver")
        try refuse("UsernsMode", "userns")
        try refuse("CpuCount", "cpu-count")
        try refuse("CpuPercent", "cpu-percent")
        try refuse("IOMaximumBandwidth", "io-maxbandwidth")
        try refuse("IOMaximumIOps", "io-maxiops")
        if let r = hc["DeviceRequests"]?.arrayValue, !r.isEmpty { throw RunRefusals.error("gpus", "(HostConfig.DeviceRequests)") }
        for (_, ep) in try object(nc, "EndpointsConfig") {
            let ipam = ep["IPAMConfig"]?.objectValue ?? [:]
            if let l = ipam["LinkLocalIPs"]?.arrayValue, !l.isEmpty { throw RunRefusals.error("link-local-ip", l.compactMap(\.stringValue).joined(separator: ",")) }
            if let l = ep["Links"]?.arrayValue, !l.isEmpty { throw RunRefusals.error("link", l.compactMap(\.stringValue).joined(separator: ",")) }
        }
    }

    /// Healthcheck: Test (NONE, CMD, CMD-SHELL), durations in nanoseconds, Retries.
    static func health(_ h: [String: JSONValue]) throws -> HealthRequest {
        var r = HealthRequest()
        let test = try strings(h, "Test")
        if test.first == "NONE" { r.disabled = true; return r }
        if !test.isEmpty { r.test = test }
        func duration(_ key: String) -> String? {
            guard let n = h[key]?.intValue, n != 0 else { return nil }
            return n < 0 ? String(n) : String(Double(n) / 1e9) + "s"
        }
        r.interval = duration("Interval")
        r.timeout = duration("Timeout")
        r.startPeriod = duration("StartPeriod")
        r.startInterval = duration("StartInterval")
        if let n = h["Retries"]?.intValue, n != 0 { r.retries = String(n) }
        return r
    }

    /// RestartPolicy {Name, MaximumRetryCount} as `--restart`.
    static func restart(_ p: [String: JSONValue]) throws -> String? {
        guard let name = try nonEmpty(p, "Name"), name != "no" else { return nil }
        if name == "on-failure", let n = p["MaximumRetryCount"]?.intValue, n > 0 { return "on-failure:\(n)" }
        return name
    }

    /// Binds (`-v`), Mounts (`--mount`), Tmpfs (`--tmpfs`), then Config.Volumes
    /// (anonymous volumes) not already mounted.
    static func mounts(_ body: [String: JSONValue], _ hc: [String: JSONValue]) throws -> [MountRequest] {
        var out = try strings(hc, "Binds").map { try MountRequest.parseVolume($0) }
        for m in try list(hc, "Mounts") {
            var spec = "type=" + (m["Type"]?.stringValue ?? "volume")
            if let s = m["Source"]?.stringValue, !s.isEmpty { spec += ",source=" + s }
            spec += ",target=" + (m["Target"]?.stringValue ?? "")
            if m["ReadOnly"]?.boolValue == true { spec += ",readonly" }
            if let p = m["BindOptions"]?["Propagation"]?.stringValue, !p.isEmpty { spec += ",bind-propagation=" + p }
            if let t = m["TmpfsOptions"]?.objectValue {
                if let n = t["SizeBytes"]?.intValue, n > 0 { spec += ",tmpfs-size=\(n)" }
                if let n = t["Mode"]?.intValue, n > 0 { spec += ",tmpfs-mode=" + String(n & 0o7777, radix: 8) }
            }
            out.append(try MountRequest.parseMount(spec))
        }
        for (path, opts) in try object(hc, "Tmpfs").sorted(by: { $0.key < $1.key }) {
            let o = opts.stringValue ?? ""
            out.append(try MountRequest.parseTmpfs(o.isEmpty ? path : path + ":" + o))
        }
        for path in try object(body, "Volumes").keys.sorted() where !out.contains(where: { $0.target == path }) {
            out.append(try MountRequest.parseVolume(path))
        }
        return out
    }

    /// NetworkMode, the endpoint of that network (aliases, addresses, MAC),
    /// other endpoints (connected at start), ports, DNS.
    static func network(_ body: [String: JSONValue], _ hc: [String: JSONValue], _ nc: [String: JSONValue], _ d: Defaults, _ o: inout RunOptions,
                        warn: (String) -> Void) throws {
        let asked = try nonEmpty(hc, "NetworkMode") ?? "default"
        o.network = asked == "default" ? d.network : asked
        if body["NetworkDisabled"]?.boolValue == true { o.network = "none" }
        var net = NetworkRequest()
        net.mac = try nonEmpty(body, "MacAddress")
        for (key, ep) in try object(nc, "EndpointsConfig").sorted(by: { $0.key < $1.key }) {
            let ipam = ep["IPAMConfig"]?.objectValue ?? [:]
            let aliases = (ep["Aliases"]?.arrayValue ?? []).compactMap(\.stringValue)
            let ip = ipam["IPv4Address"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let ip6 = ipam["IPv6Address"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if key == asked || key == o.network || key == "default" {
                net.aliases += aliases
                net.ip = ip ?? net.ip
                net.ip6 = ip6 ?? net.ip6
                if let m = ep["MacAddress"]?.stringValue, !m.isEmpty { net.mac = m }
            } else {
                var c = NetworkRequest.Connection(network: key)
                c.aliases = aliases
                c.ip = ip
                c.ip6 = ip6
                net.connected.append(c)
            }
        }
        for (port, bindings) in try object(hc, "PortBindings").sorted(by: { $0.key < $1.key }) {
            for b in bindings.arrayValue ?? [] {
                let ip = b["HostIp"]?.stringValue ?? "", hostPort = b["HostPort"]?.stringValue ?? ""
                let host = ip.isEmpty ? "" : (ip.contains(":") ? "[\(ip)]" : ip) + ":"
                net.ports.append(ip.isEmpty && hostPort.isEmpty ? port : host + hostPort + ":" + port)
            }
        }
        net.publishAll = hc["PublishAllPorts"]?.boolValue ?? false
        net.exposed = try object(body, "ExposedPorts").keys.sorted()
        net.dns = try strings(hc, "Dns")
        net.dnsSearch = try strings(hc, "DnsSearch")
        net.dnsOptions = try strings(hc, "DnsOptions")
        try RunFlagChecks.network(&net, network: o.network, hostname: o.hostname, extraHosts: o.extraHosts, warn: warn)
        o.net = net
    }

    /// Namespaces and kernel settings (`--ipc`, `--pid`, `--uts`, `--cgroupns`, `--sysctl`...).
    static func isolation(_ body: [String: JSONValue], _ hc: [String: JSONValue], _ o: inout RunOptions) throws {
        var iso = IsolationRequest()
        iso.ipc = try nonEmpty(hc, "IpcMode")
        iso.pid = try nonEmpty(hc, "PidMode")
        iso.uts = try nonEmpty(hc, "UTSMode")
        iso.cgroupns = try nonEmpty(hc, "CgroupnsMode")
        iso.cgroupParent = try nonEmpty(hc, "CgroupParent")
        iso.domainname = try nonEmpty(body, "Domainname")
        if let n = hc["ShmSize"]?.intValue, n > 0 { iso.shmSize = n }
        if let n = hc["OomScoreAdj"]?.intValue, n != 0 { iso.oomScoreAdj = Int(n) }
        let sysctls = try object(hc, "Sysctls").compactMapValues(\.stringValue)
        if !sysctls.isEmpty { iso.sysctls = sysctls }
        let groups = try strings(hc, "GroupAdd")
        if !groups.isEmpty { iso.groupAdd = groups }
        let rules = try strings(hc, "DeviceCgroupRules")
        if !rules.isEmpty { iso.deviceCgroupRules = rules }
        try iso.check(network: o.network, hostname: o.hostname)
        o.isolation = iso
    }

    /// The limits, as `update` and run's tuning flags take them (0: not set, as Docker's).
    static func resources(_ hc: [String: JSONValue], _ d: Defaults, _ o: inout RunOptions) throws {
        let u = try resourceUpdate(hc)
        var r = try u.applied(to: o.resources)
        if u.pidsLimit == nil, let v = d.pidsLimit { r.pidsLimit = v > 0 ? v : nil }
        if let s = hc["MemorySwappiness"]?.intValue, s >= 0 { r.memorySwappiness = s }
        if hc["OomKillDisable"]?.boolValue == true { r.oomKillDisable = true }
        func devices(_ key: String, _ flag: String, _ value: String, weight: Bool = false) throws -> [String]? {
            let l = try list(hc, key).map { e in
                try ContainerPlanner.deviceLimit("\(e["Path"]?.stringValue ?? ""):\(e[value]?.intValue ?? 0)", flag: "--" + flag,
                                                 parse: { s in Int64(s) ?? 0 }, weight: weight)
            }
            return l.isEmpty ? nil : l
        }
        r.blkioWeightDevice = try devices("BlkioWeightDevice", "blkio-weight-device", "Weight", weight: true)
        r.deviceReadBps = try devices("BlkioDeviceReadBps", "device-read-bps", "Rate")
        r.deviceWriteBps = try devices("BlkioDeviceWriteBps", "device-write-bps", "Rate")
        r.deviceReadIops = try devices("BlkioDeviceReadIOps", "device-read-iops", "Rate")
        r.deviceWriteIops = try devices("BlkioDeviceWriteIOps", "device-write-iops", "Rate")
        o.resources = r
    }

    /// `Ulimits` ([{Name, Soft, Hard}], create's and build's) as run's `--ulimit` values.
    static func ulimits(_ o: [String: JSONValue]) throws -> [String] {
        try list(o, "Ulimits").map { u in
            guard let n = u["Name"]?.stringValue, !n.isEmpty else { throw HiveError(.invalidArgument, "invalid ulimit: a Name is needed (e.g. nofile)") }
            return "\(n)=\(u["Soft"]?.intValue ?? 0):\(u["Hard"]?.intValue ?? 0)"
        }
    }

    /// The limits `POST /containers/{id}/update` and create share (Resources' keys; 0: not given).
    static func resourceUpdate(_ hc: [String: JSONValue]) throws -> ResourceUpdate {
        func n(_ key: String) -> Int64? { hc[key]?.intValue.flatMap { $0 == 0 ? nil : $0 } }
        var u = ResourceUpdate()
        u.memory = n("Memory")
        u.memorySwap = n("MemorySwap")
        if let c = n("NanoCpus") {
            guard c > 0 else { throw HiveError(.invalidArgument, "invalid NanoCpus \(c): a number of CPUs times 10^9, such as 1500000000") }
            u.cpus = Double(c) / 1e9
        }
        u.cpuShares = n("CpuShares")
        u.cpusetCpus = try nonEmpty(hc, "CpusetCpus")
        u.pidsLimit = n("PidsLimit")
        u.memoryReservation = n("MemoryReservation")
        u.cpuPeriod = n("CpuPeriod")
        u.cpuQuota = n("CpuQuota")
        u.cpuRtPeriod = n("CpuRealtimePeriod")
        u.cpuRtRuntime = n("CpuRealtimeRuntime")
        u.cpusetMems = try nonEmpty(hc, "CpusetMems")
        u.blkioWeight = n("BlkioWeight")
        return u
    }

    // MARK: - typed reads (a wrong type is 400, as Docker's decoder says)

    static func typeError(_ key: String, _ want: String) -> HiveError {
        HiveError(.invalidArgument, "invalid \(key) in the request body: expected \(want)")
    }

    /// A string member (null or absent: nil).
    static func string(_ o: [String: JSONValue], _ key: String) throws -> String? {
        switch o[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw typeError(key, "a string")
        }
    }

    static func nonEmpty(_ o: [String: JSONValue], _ key: String) throws -> String? {
        try string(o, key).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A list of strings, or one string (Docker's StrSlice); null or absent: empty.
    static func strings(_ o: [String: JSONValue], _ key: String) throws -> [String] {
        switch o[key] {
        case nil, .null?: return []
        case .string(let s)?: return [s]
        case .array(let a)?:
            return try a.map { v in
                guard let s = v.stringValue else { throw typeError(key, "a list of strings") }
                return s
            }
        default: throw typeError(key, "a list of strings")
        }
    }

    /// An object member (null or absent: empty).
    static func object(_ o: [String: JSONValue], _ key: String) throws -> [String: JSONValue] {
        switch o[key] {
        case nil, .null?: return [:]
        case .object(let m)?: return m
        case .array(let a)? where a.isEmpty: return [:]
        default: throw typeError(key, "an object")
        }
    }

    /// A list of objects (null or absent: empty).
    static func list(_ o: [String: JSONValue], _ key: String) throws -> [[String: JSONValue]] {
        switch o[key] {
        case nil, .null?: return []
        case .array(let a)?:
            return try a.map { v in
                guard let m = v.objectValue else { throw typeError(key, "a list of objects") }
                return m
            }
        default: throw typeError(key, "a list of objects")
        }
    }
}
