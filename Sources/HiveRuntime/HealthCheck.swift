// Health checks (issue #14): the image's HEALTHCHECK and the `--health-*`
// flags, resolved into the container's Healthcheck (Docker's merge, defaults
// and limits), the file its monitor reads (health.c) and the state file the
// monitor writes (Docker's State.Health).
import HiveOCI
import HivePlatform

/// The `--health-*` flags as given (nil: not given).
public struct HealthRequest: Equatable, Sendable {
    public var cmd: String?
    /// The whole test as the Engine API gives it (`["CMD", "arg"...]`, `["CMD-SHELL", "line"]`); `cmd` wins.
    public var test: [String]?
    public var interval: String?
    public var timeout: String?
    public var retries: String?
    public var startPeriod: String?
    public var startInterval: String?
    /// `--no-healthcheck`.
    public var disabled = false
    /// `--health-on-failure none|kill|restart|stop`.
    public var onFailure: String?
    public init() {}
}

/// Docker's defaults for what neither the flags nor the image set (moby daemon/health.go).
public enum HealthDefaults {
    public static let interval: Int64 = 30_000_000_000
    public static let timeout: Int64 = 30_000_000_000
    public static let startInterval: Int64 = 5_000_000_000
    public static let retries = 3
    /// Docker's lower bound for interval, timeout and start interval (1 ms).
    public static let minimum: Int64 = 1_000_000
    /// `--health-on-failure`'s values (Podman's).
    public static let actions = ["none", "kill", "restart", "stop"]
}

extension HealthRequest {
    /// Whether any `--health-*` setting (not `--health-on-failure`) is given.
    var hasSettings: Bool {
        cmd != nil || test != nil || interval != nil || timeout != nil || retries != nil || startPeriod != nil || startInterval != nil
    }

    /// The container's health check: the image's, changed by the flags, with
    /// Docker's defaults filled in; nil when it has none (or `--no-healthcheck`,
    /// or the image's test is NONE).
    public func resolve(image: Healthcheck?) throws(HiveError) -> Healthcheck? {
        if let f = onFailure, !HealthDefaults.actions.contains(f) {
            throw HiveError(.invalidArgument, "invalid --health-on-failure \"\(f)\" (use none, kill, restart or stop)")
        }
        if disabled {
            guard !hasSettings else { throw HiveError(.invalidArgument, "--no-healthcheck conflicts with --health-* options: give one or the other") }
            return nil
        }
        var h = image ?? Healthcheck()
        if let test { h.test = test }
        if let cmd {
            guard !cmd.allSatisfy(\.isWhitespace) else { throw HiveError(.invalidArgument, "--health-cmd is empty: give the command to run, or --no-healthcheck") }
            h.test = ["CMD-SHELL", cmd]
        }
        if let v = interval { h.interval = try HealthRequest.duration("--health-interval", v, minimum: HealthDefaults.minimum) }
        if let v = timeout { h.timeout = try HealthRequest.duration("--health-timeout", v, minimum: HealthDefaults.minimum) }
        if let v = startPeriod { h.startPeriod = try HealthRequest.duration("--health-start-period", v, minimum: 0) }
        if let v = startInterval { h.startInterval = try HealthRequest.duration("--health-start-interval", v, minimum: HealthDefaults.minimum) }
        if let v = retries {
            guard let n = Int(v), n >= 0 else {
                throw HiveError(.invalidArgument, "invalid --health-retries \"\(v)\": it must be a whole number of 0 or more (0: the default, 3)")
            }
            h.retries = n
        }
        guard let test = h.test, let kind = test.first, kind != "NONE" else { return nil }
        switch kind {
        case "CMD":
            guard test.count >= 2 else { throw HiveError(.invalidArgument, "the health check [\"CMD\"] has no command: give one with --health-cmd") }
        case "CMD-SHELL":
            guard test.count >= 2 else { throw HiveError(.invalidArgument, "the health check [\"CMD-SHELL\"] has no command: give one with --health-cmd") }
            // Docker joins the rest into one shell command line
            h.test = ["CMD-SHELL", test.dropFirst().joined(separator: " ")]
        default:
            throw HiveError(.invalidArgument, "unknown health check type \"\(kind)\" (the image's test must start with NONE, CMD or CMD-SHELL)")
        }
        // zero (or an image's out-of-range value) means the default, as in Docker
        func pick(_ v: Int64?, _ d: Int64, _ min: Int64) -> Int64 { v.map { $0 >= min && $0 > 0 ? $0 : d } ?? d }
        h.interval = pick(h.interval, HealthDefaults.interval, HealthDefaults.minimum)
        h.timeout = pick(h.timeout, HealthDefaults.timeout, HealthDefaults.minimum)
        h.startInterval = pick(h.startInterval, HealthDefaults.startInterval, HealthDefaults.minimum)
        h.startPeriod = max(0, h.startPeriod ?? 0)
        h.retries = (h.retries ?? 0) > 0 ? h.retries : HealthDefaults.retries
        return h
    }

    /// A flag's duration ("30s", "1m30s", "500ms"; Quantity's Go-style units) in nanoseconds, at least `minimum`.
    static func duration(_ flag: String, _ text: String, minimum: Int64) throws(HiveError) -> Int64 {
        if text.hasPrefix("-") { throw HiveError(.invalidArgument, "invalid \(flag) \"\(text)\": it cannot be negative") }
        guard let n = text == "0" ? 0 : Quantity.duration(text) else {
            throw HiveError(.invalidArgument, "invalid \(flag) \"\(text)\": expected a duration such as 500ms, 30s or 1m30s")
        }
        guard n >= minimum else {
            throw HiveError(.invalidArgument, "invalid \(flag) \"\(text)\": it must be at least 1ms")
        }
        return n
    }
}

/// What the monitor reads and writes about a container's health check.
public enum HealthFile {
    /// The resolved check, for the monitor (DIR/healthcheck): one line
    /// "INTERVAL TIMEOUT START_PERIOD START_INTERVAL RETRIES ACTION\n"
    /// (nanoseconds; ACTION is --health-on-failure, "none" if not given: with
    /// another the monitor checks no more once the container turned unhealthy,
    /// as the action takes it down), then the command's argv, each string
    /// NUL-terminated ("CMD-SHELL s" is /bin/sh -c s, as Docker runs it).
    public static let config = "healthcheck"
    /// The monitor's state (DIR/health): Docker's State.Health JSON,
    /// {"Status":"...","FailingStreak":N,"Log":[...]}, Status first.
    public static let state = "health"

    public static func configText(_ h: Healthcheck, onFailure: String?) -> [UInt8] {
        let test = h.test ?? []
        let argv = test.first == "CMD-SHELL" ? ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")] : Array(test.dropFirst())
        let head = "\(h.interval ?? HealthDefaults.interval) \(h.timeout ?? HealthDefaults.timeout) \(h.startPeriod ?? 0) "
            + "\(h.startInterval ?? HealthDefaults.startInterval) \(h.retries ?? HealthDefaults.retries) \(onFailure ?? "none")\n"
        var out = Array(head.utf8)
        for a in argv { out += Array(a.utf8); out.append(0) }
        return out
    }

    /// The status in a state file's first bytes ("starting", "healthy",
    /// "unhealthy"), without parsing the rest (ps reads only this).
    public static func status(prefix: [UInt8]) -> String? {
        let lead = Array("{\"Status\":\"".utf8)
        guard prefix.count > lead.count, Array(prefix[..<lead.count]) == lead else { return nil }
        let rest = prefix[lead.count...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        let s = String(decoding: rest[..<end], as: UTF8.self)
        return ["starting", "healthy", "unhealthy"].contains(s) ? s : nil
    }
}
