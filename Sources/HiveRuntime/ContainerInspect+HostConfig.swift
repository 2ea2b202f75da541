// A container's inspect HostConfig: every key Docker 20.10 writes on Linux
// (Tests/fixtures/docker-inspect/container-*.json), filled from the spec
// where hive keeps the value, else Docker's value for the flag unset, of
// Docker's JSON type. A key marked "not stored" is a flag whose value the
// spec does not keep yet: wiring one is replacing its empty value with the
// stored field (e.g. `"ShmSize": .int(s?.shmSize ?? defaultShmSize)`). The
// network's keys (NetworkMode, PortBindings, Dns*, ExtraHosts,
// PublishAllPorts) are overwritten by the engine's NetworkInspect.
import HiveOCI
import HivePlatform

extension ContainerInspect {
    /// /dev/shm's size (launch.c mounts it with size=65536k, Docker's default).
    static let defaultShmSize: Int64 = 64 << 20

    static func hostConfig(_ s: ContainerSpec?, hasInit: Bool) -> JSONValue {
        let res = s?.resources ?? Resources()
        let privileged = s?.privileged ?? false
        let mounts = s?.mounts ?? []
        let iso = s?.isolation ?? IsolationRequest()
        let (capAdd, capDrop) = capabilityChanges(s)
        var o: [String: JSONValue] = [
            "Binds": stringsOrNull(binds(mounts)),
            "ContainerIDFile": .string(""),  // --cidfile: not stored
            "LogConfig": logConfig(s),
            "NetworkMode": .string(s?.network ?? "default"),
            "PortBindings": .object([:]),
            "RestartPolicy": (s?.restartPolicy ?? RestartPolicy()).json,
            "AutoRemove": .bool(s?.autoRemove ?? false),
            "VolumeDriver": .string(""),
            "VolumesFrom": stringsOrNull(s?.volumesFrom),
            "CapAdd": stringsOrNull(capAdd),
            "CapDrop": stringsOrNull(capDrop),
            // hive gives every container a cgroup namespace of its own
            "CgroupnsMode": .string(iso.cgroupns ?? "private"),
            "Dns": .array([]), "DnsOptions": .array([]), "DnsSearch": .array([]),
            "ExtraHosts": stringsOrNull(s?.extraHosts),
            "GroupAdd": stringsOrNull(iso.groupAdd),
            "IpcMode": .string(iso.ipc ?? "private"),
            "Cgroup": .string(""),
            "Links": .null,
            "OomScoreAdj": .int(Int64(iso.oomScoreAdj ?? 0)),
            "PidMode": .string(iso.pid ?? ""),
            "Privileged": .bool(privileged),
            "PublishAllPorts": .bool(false),
            "ReadonlyRootfs": .bool(s?.readOnly ?? false),
            "SecurityOpt": stringsOrNull(s?.securityOpts ?? s.map(securityOpt)),
            "UTSMode": .string(iso.uts ?? ""),
            "UsernsMode": .string(""),
            "ShmSize": .int(iso.shmSize ?? defaultShmSize),
            "Runtime": .string("hive"),
            "ConsoleSize": .array([.int(0), .int(0)]),
            "Isolation": .string(""),
            "CpuShares": .int(res.cpuShares ?? 0),
            "Memory": .int(res.memory ?? 0),
            "NanoCpus": .int(res.cpus.map { Int64(($0 * 1e9).rounded()) } ?? 0),
            "CgroupParent": .string(iso.cgroupParent ?? ""),
            "BlkioWeight": .int(res.blkioWeight ?? 0),
            "BlkioWeightDevice": deviceRates(res.blkioWeightDevice, key: "Weight"),
            "BlkioDeviceReadBps": deviceRates(res.deviceReadBps), "BlkioDeviceWriteBps": deviceRates(res.deviceWriteBps),
            "BlkioDeviceReadIOps": deviceRates(res.deviceReadIops), "BlkioDeviceWriteIOps": deviceRates(res.deviceWriteIops),
            "CpuPeriod": .int(res.cpuPeriod ?? 0), "CpuQuota": .int(res.cpuQuota ?? 0),
            "CpuRealtimePeriod": .int(res.cpuRtPeriod ?? 0), "CpuRealtimeRuntime": .int(res.cpuRtRuntime ?? 0),
            "CpusetCpus": .string(res.cpusetCpus ?? ""),
            "CpusetMems": .string(res.cpusetMems ?? ""),
            "Devices": .array((s?.devices ?? []).map(device)),
            "DeviceCgroupRules": stringsOrNull(iso.deviceCgroupRules),
            "DeviceRequests": .null,
            "KernelMemory": .int(0), "KernelMemoryTCP": .int(0),
            "MemoryReservation": .int(res.memoryReservation ?? 0),
            // hive's limit with no --memory-swap is memory alone (no swap)
            "MemorySwap": .int(res.memorySwap ?? res.memory ?? 0),
            "MemorySwappiness": res.memorySwappiness.map(JSONValue.int) ?? .null,
            "OomKillDisable": .bool(res.oomKillDisable ?? false),
            // hive's default limit is 2048 (Podman's); lifted (update -1) shows 0, as Docker's update leaves it
            "PidsLimit": .int(max(0, res.pidsLimit ?? 0)),
            "Ulimits": .array((s?.ulimits ?? []).compactMap(ulimit)),
            "CpuCount": .int(0), "CpuPercent": .int(0), "IOMaximumIOps": .int(0), "IOMaximumBandwidth": .int(0),
            "MaskedPaths": privileged ? .null : strings(LaunchPlan.maskedPaths),
            "ReadonlyPaths": privileged ? .null : strings(LaunchPlan.readonlyPaths),
        ]
        // Docker omits these when unset (omitempty)
        let tmpfs = mounts.filter { $0.type == "tmpfs" }
        if !tmpfs.isEmpty {
            // the options (size=, mode=) are not stored: "" as for a bare --tmpfs PATH
            o["Tmpfs"] = .object(Dictionary(tmpfs.map { ($0.destination, JSONValue.string("")) }, uniquingKeysWith: { a, _ in a }))
        }
        if hasInit { o["Init"] = .bool(true) }
        if let sysctls = iso.sysctls, !sysctls.isEmpty { o["Sysctls"] = .object(sysctls.mapValues(JSONValue.string)) }
        if let a = s?.annotations, !a.isEmpty { o["Annotations"] = .object(a.mapValues(JSONValue.string)) }
        return .object(o)
    }

    /// HostConfig.Binds: `-v` binds and named volumes as Docker keeps them
    /// (`SRC:DST[:ro]`); anonymous volumes are Config.Volumes instead.
    static func binds(_ mounts: [MountInfo]) -> [String] {
        mounts.compactMap { m in
            let source: String
            switch m.type {
            case "bind": source = m.source
            case "volume":
                guard let n = m.name, !isAnonymous(n) else { return nil }
                source = n
            default: return nil
            }
            return source + ":" + m.destination + (m.rw ? "" : ":ro")
        }
    }

    /// CapAdd and CapDrop: the container's capabilities against Docker's
    /// default set (the spec keeps the set they made; a privileged one has all).
    static func capabilityChanges(_ s: ContainerSpec?) -> (add: [String], drop: [String]) {
        guard let s, !s.privileged else { return ([], []) }
        let defaults = Set(Capabilities.dockerDefault)
        let caps = Set(s.caps)
        return (s.caps.filter { !defaults.contains($0) }, Capabilities.dockerDefault.filter { !caps.contains($0) })
    }

    /// SecurityOpt: what differs from hive's defaults (seccomp's default profile,
    /// no-new-privileges on), as Docker writes the flags.
    static func securityOpt(_ s: ContainerSpec) -> [String] {
        var out: [String] = []
        if s.seccomp != "default" { out.append("seccomp=" + s.seccomp) }
        if !s.noNewPrivs { out.append("no-new-privileges=false") }
        return out
    }

    /// LogConfig: the driver and the options given (max-size as given is not
    /// stored: its bytes in the largest unit that divides them, as `10m`).
    static func logConfig(_ s: ContainerSpec?) -> JSONValue {
        var options: [String: JSONValue] = [:]
        if let n = s?.logMaxSize { options["max-size"] = .string(sizeText(n)) }
        if let n = s?.logMaxFile { options["max-file"] = .string(String(n)) }
        if s?.logCompress == true { options["compress"] = .string("true") }
        return .object(["Type": .string(s?.logDriver ?? "json-file"), "Config": .object(options)])
    }

    static func sizeText(_ n: Int64) -> String {
        for (unit, shift) in [("g", 30), ("m", 20), ("k", 10)] where n > 0 && n % (Int64(1) << Int64(shift)) == 0 {
            return String(n >> Int64(shift)) + unit
        }
        return String(n)
    }

    /// HostConfig's Blkio* device lists from the stored "MAJ:MIN VALUE" lines:
    /// Docker's {Path, Rate} (or Weight), the path as /dev/block/MAJ:MIN
    /// (the kernel's link to the device: the path given is not stored).
    static func deviceRates(_ lines: [String]?, key: String = "Rate") -> JSONValue {
        .array((lines ?? []).compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 2, let n = Int64(f[1]) else { return nil }
            return .object(["Path": .string("/dev/block/" + f[0]), key: .int(n)])
        })
    }

    /// One of HostConfig.Ulimits from `--ulimit NAME=SOFT[:HARD]` as given.
    static func ulimit(_ text: String) -> JSONValue? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let limits = text[text.index(after: eq)...].split(separator: ":", maxSplits: 1)
        guard let soft = limits.first.flatMap({ Int64($0) }) else { return nil }
        let hard = limits.count > 1 ? Int64(limits[1]) ?? soft : soft
        return .object(["Name": .string(String(text[..<eq])), "Soft": .int(soft), "Hard": .int(hard)])
    }

    /// One of HostConfig.Devices from `--device HOST[:CONTAINER][:PERMS]`.
    static func device(_ text: String) -> JSONValue {
        let d = try? DeviceRequest.parse(text)
        return .object(["PathOnHost": .string(d?.host ?? text), "PathInContainer": .string(d?.container ?? text),
                        "CgroupPermissions": .string(d?.access ?? "rwm")])
    }
}
