// A container's log as `--log-driver` and `--log-opt` ask for it (Docker's
// json-file options max-size, max-file, compress, labels, env), checked
// before anything is made; the writer (CHiveLaunch's hive_log_writer.h, used
// by hive-monitor and the foreground run) applies them, ContainerLog.swift
// reads the log back.
import HivePlatform

/// Explicit `--log-opt` values (nil: not given).
public struct LogOptions: Equatable, Sendable {
    /// Bytes per file; 0 is unbounded (`max-size=-1`).
    public var maxSize: Int64?
    public var maxFile: Int64?
    /// `compress=true|false`: rotated files gzip-compressed.
    public var compress: Bool?
    /// `labels=k1,k2` and `env=K1,K2`: each record's "attrs" (shown by `logs --details`).
    public var labels: [String] = []
    public var env: [String] = []

    public init(maxSize: Int64? = nil, maxFile: Int64? = nil, compress: Bool? = nil) {
        self.maxSize = maxSize
        self.maxFile = maxFile
        self.compress = compress
    }

    /// The drivers hive has.
    public static let drivers = ["json-file", "none"]

    /// `--log-driver`: json-file or none (nil: not given).
    public static func driver(_ name: String?) throws(HiveError) -> String? {
        guard let name else { return nil }
        guard drivers.contains(name) else {
            throw HiveError(.invalidArgument, "unknown log driver \"\(name)\" (hive supports json-file and none)")
        }
        return name
    }

    /// `--log-opt` for `driver` (nil: json-file).
    public static func parse(_ opts: [String], driver: String? = nil) throws(HiveError) -> LogOptions {
        if driver == "none", let first = opts.first {
            throw HiveError(.invalidArgument, "invalid --log-opt \"\(first)\": the none log driver takes no options")
        }
        var o = LogOptions()
        for opt in opts {
            let kv = opt.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2 else {
                throw HiveError(.invalidArgument, "invalid --log-opt \"\(opt)\" (use KEY=VALUE: max-size, max-file, compress, labels, env)")
            }
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
            case "compress":
                guard kv[1] == "true" || kv[1] == "false" else { throw HiveError(.invalidArgument, "invalid --log-opt \(opt): true or false") }
                o.compress = kv[1] == "true"
            case "labels", "env":
                let keys = kv[1].split(separator: ",").map { String($0) }
                guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty && !$0.contains("=") }) else {
                    throw HiveError(.invalidArgument, "invalid --log-opt \(opt): a comma-separated list of names")
                }
                if kv[0] == "labels" { o.labels += keys } else { o.env += keys }
            default:
                throw HiveError(.invalidArgument, "unknown log opt \"\(kv[0])\" for the json-file log (max-size, max-file, compress, labels, env)")
            }
        }
        return o
    }

    /// Docker's rule: compression needs rotated files (`maxFile` as it will apply).
    public func check(maxFile: Int64) throws(HiveError) {
        if compress == true && maxFile < 2 {
            throw HiveError(.invalidArgument, "invalid --log-opt compress=true: compress cannot be true when max-file is less than 2")
        }
    }

    /// Each record's "attrs" as JSON text (nil: none): the named labels and
    /// environment variables the container has, as Docker's json-file adds them.
    public func attrs(labels all: [String: String], env allEnv: [String]) -> String? {
        var attrs: [String: JSONValue] = [:]
        for k in labels { if let v = all[k] { attrs[k] = .string(v) } }
        for k in env {
            if let kv = allEnv.last(where: { $0.hasPrefix(k + "=") }) { attrs[k] = .string(String(kv.dropFirst(k.count + 1))) }
        }
        return attrs.isEmpty ? nil : JSONValue.object(attrs).serialized()
    }
}
