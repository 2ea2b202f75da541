// What `hive run`/`create` is asked for (RunOptions) and what a container
// record keeps of it (ContainerSpec, its mounts): the types Engine+Run turns
// into a container and a launch plan.
import Glibc
import HiveOCI
import HivePlatform
import HiveRuntime

public struct RunOptions {
    public var image: String
    public var command: [String] = []
    public var entrypoint: String?
    public var env: [String] = []
    public var name: String?
    public var workdir: String?
    public var user: String?
    public var hostname: String?
    public var network = "none"
    public var remove = false
    public var privileged = false
    public var readOnly = false
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    public var securityOpts: [String] = []
    public var labels: [String: String] = [:]
    public var stopSignal: String?
    public var stopTimeout: Int?
    public var resources = Resources()
    public var mounts: [MountRequest] = []
    public var replace = false
    public var ulimits: [String] = []
    public var tty = false
    public var initProcess = false
    /// `--add-host NAME:IP` lines for /etc/hosts.
    public var extraHosts: [String] = []
    /// `--device HOST[:CONTAINER][:PERMS]`.
    public var devices: [String] = []
    /// `--log-opt max-size=SIZE`, `--log-opt max-file=N` (Engine+Logs).
    public var logOptions: [String] = []
    /// A build's RUN step: no hooks, no events, not a user's container.
    var buildStep = false
    public init(image: String) { self.image = image }
}

/// What is stored for a container (and shown by inspect later).
struct ContainerSpec: Codable {
    var argv: [String]
    var env: [String]
    var cwd: String
    var user: String
    var hostname: String
    var network: String
    var privileged: Bool
    var readOnly: Bool
    var caps: [String]
    var noNewPrivs: Bool
    var seccomp: String
    var labels: [String: String]
    var autoRemove: Bool
    var stopSignal: String?
    var stopTimeout: Int?
    var resources: Resources?
    var mounts: [MountInfo]?
    /// `--device` flags as given.
    var devices: [String]?
    /// --log-opt max-size (0: unbounded) and max-file, when given.
    var logMaxSize: Int64? = nil
    var logMaxFile: Int64? = nil
}

extension ContainerSpec {
    /// The spec as the Codable encoding writes it (sorted keys, nil omitted), built
    /// without Foundation's encoder: create and run pay no coder set-up.
    var json: String {
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
            o["resources"] = .object(ro)
        }
        if let devices { o["devices"] = .array(devices.map(JSONValue.string)) }
        if let mounts {
            o["mounts"] = .array(mounts.map { m in
                var mo: [String: JSONValue] = ["type": .string(m.type), "source": .string(m.source), "destination": .string(m.destination), "rw": .bool(m.rw)]
                if let n = m.name { mo["name"] = .string(n) }
                return .object(mo)
            })
        }
        return JSONValue.object(o).serialized()
    }
}

struct MountInfo: Codable {
    var type: String
    var source: String
    var destination: String
    var rw: Bool
    var name: String?
}
