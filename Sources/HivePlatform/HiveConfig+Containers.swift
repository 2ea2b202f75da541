// hive.toml's `[containers]` (issue #14): the engine defaults a site sets for
// every container it creates, checked here so a bad value names the file and
// the key; ContainerPlanner and the engine read them through HiveConfig only.
//
//     [containers]
//     log_driver = "json-file"      # or "none"
//     log_max_size = "20m"          # per file ("-1": unbounded); [logs] max_size too
//     log_max_file = 5              # files kept; [logs] max_file too
//     log_compress = false          # rotated files gzip-compressed
//     ulimits = ["nofile=1024:2048", "nproc=512"]
//     pids_limit = 2048             # what --pids-limit defaults to; 0: none
//     default_network = "bridge"    # what --network defaults to
extension HiveConfig {
    public struct Containers: Sendable, Equatable {
        /// json-file or none.
        public var logDriver = "json-file"
        public var logCompress = false
        /// `name=soft[:hard]`, as `--ulimit` takes them (a container's own replace these by name).
        public var ulimits: [String] = []
        /// What `--pids-limit` defaults to (0: no limit; nil: hive's own, 2048).
        public var pidsLimit: Int64?
        public var defaultNetwork = "bridge"
        public init() {}
    }

    /// The resources `--ulimit` and `containers.ulimits` name, as setrlimit numbers.
    public static let ulimitNames: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7, "memlock": 8,
        "as": 9, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
    ]

    /// `name=soft[:hard]` -> (resource, soft, hard) (-1 or "unlimited": no
    /// limit); nil if it is not one or soft exceeds hard.
    public static func ulimit(_ spec: String) -> (Int32, UInt64, UInt64)? {
        let kv = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, let res = ulimitNames[kv[0]] else { return nil }
        let vals = kv[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func num(_ s: String) -> UInt64? { s == "-1" || s == "unlimited" ? UInt64.max : UInt64(s) }
        guard vals.count <= 2, let soft = num(vals[0]), let hard = num(vals.count == 2 ? vals[1] : vals[0]), soft <= hard else { return nil }
        return (res, soft, hard)
    }

    /// `[containers]` of `file` into `c` (its log bounds are the `[logs]` ones).
    static func parseContainers(_ table: [String: JSONValue], into c: inout HiveConfig, file: String) throws(HiveError) {
        func bad(_ key: String, _ want: String) -> HiveError { HiveError(.invalidArgument, "\(file): containers.\(key) must be \(want)") }
        for (k, v) in table {
            switch k {
            case "log_driver":
                guard let s = v.stringValue, s == "json-file" || s == "none" else { throw bad(k, "\"json-file\" or \"none\"") }
                c.containers.logDriver = s
            case "log_max_size":
                guard let n = logMaxSize(v) else { throw bad(k, "a size of at least 1k such as \"20m\" (or \"-1\" for no limit)") }
                c.logMaxSize = n
            case "log_max_file":
                guard let n = v.intValue, (1...1000).contains(n) else { throw bad(k, "an integer from 1 to 1000") }
                c.logMaxFile = n
            case "log_compress":
                guard case .bool(let b) = v else { throw bad(k, "true or false") }
                c.containers.logCompress = b
            case "ulimits":
                let want = "an array of \"name=soft[:hard]\" such as [\"nofile=1024:2048\"] (names: \(ulimitNames.keys.sorted().joined(separator: ", ")))"
                guard let list = v.arrayValue else { throw bad(k, want) }
                for e in list {
                    guard let s = e.stringValue, ulimit(s) != nil else { throw bad(k, want + "; \(e.serialized()) is not one") }
                    c.containers.ulimits.append(s)
                }
            case "pids_limit":
                guard let n = v.intValue, n >= 0 else { throw bad(k, "an integer of at least 0 (0: no limit)") }
                c.containers.pidsLimit = n
            case "default_network":
                guard let s = v.stringValue, !s.isEmpty, !s.hasPrefix("container:") else {
                    throw bad(k, "a network: \"bridge\", \"none\", \"host\" or a network's name")
                }
                c.containers.defaultNetwork = s
            default:
                throw HiveError(.invalidArgument, "\(file): unknown key containers.\(k) (log_driver, log_max_size, log_max_file, log_compress, ulimits, pids_limit, default_network)")
            }
        }
    }

    /// A log file's bound as `[logs] max_size` and `[containers] log_max_size` take it
    /// (bytes; 0 for "-1", unbounded); nil if it is not one.
    static func logMaxSize(_ v: JSONValue) -> Int64? {
        guard let s = v.stringValue else { return nil }
        if s == "-1" { return 0 }
        guard let n = try? Quantity.bytes(s), n >= 1024 else { return nil }
        return n
    }
}
