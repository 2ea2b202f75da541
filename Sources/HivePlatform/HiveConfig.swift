// /etc/hive/hive.toml: hook directories and limits, enabled plugins and their
// settings, the garbage-collection policy, registries (HiveConfig+Registries), network (HiveConfig+Network) and container defaults (HiveConfig+Containers). Every key is optional; an
// unknown key or a bad value is an error naming file:line or the key.
import Glibc

public struct HiveConfig: Sendable {
    public static let defaultPath = "/etc/hive/hive.toml"

    public var path: String?
    /// Site hook directories, run after the plugins, by file name.
    public var hookDirs = ["/etc/hive/hooks.d"]
    /// Where plugins are looked up (`policy/no-privileged` is `<dir>/policy/no-privileged.lua`).
    public var pluginDirs = ["/usr/local/lib/hive/plugins"]
    public var enabledPlugins: [String] = []
    public var pluginConfig: [String: JSONValue] = [:]
    public var limits = Limits()
    public var gc = GCPolicy()
    /// `[cgroups] favordynmods`: let hive set the kernel's favordynmods
    /// option on the cgroup2 mount (fast cgroup moves; see Cgroups).
    public var cgroupFavorDynmods = true
    /// `[cgroups] devices`: how the device policy is enforced: "auto" (the v1
    /// devices controller where the host has one, else a cgroup2 BPF program),
    /// "v1" or "bpf" (that one only), "both" (a hybrid host). There is no "off".
    public var cgroupDevices = "auto"
    /// `[logs] max_size`, `max_file` (or `[containers] log_max_size`,
    /// `log_max_file`): a container's log bounds unless `--log-opt` gives
    /// them (bytes per file, 0 unbounded; files).
    public var logMaxSize: Int64 = 20 << 20
    public var logMaxFile: Int64 = 5
    /// `[registries]`: mirrors, insecure registries, aliases, certs.d, timeouts (HiveConfig+Registries).
    public var registries = Registries()
    /// `[containers]`: the other engine defaults for every container (HiveConfig+Containers).
    public var containers = Containers()
    /// `[network]`: the default bridge and subnet, address pools, MTU, nftables table (HiveConfig+Network).
    public var network = Network()

    public struct Limits: Sendable, Equatable {
        public var instructions: Int64 = 10_000_000
        public var timeoutNanos: Int64 = 500_000_000
        public var memory: Int64 = 32 << 20
        public init() {}
        public init(instructions: Int64, timeoutNanos: Int64, memory: Int64) {
            self.instructions = instructions
            self.timeoutNanos = timeoutNanos
            self.memory = memory
        }
    }

    /// The kubelet's image GC model, plus hive's own keep-N and container TTL.
    public struct GCPolicy: Sendable, Equatable {
        /// Start removing when the store's filesystem is this full (percent).
        public var highWatermark: Int64 = 85
        /// Remove until it is this full.
        public var lowWatermark: Int64 = 80
        /// Never remove an image created or used less than this ago (ns).
        public var minAge: Int64 = 120_000_000_000
        /// Remove unused images not used for this long whatever the disk (ns; nil: never).
        public var maxAge: Int64? = nil
        /// Keep the N most recently used images of each repository (nil: no rule).
        public var keep: Int64? = nil
        /// Remove containers that exited longer ago than this (ns; nil: never).
        public var containerTTL: Int64? = nil
        /// Also remove unused volumes.
        public var volumes = false
        /// Keep the build cache at most this big (bytes; nil: no limit):
        /// least recently used records go first (BuildKit's keepStorage).
        public var buildCacheKeepStorage: Int64? = nil
        /// Remove build cache records not used for this long (ns; nil: never).
        public var buildCacheMaxAge: Int64? = nil
        public init() {}
    }

    public init() {}

    /// Reads `path` (or $HIVE_CONFIG, or /etc/hive/hive.toml); a missing default file is no configuration.
    public static func load(path explicit: String? = nil) throws(HiveError) -> HiveConfig {
        let path = explicit ?? getenv("HIVE_CONFIG").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath
        // opened once, without following a symlink; the checks and the read use that fd
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if explicit == nil && path == defaultPath && errno == ENOENT { return HiveConfig() }
            if errno == ELOOP { try checkOwnership(path) }  // names the symlink
            throw HiveError.errno("cannot read the configuration \(path)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HiveError.errno("cannot read the configuration \(path)") }
        try checkOwnership(path, opened: st)
        guard let bytes = Files.read(fd: fd) else { throw HiveError.errno("cannot read the configuration \(path)") }
        var c = try parse(bytes: bytes, file: path)
        c.path = path
        return c
    }

    public static func parse(_ text: String, file: String) throws(HiveError) -> HiveConfig {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// hive.toml's bytes: invalid UTF-8 is refused with its line.
    public static func parse(bytes: [UInt8], file: String) throws(HiveError) -> HiveConfig {
        let doc = try Toml.parse(bytes: bytes, file: file)
        var c = HiveConfig()
        func bad(_ key: String, _ want: String) -> HiveError {
            HiveError(.invalidArgument, "\(file): \(key) must be \(want)")
        }
        func strings(_ v: JSONValue, _ key: String) throws(HiveError) -> [String] { try stringArray(v, key, file: file) }
        func duration(_ v: JSONValue, _ key: String) throws(HiveError) -> Int64 {
            if let s = v.stringValue, let d = Quantity.duration(s) { return d }
            throw bad(key, "a duration such as \"500ms\", \"2m\" or \"30d\"")
        }
        func integer(_ v: JSONValue, _ key: String, _ range: ClosedRange<Int64>) throws(HiveError) -> Int64 {
            guard let i = v.intValue, range.contains(i) else { throw bad(key, "an integer from \(range.lowerBound) to \(range.upperBound)") }
            return i
        }
        for (section, value) in doc {
            guard let table = value.objectValue else { throw HiveError(.invalidArgument, "\(file): \(section) must be a table") }
            switch section {
            case "hooks":
                for (k, v) in table {
                    let key = "hooks.\(k)"
                    switch k {
                    case "dirs": c.hookDirs = try strings(v, key)
                    case "plugin_dirs": c.pluginDirs = try strings(v, key)
                    case "instructions": c.limits.instructions = try integer(v, key, 1000...Int64.max)
                    case "timeout": c.limits.timeoutNanos = try duration(v, key)
                    case "memory":
                        guard let s = v.stringValue else { throw bad(key, "a size such as \"32m\"") }
                        c.limits.memory = try Quantity.bytes(s)
                        guard c.limits.memory >= 1 << 20 else { throw bad(key, "at least 1m") }
                    default: throw HiveError(.invalidArgument, "\(file): unknown key \(key) (dirs, plugin_dirs, instructions, timeout, memory)")
                    }
                }
            case "plugins":
                for (k, v) in table {
                    if k == "enabled" { c.enabledPlugins = try strings(v, "plugins.enabled"); continue }
                    guard v.objectValue != nil else { throw bad("plugins.\"\(k)\"", "a table of that plugin's settings") }
                    c.pluginConfig[k] = v
                }
            case "gc":
                for (k, v) in table {
                    let key = "gc.\(k)"
                    switch k {
                    case "high_watermark": c.gc.highWatermark = try integer(v, key, 1...100)
                    case "low_watermark": c.gc.lowWatermark = try integer(v, key, 0...100)
                    case "min_age": c.gc.minAge = try duration(v, key)
                    case "max_age": c.gc.maxAge = try duration(v, key)
                    case "keep": c.gc.keep = try integer(v, key, 0...1_000_000)
                    case "container_ttl": c.gc.containerTTL = try duration(v, key)
                    case "volumes":
                        guard case .bool(let b) = v else { throw bad(key, "true or false") }
                        c.gc.volumes = b
                    case "build_cache_keep_storage":
                        guard let t = v.stringValue, let n = try? Quantity.bytes(t) else { throw bad(key, "a size such as \"5GB\" or \"512MB\"") }
                        c.gc.buildCacheKeepStorage = n
                    case "build_cache_max_age": c.gc.buildCacheMaxAge = try duration(v, key)
                    default: throw HiveError(.invalidArgument, "\(file): unknown key \(key) (high_watermark, low_watermark, min_age, max_age, keep, container_ttl, volumes, build_cache_keep_storage, build_cache_max_age)")
                    }
                }
                guard c.gc.lowWatermark <= c.gc.highWatermark else { throw bad("gc.low_watermark", "at most gc.high_watermark") }
            case "cgroups":
                for (k, v) in table {
                    if k == "devices" {
                        guard let m = v.stringValue, ["auto", "v1", "bpf", "both"].contains(m) else {
                            throw bad("cgroups.devices", "\"auto\", \"v1\", \"bpf\" or \"both\"")
                        }
                        c.cgroupDevices = m
                        continue
                    }
                    guard k == "favordynmods" else { throw HiveError(.invalidArgument, "\(file): unknown key cgroups.\(k) (favordynmods, devices)") }
                    guard case .bool(let b) = v else { throw bad("cgroups.favordynmods", "true or false") }
                    c.cgroupFavorDynmods = b
                }
            case "logs":
                for (k, v) in table {
                    switch k {
                    case "max_size":
                        guard let n = logMaxSize(v) else { throw bad("logs.max_size", "a size of at least 1k such as \"20m\" (or \"-1\" for no limit)") }
                        c.logMaxSize = n
                    case "max_file": c.logMaxFile = try integer(v, "logs.max_file", 1...1000)
                    default: throw HiveError(.invalidArgument, "\(file): unknown key logs.\(k) (max_size, max_file)")
                    }
                }
            case "registries":
                c.registries = try parseRegistries(table, file: file)
            case "network":
                c.network = try parseNetwork(table, file: file, text: bytes)
            case "containers":
                try parseContainers(table, into: &c, file: file)
            default:
                throw HiveError(.invalidArgument, "\(file): unknown section [\(section)] (hooks, plugins, gc, cgroups, logs, registries, network, containers)")
            }
        }
        if c.containers.logCompress && c.logMaxFile < 2 {
            throw bad("containers.log_compress", "false when the log's max_file is less than 2 (only rotated files are compressed)")
        }
        for name in c.enabledPlugins where !isPluginName(name) {
            throw HiveError(.invalidArgument, "\(file): invalid plugin name \"\(name)\" in plugins.enabled (like policy/no-privileged)")
        }
        return c
    }

    /// An array of strings, or an error naming `file` and `key`.
    static func stringArray(_ v: JSONValue, _ key: String, file: String) throws(HiveError) -> [String] {
        let bad = HiveError(.invalidArgument, "\(file): \(key) must be an array of strings")
        guard let a = v.arrayValue else { throw bad }
        var out: [String] = []
        for e in a {
            guard let s = e.stringValue else { throw bad }
            out.append(s)
        }
        return out
    }

    /// `group/name` (or a bare name): letters, digits, `-`, `_`, one `/` at most, no dots.
    public static func isPluginName(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { p in
            !p.isEmpty && p.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }
}

extension HiveConfig {
    /// hive.toml decides which policies run, so it is checked as hook files
    /// are: a regular file (symlinks are not followed) owned by root or the
    /// invoking user and not writable by group or others, in a directory
    /// that is the same (or sticky, as /tmp: nobody else can replace the
    /// file there). A missing file is left to the reader.
    static func checkOwnership(_ path: String, opened: stat? = nil) throws(HiveError) {
        var st = stat()
        if let opened { st = opened } else { guard lstat(path, &st) == 0 else { return } }
        func refuse(_ what: String, _ why: String) -> HiveError {
            HiveError(.denied, "the configuration \(what) is refused: \(why)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw refuse(path, "it is not a regular file (symlinks are not followed)")
        }
        let dir = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        for (p, isDir) in [(path, false), (dir, true)] {
            var s = st
            if isDir && lstat(p, &s) != 0 { return }
            let name = isDir ? "directory \(p) of \(path)" : p
            if let why = FileTrust.problem(s, p, caller: true, sticky: isDir) { throw refuse(name, why) }
        }
    }
}
