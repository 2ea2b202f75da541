// A container's network: `--network` as asked (NetworkMode) and the launch
// plan's network part (NetworkNamespace), which the C launcher carries out
// (hive_launch.h: netns, netns_path). Bridge and user networks, and joining
// another container's namespace, come with the networking issue: they are
// refused here until then.
import HivePlatform

/// `--network`: the values hive accepts today.
public enum NetworkMode: String, Sendable, Equatable {
    /// A namespace of its own with only loopback (the default).
    case none
    /// The host's namespace.
    case host

    public static func parse(_ value: String) throws(HiveError) -> NetworkMode {
        guard let m = NetworkMode(rawValue: value) else {
            throw HiveError(.invalidArgument, "network \"\(value)\" is not available (use --network none or host)")
        }
        return m
    }

    /// The launch plan's network part for this mode.
    public var namespace: NetworkNamespace {
        switch self {
        case .none: return .new
        case .host: return .host
        }
    }
}

/// Which network namespace a container's init runs in.
public enum NetworkNamespace: Sendable, Equatable {
    /// The host's: no new namespace.
    case host
    /// A new namespace with loopback up and nothing else (interfaces, later,
    /// are configured between clone and exec).
    case new
    /// An existing namespace to setns into: a bind-mounted netns or /proc/PID/ns/net.
    case join(String)
}
