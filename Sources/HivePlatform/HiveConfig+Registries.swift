// hive.toml's `[registries]` (issue #12), as plain values: insecure
// registries, mirrors per registry, short-name aliases, certs.d roots and
// the client's timeouts. Checked here so a bad entry names the file and the
// key; HiveRegistry's RegistrySettings turns them into endpoints.
//
//     [registries]
//     insecure = ["10.0.0.5:5000"]
//     certs_dirs = ["/etc/hive/certs.d"]
//     timeout = "30s"            # a stalled transfer fails after this
//     connect_timeout = "10s"
//     [registries.mirrors]
//     "docker.io" = ["mirror.example:5000", "https://cache.example/dockerhub"]
//     [registries.aliases]
//     myapp = "registry.example.com/team/myapp"

extension HiveConfig {
    public struct Registries: Sendable, Equatable {
        /// `host[:port]` (a bare host: any port; or a CIDR range) that may be plain HTTP or unverified TLS.
        public var insecure: [String] = []
        /// Registry domain (`docker.io`) -> mirrors in order: `[http[s]://]host[:port][/path]`.
        public var mirrors: [String: [String]] = [:]
        /// Short name (`myapp`) -> fully qualified repository (`registry.example.com/team/myapp`).
        public var aliases: [String: String] = [:]
        /// Searched in order for `HOST:PORT/` then `HOST/`.
        public var certsDirs = ["/etc/hive/certs.d", "/etc/docker/certs.d", "/etc/containers/certs.d"]
        /// With no byte received for this long a request fails (ns; nil: the client's default).
        public var stallTimeoutNanos: Int64?
        /// To connect, TCP and TLS (ns; nil: the client's default).
        public var connectTimeoutNanos: Int64?
        public init() {}
    }

    /// A mirror's parts: scheme ("" when not given), `host[:port]`, path prefix ("" or `/a/b`); nil if malformed.
    public static func mirrorParts(_ text: String) -> (scheme: String, host: String, path: String)? {
        var rest = Substring(text)
        var scheme = ""
        for s in ["http", "https"] where rest.lowercased().hasPrefix(s + "://") {
            scheme = s
            rest = rest.dropFirst(s.count + 3)
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = String(rest[..<slash])
        let path = String(rest[slash...])
        guard isHostPort(host), !path.contains("//"), !path.contains("?"), !path.contains("#"),
              path.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        return (scheme, host.lowercased(), path)
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`: letters, digits, `.`, `-`, `_`, a port 1-65535.
    public static func isHostPort(_ s: String) -> Bool {
        var host = Substring(s)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return false }
                port = after.dropFirst()
            }
            let inner = host[host.index(after: host.startIndex)..<close]
            return !inner.isEmpty && inner.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } && port.map(isPort) ?? true
        }
        if let colon = host.lastIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        return !host.isEmpty && !host.hasPrefix("-") && !host.hasPrefix(".")
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
            && port.map(isPort) ?? true
    }

    /// `10.0.0.0/8`, `fd00::/8` (host bits allowed, as Go's net.ParseCIDR).
    static func isCIDR(_ s: String) -> Bool { Subnet(masking: s) != nil }

    private static func isPort(_ p: Substring) -> Bool {
        guard !p.isEmpty, p.count <= 5, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p) else { return false }
        return (1...65535).contains(n)
    }

    /// `[registries]` of `file`.
    static func parseRegistries(_ table: [String: JSONValue], file: String) throws(HiveError) -> Registries {
        var r = Registries()
        func bad(_ key: String, _ want: String) -> HiveError {
            HiveError(.invalidArgument, "\(file): registries.\(key) must be \(want)")
        }
        func strings(_ v: JSONValue, _ key: String) throws(HiveError) -> [String] { try stringArray(v, "registries." + key, file: file) }
        func duration(_ v: JSONValue, _ key: String) throws(HiveError) -> Int64 {
            guard let s = v.stringValue, let d = Quantity.duration(s), d >= 1_000_000 else {
                throw bad(key, "a duration of at least 1ms such as \"30s\" or \"2m\"")
            }
            return d
        }
        for (k, v) in table {
            switch k {
            case "insecure":
                r.insecure = try strings(v, k)
                for h in r.insecure where !isHostPort(h) && !isCIDR(h) {
                    throw bad(k, "a list of host[:port] or CIDR ranges (\"\(h)\" is not one)")
                }
                r.insecure = r.insecure.map { $0.lowercased() }
            case "certs_dirs":
                r.certsDirs = try strings(v, k)
                for d in r.certsDirs where !d.hasPrefix("/") { throw bad(k, "a list of absolute paths (\"\(d)\" is not one)") }
            case "timeout": r.stallTimeoutNanos = try duration(v, k)
            case "connect_timeout": r.connectTimeoutNanos = try duration(v, k)
            case "mirrors":
                guard let t = v.objectValue else { throw bad(k, "a table of registry = [mirrors]") }
                for (domain, list) in t {
                    let key = "mirrors.\"\(domain)\""
                    guard isHostPort(domain) else { throw bad(key, "named by a registry host[:port], not \"\(domain)\"") }
                    let ms = try strings(list, key)
                    for m in ms where mirrorParts(m) == nil {
                        throw bad(key, "a list of [http[s]://]host[:port][/path] (\"\(m)\" is not one)")
                    }
                    r.mirrors[domain.lowercased(), default: []] += ms
                }
            case "aliases":
                guard let t = v.objectValue else { throw bad(k, "a table of short name = \"registry/repository\"") }
                for (name, target) in t {
                    let key = "aliases.\"\(name)\""
                    guard !name.isEmpty, !name.contains("/"), !name.contains(":"), !name.contains("@"),
                          name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }) else {
                        throw bad(key, "named by a short name such as \"myapp\" (lower case, no registry, tag or digest)")
                    }
                    guard let t = target.stringValue, let slash = t.firstIndex(of: "/"),
                          isHostPort(String(t[..<slash])), t[..<slash].contains(where: { $0 == "." || $0 == ":" }) || t.hasPrefix("localhost/"),
                          t.count > t.distance(from: t.startIndex, to: slash) + 1 else {
                        throw bad(key, "a fully qualified repository such as \"registry.example.com/team/\(name)\"")
                    }
                    r.aliases[name] = t
                }
            default:
                throw HiveError(.invalidArgument, "\(file): unknown key registries.\(k) (insecure, mirrors, aliases, certs_dirs, timeout, connect_timeout)")
            }
        }
        return r
    }
}
