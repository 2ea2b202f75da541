// The bounds of a detached container's log as `--log-opt` gives them
// (Docker's json-file options max-size and max-file); hive-monitor rotates
// the log at these bounds (ContainerLog.swift reads it back).
import HivePlatform

/// Explicit `--log-opt` values (nil: not given).
public struct LogOptions: Equatable, Sendable {
    /// Bytes per file; 0 is unbounded (`max-size=-1`).
    public var maxSize: Int64?
    public var maxFile: Int64?

    public init(maxSize: Int64? = nil, maxFile: Int64? = nil) {
        self.maxSize = maxSize
        self.maxFile = maxFile
    }

    public static func parse(_ opts: [String]) throws(HiveError) -> LogOptions {
        var o = LogOptions()
        for opt in opts {
            let kv = opt.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw HiveError(.invalidArgument, "invalid --log-opt \"\(opt)\" (use max-size=SIZE or max-file=N)") }
            switch kv[0] {
            case "max-size":
                if kv[1] == "-1" { o.maxSize = 0; continue }
                let n = try Quantity.bytes(kv[1])
                guard n >= 1024 else { throw HiveError(.invalidArgument, "invalid --log-opt \(opt): at least 1k (or -1 for no limit)") }
                o.maxSize = n
            case "max-file":
                guard let n = Int64(kv[1]), n >= 1, n <= 1000 else {
                    throw HiveError(.invalidArgument, "invalid --log-opt \(opt): a number of files from 1 to 1000")
                }
                o.maxFile = n
            default:
                throw HiveError(.invalidArgument, "unknown log opt \"\(kv[0])\" for the json-file log (max-size, max-file)")
            }
        }
        return o
    }
}
