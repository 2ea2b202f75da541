// The Engine API's container JSON that `inspect` does not make: an item of
// `GET /containers/json` (Docker's ContainerSummary, from `ps`'s summary
// and the engine's one-read listing) and `GET /containers/{id}/stats`
// (Docker's StatsJSON, from the readings `hive stats` takes).
import HiveEngine
import HivePlatform
import HiveRuntime

enum ContainerSummaryJSON {
    /// One item of the list.
    static func item(_ c: ContainerSummary, _ l: ContainerListing?) -> JSONValue {
        let l = l ?? ContainerListing()
        var o: [String: JSONValue] = [
            "Id": .string(c.id), "Names": .array([.string("/" + c.name)]), "Image": .string(c.image),
            "ImageID": .string("sha256:" + c.imageID), "Command": .string(c.command), "Created": .int(c.created / 1_000_000_000),
            "Ports": .array(ports(l)), "Labels": .object((l.labels.isEmpty && c.labelsJSON != "{}" ? c.labels : l.labels).mapValues(JSONValue.string)),
            "State": .string(c.state), "Status": .string(c.status),
            "HostConfig": .object(["NetworkMode": .string(l.networkMode)]),
            "NetworkSettings": .object(["Networks": l.networks]), "Mounts": .array(l.mounts),
        ]
        if let rw = l.sizeRw { o["SizeRw"] = .int(rw) }
        if let rootfs = l.sizeRootFs { o["SizeRootFs"] = .int(rootfs) }
        return .object(o)
    }

    /// Ports: each published binding `{IP, PrivatePort, PublicPort, Type}`,
    /// then exposed ports without one `{PrivatePort, Type}`.
    static func ports(_ l: ContainerListing) -> [JSONValue] {
        var out: [JSONValue] = l.published.map { p in
            .object(["IP": .string(p.hostIP), "PrivatePort": .int(Int64(p.containerPort)), "PublicPort": .int(Int64(p.hostPort)),
                     "Type": .string(p.proto)])
        }
        for key in l.exposed {
            let parts = key.split(separator: "/")
            guard let port = UInt16(parts[0]) else { continue }
            let proto = parts.count > 1 ? String(parts[1]) : "tcp"
            if l.published.contains(where: { $0.containerPort == port && $0.proto == proto }) { continue }
            out.append(.object(["PrivatePort": .int(Int64(port)), "Type": .string(proto)]))
        }
        return out
    }

    /// Docker's stats object: `now` and the reading before it (`pre`, a zero one for the first).
    static func stats(_ now: StatsSample, pre: StatsSample?, read: Int64, preread: Int64?) -> JSONValue {
        func cpu(_ s: StatsSample?) -> JSONValue {
            guard let s else {
                return .object(["cpu_usage": .object(["total_usage": .int(0), "usage_in_kernelmode": .int(0), "usage_in_usermode": .int(0)]),
                                "system_cpu_usage": .int(0), "online_cpus": .int(0),
                                "throttling_data": .object(["periods": .int(0), "throttled_periods": .int(0), "throttled_time": .int(0)])])
            }
            let u = s.usage
            var usage: [String: JSONValue] = ["total_usage": .int(Int64(clamping: u.cpuNanos ?? 0)),
                                              "usage_in_kernelmode": .int(Int64(clamping: u.cpuSystem ?? 0)),
                                              "usage_in_usermode": .int(Int64(clamping: u.cpuUser ?? 0))]
            if !u.perCPU.isEmpty { usage["percpu_usage"] = .array(u.perCPU.map { .int(Int64(clamping: $0)) }) }  // cgroup v1 only, as Docker's
            return .object([
                "cpu_usage": .object(usage),
                "system_cpu_usage": .int(Int64(s.hostCPU)), "online_cpus": .int(Int64(Cgroups.onlineCPUs)),
                "throttling_data": .object(["periods": .int(u.cpuPeriods), "throttled_periods": .int(u.cpuThrottledPeriods),
                                            "throttled_time": .int(u.cpuThrottledNanos)]),
            ])
        }
        let u = now.usage
        // memory as Docker reports it: the cgroup's usage with the page cache and
        // its memory.stat (the docker CLI subtracts (total_)inactive_file itself)
        var memory: [String: JSONValue] = ["usage": .int(u.memoryRaw ?? u.memory ?? 0), "limit": .int(u.memoryLimit ?? 0),
                                           "stats": .object(u.memoryStat.mapValues { .int($0) })]
        if let m = u.memoryMax { memory["max_usage"] = .int(m) }
        var networks: [String: JSONValue] = [:]
        for n in u.networks {
            networks[n.name] = .object([
                "rx_bytes": .int(n.rxBytes), "rx_packets": .int(n.rxPackets), "rx_errors": .int(n.rxErrors), "rx_dropped": .int(n.rxDropped),
                "tx_bytes": .int(n.txBytes), "tx_packets": .int(n.txPackets), "tx_errors": .int(n.txErrors), "tx_dropped": .int(n.txDropped),
            ])
        }
        func blkio(_ op: String, _ v: Int64) -> JSONValue { .object(["major": .int(0), "minor": .int(0), "op": .string(op), "value": .int(v)]) }
        var out: [String: JSONValue] = [
            "read": .string(Timestamp(unixNanos: read).rfc3339),
            "preread": .string(preread.map { Timestamp(unixNanos: $0).rfc3339 } ?? "0001-01-01T00:00:00Z"),
            "id": .string(now.id), "name": .string("/" + now.name), "num_procs": .int(0),
            "pids_stats": u.pids.map { .object(["current": .int($0)]) } ?? .object([:]),
            "blkio_stats": .object([
                "io_service_bytes_recursive": .array([blkio("read", u.blockRead), blkio("write", u.blockWrite)]),
                "io_serviced_recursive": .null, "io_queue_recursive": .null, "io_service_time_recursive": .null,
                "io_wait_time_recursive": .null, "io_merged_recursive": .null, "io_time_recursive": .null, "sectors_recursive": .null,
            ]),
            "storage_stats": .object([:]),
            "cpu_stats": cpu(now), "precpu_stats": cpu(pre),
            "memory_stats": .object(memory),
        ]
        if !networks.isEmpty { out["networks"] = .object(networks) }  // none with --network none or host, as Docker's
        return .object(out)
    }
}
