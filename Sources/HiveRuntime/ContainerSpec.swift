// What a container record keeps of its request and plan (shown by inspect,
// read back by start, logs, commit): ContainerPlanner makes one per container.
import HiveOCI
import HivePlatform

/// What is stored for a container (and shown by inspect later).
public struct ContainerSpec: Codable, Sendable {
    public var argv: [String]
    public var env: [String]
    public var cwd: String
    public var user: String
    public var hostname: String
    public var network: String
    public var privileged: Bool
    public var readOnly: Bool
    public var caps: [String]
    public var noNewPrivs: Bool
    public var seccomp: String
    public var labels: [String: String]
    public var autoRemove: Bool
    public var stopSignal: String?
    public var stopTimeout: Int?
    public var resources: Resources?
    public var mounts: [MountInfo]?
    /// `--device` flags as given.
    public var devices: [String]?
    /// --log-opt max-size (0: unbounded) and max-file, when given.
    public var logMaxSize: Int64? = nil
    public var logMaxFile: Int64? = nil
    /// What it asks of the network beyond `network` (nil: nothing; older records).
    public var net: NetworkRequest? = nil
    /// `--add-host` as Docker keeps it: `NAME:IP` or `NAME:host-gateway` (nil: none).
    public var extraHosts: [String]? = nil
    /// `--restart` (nil: "no").
    public var restartPolicy: RestartPolicy? = nil
    /// The health check its monitor runs (the image's and the flags'); nil: none.
    public var healthcheck: Healthcheck? = nil
    /// `--health-on-failure` (nil: none).
    public var healthOnFailure: String? = nil
    /// `-i` and `-t` as created (inspect's OpenStdin and Tty).
    public var interactive: Bool? = nil
    public var tty: Bool? = nil
    /// `--log-driver` (nil: json-file) and `--log-opt compress=true`.
    public var logDriver: String? = nil
    public var logCompress: Bool? = nil
    /// --ipc, --pid, --uts, --cgroupns, --shm-size, --sysctl, --group-add,
    /// --device-cgroup-rule, --cgroup-parent, --domainname, --oom-score-adj (nil: none given).
    public var isolation: IsolationRequest? = nil
    /// `--annotation` (nil: none).
    public var annotations: [String: String]? = nil
    /// `--volumes-from` as given, the containers by ID (nil: none).
    public var volumesFrom: [String]? = nil
    /// `--entrypoint` as given ([] for `--entrypoint ""`; nil: the image's):
    /// inspect tells it from CMD with it.
    public var entrypoint: [String]? = nil
    /// `--ulimit` and `--security-opt` as given (nil: none), as Docker shows them.
    public var ulimits: [String]? = nil
    public var securityOpts: [String]? = nil
}

extension ContainerSpec {
    /// The spec as the Codable encoding writes it (sorted keys, nil omitted), built
    /// without Foundation's encoder: create and run pay no coder set-up.
    public var json: String {
        var o: [String: JSONValue] = [
            "argv": .array(argv.map(JSONValue.string)), "env": .array(env.map(JSONValue.string)), "cwd": .string(cwd),
            "user": .string(user), "hostname": .string(hostname), "network": .string(network), "privileged": .bool(privileged),
            "readOnly": .bool(readOnly), "caps": .array(caps.map(JSONValue.string)), "noNewPrivs": .bool(noNewPrivs),
            "seccomp": .string(seccomp), "labels": .object(labels.mapValues(JSONValue.string)), "autoRemove": .bool(autoRemove),
        ]
        if let stopSignal { o["stopSignal"] = .string(stopSignal) }
        if let stopTimeout { o["stopTimeout"] = .int(Int64(stopTimeout)) }
        if let logMaxSize { o["logMaxSize"] = .int(logMaxSize) }
        if let logMaxFile { o["logMaxFile"] = .int(logMaxFile) }
        if let r = resources {
            var ro: [String: JSONValue] = [:]
            if let m = r.memory { ro["memory"] = .int(m) }
            if let c = r.cpus { ro["cpus"] = .double(c) }
            if let p = r.pidsLimit { ro["pidsLimit"] = .int(p) }
            if let s = r.memorySwap { ro["memorySwap"] = .int(s) }
            if let s = r.cpuShares { ro["cpuShares"] = .int(s) }
            if let s = r.cpusetCpus { ro["cpusetCpus"] = .string(s) }
            r.tuningJSON(into: &ro)
            o["resources"] = .object(ro)
        }
        if let net, net != NetworkRequest() { o["net"] = net.json }
        if let extraHosts { o["extraHosts"] = .array(extraHosts.map(JSONValue.string)) }
        if let devices { o["devices"] = .array(devices.map(JSONValue.string)) }
        if let restartPolicy { o["restartPolicy"] = restartPolicy.json }
        if let h = healthcheck {
            var ho: [String: JSONValue] = [:]
            if let t = h.test { ho["Test"] = .array(t.map(JSONValue.string)) }
            if let v = h.interval { ho["Interval"] = .int(v) }
            if let v = h.timeout { ho["Timeout"] = .int(v) }
            if let v = h.startPeriod { ho["StartPeriod"] = .int(v) }
            if let v = h.startInterval { ho["StartInterval"] = .int(v) }
            if let v = h.retries { ho["Retries"] = .int(Int64(v)) }
            o["healthcheck"] = .object(ho)
        }
        if let healthOnFailure { o["healthOnFailure"] = .string(healthOnFailure) }
        if let interactive { o["interactive"] = .bool(interactive) }
        if let tty { o["tty"] = .bool(tty) }
        if let logDriver { o["logDriver"] = .string(logDriver) }
        if let logCompress { o["logCompress"] = .bool(logCompress) }
        if let isolation { o["isolation"] = isolation.json }
        if let annotations { o["annotations"] = .object(annotations.mapValues(JSONValue.string)) }
        if let volumesFrom { o["volumesFrom"] = .array(volumesFrom.map(JSONValue.string)) }
        if let entrypoint { o["entrypoint"] = .array(entrypoint.map(JSONValue.string)) }
        if let ulimits { o["ulimits"] = .array(ulimits.map(JSONValue.string)) }
        if let securityOpts { o["securityOpts"] = .array(securityOpts.map(JSONValue.string)) }
        if let mounts {
            o["mounts"] = .array(mounts.map { m in
                var mo: [String: JSONValue] = ["type": .string(m.type), "source": .string(m.source), "destination": .string(m.destination), "rw": .bool(m.rw)]
                if let n = m.name { mo["name"] = .string(n) }
                if let p = m.propagation { mo["propagation"] = .string(p) }
                return .object(mo)
            })
        }
        return JSONValue.object(o).serialized()
    }
}

public struct MountInfo: Codable, Sendable {
    public var type: String
    public var source: String
    public var destination: String
    public var rw: Bool
    public var name: String?
    /// A bind's propagation when asked for (nil: rprivate, Docker's default).
    public var propagation: String? = nil
}
