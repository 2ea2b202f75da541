// The Docker run/create flags hive refuses (the CLI's flags and the Engine
// API's create body keys alike), and those it accepts without an
// effect, each with why: the table the options below use and the docs
// generator (docs/docker-compat.md) reads. Shape: [(flag, reason)], the flag
// as Docker names it (long name, no dashes).
import HivePlatform

public enum RunRefusals {
    /// Refused whatever the value (or, where noted, any value but the one that changes nothing).
    public static let refused: [(flag: String, reason: String)] = [
        ("gpus", "hive has no GPU runtime hook; pass the device nodes with --device (e.g. --device /dev/nvidia0)"),
        ("runtime", "hive is its own runtime (its C launcher clones and execs the container); there is no OCI runtime to pick"),
        ("isolation", "Windows only; on Linux only \"default\" is accepted"),
        ("link", "legacy container links are not supported: put the containers on a user network (hive network create NET; --network NET) and use their names"),
        ("link-local-ip", "hive's networks assign no link-local addresses"),
        ("storage-opt", "overlayfs upper directories here have no size quota (Docker needs xfs with pquota for it too)"),
        ("volume-driver", "only the local driver exists; any other name is refused"),
        ("use-api-socket", "hive has no API socket to bind into a container yet"),
        ("userns", "hive does not use user namespaces; only \"host\" (what every container gets) is accepted"),
        ("cpu-count", "Windows only"),
        ("cpu-percent", "Windows only"),
        ("io-maxbandwidth", "Windows only"),
        ("io-maxiops", "Windows only"),
        ("disable-content-trust", "hive has no Docker Content Trust (Notary) verification: only true, the default, is accepted"),
    ]

    /// Accepted and without effect here, with a warning where Docker gives one.
    public static let ignored: [(flag: String, reason: String)] = [
        ("kernel-memory", "deprecated: the kernel has no separate kernel memory limit any more (Docker 20.10+ warns and ignores it too)"),
        ("security-opt apparmor=/label=", "hive has no AppArmor or SELinux support: a warning, then ignored"),
        ("volume :z/:Z/:cached/:delegated", "no SELinux relabelling on this host and no file sharing VM: accepted as Docker accepts them there"),
    ]

    /// The reason for `flag` (refused).
    public static func reason(_ flag: String) -> String { refused.first { $0.flag == flag }?.reason ?? "not supported" }

    /// `--disable-content-trust=false` (run, create, pull, push): the one value hive cannot honour.
    public static func contentTrustRequested() -> HiveError {
        HiveError(.invalidArgument, "--disable-content-trust=false is not supported: \(reason("disable-content-trust"))")
    }

    /// The error for a refused flag given `value` (nil: a flag without a value), the same for the CLI and the API.
    public static func error(_ flag: String, _ value: String?) -> HiveError {
        HiveError(.invalidArgument, "--\(flag)\(value.map { " " + $0 } ?? "") is not supported: \(reason(flag))")
    }

    /// Values of a refused flag that change nothing (accepted).
    public static let harmless: [String: Set<String>] = ["isolation": ["default", ""], "userns": ["host", ""], "volume-driver": ["local", ""]]
}
