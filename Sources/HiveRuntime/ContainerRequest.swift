// What `hive run`/`create` is asked for: the flags as given, before an image,
// a record or a plan exists (the engine's RunOptions). ContainerPlanner turns
// one into a launch plan; the engine adds the record, hooks and events.
import HiveOCI
import HivePlatform

public struct ContainerRequest {
    public var image: String
    public var command: [String] = []
    public var entrypoint: String?
    public var env: [String] = []
    public var name: String?
    public var workdir: String?
    public var user: String?
    public var hostname: String?
    /// `--network`: bridge (the default), none, host, a network's name or ID, container:NAME.
    public var network = "bridge"
    /// The rest of what it asks of the network.
    public var net = NetworkRequest()
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
    /// `--log-opt max-size=SIZE`, `--log-opt max-file=N` (the engine's LogOptions).
    public var logOptions: [String] = []
    /// `--restart` as given (nil: no policy).
    public var restart: String?
    /// The `--health-*` flags and `--no-healthcheck`.
    public var health = HealthRequest()
    /// `-a STDIN|STDOUT|STDERR`: the streams a foreground run attaches (empty: stdout and stderr, stdin with -i).
    public var attach: [String] = []
    /// `-i`: stdin kept open (a detached container's monitor holds it for `hive attach`).
    public var interactive = false
    /// `--detach-keys` of a foreground run, as bytes (nil: ctrl-p ctrl-q).
    public var detachKeys: [UInt8]?
    /// `--sig-proxy` (default true): a foreground run forwards the signals it gets to the container.
    public var sigProxy = true
    /// `--log-driver` (nil: the configured default, json-file).
    public var logDriver: String?
    /// A build's RUN step: no hooks, no events, not a user's container.
    public var buildStep = false
    /// What run/create set of the container's namespaces and kernel settings (ContainerRequest+Isolation).
    public var isolation = IsolationRequest()
    /// `--volumes-from CTR[:ro|rw]` as given (the engine adds their mounts).
    public var volumesFrom: [String] = []
    /// `--annotation KEY=VALUE` (kept in the record: OCI annotations).
    public var annotations: [String: String] = [:]
    /// `--platform os[/arch[/variant]]`: the image must be of it.
    public var platform: String?
    /// `--cidfile`: made empty by the CLI; the engine writes the ID into it once the record exists.
    public var cidFile: String?
    public init(image: String) { self.image = image }
}

extension ContainerRequest {
    /// A build's RUN step as a container request (the builder's entry point to
    /// the planner): `argv` run as given (no ENTRYPOINT, no CMD), the step's
    /// env, user and workdir (nil or empty: the image's), network "none" or
    /// "host", and its RUN --mount binds and tmpfs (secret mounts are binds
    /// of a file, read-only). The engine creates and plans it as any container,
    /// without hooks or events, and starts its plan with the step's stdio.
    public static func buildStep(image: String, argv: [String], env: [String], user: String?, workdir: String?,
                                 network: String, mounts: [MountRequest]) -> ContainerRequest {
        var o = ContainerRequest(image: image)
        o.buildStep = true
        o.entrypoint = ""
        o.command = argv
        o.env = env
        o.user = user.flatMap { $0.isEmpty ? nil : $0 }
        o.workdir = workdir.flatMap { $0.isEmpty ? nil : $0 }
        o.network = network
        o.mounts = mounts
        return o
    }
}
