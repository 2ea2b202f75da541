// A container's network: `--network` as asked (NetworkMode) and the launch
// plan's network part (NetworkNamespace), which the C launcher carries out
// (hive_launch.h: netns, netns_path). Bridge and user networks are joined by
// the path where the engine's network manager pinned the container's
// namespace; `container:NAME` joins the other container's.
import HivePlatform

/// `--network`, as Docker reads it.
public enum NetworkMode: Sendable, Equatable {
    /// A namespace of its own with only loopback.
    case none
    /// The host's namespace.
    case host
    /// The default bridge network (`bridge`, `default` or nothing given).
    case bridge
    /// A user network by name or ID.
    case network(String)
    /// Another container's namespace (`container:NAME|ID`).
    case container(String)

    public static func parse(_ value: String) throws(HiveError) -> NetworkMode {
        switch value {
        case "none": return .none
        case "host": return .host
        case "bridge", "default", "": return .bridge
        default: break
        }
        if value.hasPrefix("container:") {
            let ref = String(value.dropFirst("container:".count))
            guard !ref.isEmpty, !ref.contains(where: { $0 == "/" || $0 == "\n" || $0 == " " }) else {
                throw HiveError(.invalidArgument, "invalid --network \"\(value)\" (use container:NAME or container:ID)")
            }
            return .container(ref)
        }
        guard DockerNames.isValidNetworkName(value) else {
            throw HiveError(.invalidArgument, "invalid network name \"\(value)\" (letters, digits, _ . -, starting with a letter or digit)")
        }
        return .network(value)
    }

    /// Whether the container gets endpoints of its own (the engine's network manager attaches them).
    public var attaches: Bool {
        switch self {
        case .bridge, .network: return true
        case .none, .host, .container: return false
        }
    }

    /// The network an attaching mode names ("bridge" for the default).
    public var networkName: String? {
        switch self {
        case .bridge: return "bridge"
        case .network(let n): return n
        default: return nil
        }
    }

    /// The launch plan's network part: `netnsPath` is where the container's own
    /// namespace is pinned (bridge and user networks) or the other container's
    /// (container:NAME), resolved by the engine.
    public func namespace(netnsPath: String?) -> NetworkNamespace {
        switch self {
        case .none: return .new
        case .host: return .host
        case .bridge, .network, .container: return netnsPath.map(NetworkNamespace.join) ?? .new
        }
    }
}

/// Which network namespace a container's init runs in.
public enum NetworkNamespace: Sendable, Equatable {
    /// The host's: no new namespace.
    case host
    /// A new namespace with loopback up and nothing else.
    case new
    /// An existing namespace to setns into: a bind-mounted netns or /proc/PID/ns/net.
    case join(String)
}
