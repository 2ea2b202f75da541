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
            "VolumesFrom": .null,  // --volumes-from: not stored
            "CapAdd": stringsOrNull(capAdd),
            "CapDrop": stringsOrNull(capDrop),
            // hive gives every container a cgroup namespace of its own
            "CgroupnsMode": .string("private"),  // --cgroupns: not stored
            "Dns": .array([]), "DnsOptions": .array([]), "DnsSearch": .array([]),
            "ExtraHosts": stringsOrNull(s?.extraHosts),
            "GroupAdd": .null,  // --group-add: not stored
            "IpcMode": .string("private"),  // --ipc: not stored
            "Cgroup": .string(""),
            "Links": .null,
            "OomScoreAdj": .int(0),  // --oom-score-adj: not stored
            "PidMode": .string(""),  // --pid: not stored
            "Privileged": .bool(privileged),
            "PublishAllPorts": .bool(false),
            "ReadonlyRootfs": .bool(s?.readOnly ?? false),
            "SecurityOpt": stringsOrNull(s.map(securityOpt)),
            "UTSMode": .string(""),  // --uts: not stored
            "UsernsMode": .string(""),
            "ShmSize": .int(defaultShmSize),  // --shm-size: not stored
            "Runtime": .string("hive"),
            "ConsoleSize": .array([.int(0), .int(0)]),
            "Isolation": .string(""),
            "CpuShares": .int(res.cpuShares ?? 0),
            "Memory": .int(res.memory ?? 0),
            "NanoCpus": .int(res.cpus.map { Int64(($0 * 1e9).rounded()) } ?? 0),
            "CgroupParent": .string(""),  // --cgroup-parent: not stored
            "BlkioWeight": .int(0),  // --blkio-weight: not stored
            "BlkioWeightDevice": .array([]), "BlkioDeviceReadBps": .array([]), "BlkioDeviceWriteBps": .array([]),
            "BlkioDeviceReadIOps": .array([]), "BlkioDeviceWriteIOps": .array([]),
            "CpuPeriod": .int(0), "CpuQuota": .int(0), "CpuRealtimePeriod": .int(0), "CpuRealtimeRuntime": .int(0),
            "CpusetCpus": .string(res.cpusetCpus ?? ""),
            "CpusetMems": .string(""),  // --cpuset-mems: not stored
            "Devices": .array((s?.devices ?? []).map(device)),
            "DeviceCgroupRules": .null,  // --device-cgroup-rule: not stored
            "DeviceRequests": .null,
            "KernelMemory": .int(0), "KernelMemoryTCP": .int(0),
            "MemoryReservation": .int(0),  // --memory-reservation: not stored
            // hive's limit with no --memory-swap is memory alone (no swap)
            "MemorySwap": .int(res.memorySwap ?? res.memory ?? 0),
            "MemorySwappiness": .null,
            "OomKillDisable": .bool(false),  // --oom-kill-disable: not stored
            // hive's default limit is 2048 (Podman's); lifted (update -1) shows 0, as Docker's update leaves it
            "PidsLimit": .int(max(0, res.pidsLimit ?? 0)),
            "Ulimits": .array([]),  // --ulimit: not stored
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
        // "Sysctls": --sysctl, not stored (omitted when none, as Docker)
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

    /// One of HostConfig.Devices from `--device HOST[:CONTAINER][:PERMS]`.
    static func device(_ text: String) -> JSONValue {
        let d = try? DeviceRequest.parse(text)
        return .object(["PathOnHost": .string(d?.host ?? text), "PathInContainer": .string(d?.container ?? text),
                        "CgroupPermissions": .string(d?.access ?? "rwm")])
    }
}
