// `--restart no|on-failure[:N]|always|unless-stopped` (issue #14): Docker's
// restart policies, carried out by the container's monitor.
import HivePlatform

public struct RestartPolicy: Equatable, Sendable, Codable {
    /// "no", "on-failure", "always" or "unless-stopped" (inspect's Name; "" for "no" as Docker writes it is not used).
    public var name: String
    /// on-failure's N (0: no limit).
    public var maximumRetryCount: Int

    public init(name: String = "no", maximumRetryCount: Int = 0) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    /// Parses a `--restart` value; a clear error for anything else.
    public init(parsing text: String) throws(HiveError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "no", "always", "unless-stopped":
            guard parts.count == 1 else {
                throw HiveError(.invalidArgument, "invalid restart policy \"\(text)\": maximum retry count can only be used with 'on-failure'")
            }
        case "on-failure":
            if parts.count == 2 {
                guard let n = Int(parts[1]), n >= 0 else {
                    throw HiveError(.invalidArgument, "invalid restart policy \"\(text)\": the maximum retry count must be a number of 0 or more")
                }
                self.init(name: "on-failure", maximumRetryCount: n)
                return
            }
        default:
            throw HiveError(.invalidArgument, "invalid restart policy \"\(text)\" (use no, on-failure[:N], always or unless-stopped)")
        }
        self.init(name: parts[0])
    }

    /// Anything but "no".
    public var restarts: Bool { name != "no" }

    /// Docker's rule after an exit (moby's restartmanager): always restarts;
    /// unless-stopped unless the user stopped it; on-failure a non-zero exit
    /// while fewer than N restarts were made (N = 0: no limit); no never. A
    /// container the user stopped (stop, kill, rm -f) is never restarted.
    public func restarts(exitCode: Int32, restartCount: Int64, stoppedByUser: Bool) -> Bool {
        if stoppedByUser { return false }
        switch name {
        case "always", "unless-stopped": return true
        case "on-failure": return exitCode != 0 && (maximumRetryCount == 0 || restartCount < Int64(maximumRetryCount))
        default: return false
        }
    }

    /// Whether `hive start --all` brings it back after a reboot, as Docker's
    /// daemon does on its start: always yes, unless-stopped unless the user
    /// stopped it, on-failure after a failure (or a run the reboot ended)
    /// while retries remain.
    public func restartsAfterReboot(exitCode: Int32?, restartCount: Int64, stoppedByUser: Bool) -> Bool {
        switch name {
        case "always": return true
        case "unless-stopped": return !stoppedByUser
        case "on-failure": return !stoppedByUser && restarts(exitCode: exitCode ?? 255, restartCount: restartCount, stoppedByUser: false)
        default: return false
        }
    }

    /// The first backoff, and its ceiling (Docker's 100 ms doubling to 1 min).
    public static let firstDelayMs: Int64 = 100
    public static let maximumDelayMs: Int64 = 60_000
    /// A run at least this long resets the backoff to the first one.
    public static let resetAfterNanos: Int64 = 10_000_000_000

    /// The backoff before the next restart: 100 ms after a run of 10 s or
    /// more (or the first time), else the previous one doubled, up to 1 min.
    public static func nextDelayMs(previous: Int64?, lastRunNanos: Int64) -> Int64 {
        guard let previous, previous > 0, lastRunNanos < resetAfterNanos else { return firstDelayMs }
        return min(previous * 2, maximumDelayMs)
    }

    var json: JSONValue { .object(["Name": .string(name), "MaximumRetryCount": .int(Int64(maximumRetryCount))]) }

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case maximumRetryCount = "MaximumRetryCount"
    }
}
