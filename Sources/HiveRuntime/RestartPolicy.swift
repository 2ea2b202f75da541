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

    var json: JSONValue { .object(["Name": .string(name), "MaximumRetryCount": .int(Int64(maximumRetryCount))]) }

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case maximumRetryCount = "MaximumRetryCount"
    }
}
