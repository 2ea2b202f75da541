// Where and how hive talks to a registry (issue #12): the `[registries]`
// section of hive.toml (read by HiveConfig, the one place that reads it),
// Docker's name rules for hosts (loopback may be plain HTTP), mirrors,
// insecure registries, short-name aliases, certs.d (RegistrySettings+TLS),
// proxies (RegistrySettings+Proxy). Values and lookups: the client
// (RegistryClient) asks these and picks the endpoints' order; nothing here
// does I/O except reading certs.d directories.
import Glibc
import HiveOCI
import HivePlatform

/// One place to send a registry's requests: the origin or a mirror.
public struct RegistryEndpoint: Sendable, Equatable {
    /// `host[:port]` as dialled (docker.io -> registry-1.docker.io).
    public var host: String
    /// `https` or `http`.
    public var scheme: String
    /// Path prefix before `/v2/` (a mirror may serve under one); "" for none.
    public var pathPrefix: String
    /// TLS certificates not verified (an insecure registry over https).
    public var skipVerify: Bool
    public var isMirror: Bool
    public init(host: String, scheme: String, pathPrefix: String = "", skipVerify: Bool = false, isMirror: Bool = false) {
        self.host = host
        self.scheme = scheme
        self.pathPrefix = pathPrefix
        self.skipVerify = skipVerify
        self.isMirror = isMirror
    }
}

public struct RegistrySettings: Sendable {
    /// Mirrors per registry domain, tried in order before the origin (as written in hive.toml; `mirrors(for:)` parses them).
    public var mirrors: [String: [String]] = [:]
    /// Registries (host[:port], or a host for any port) that may be plain HTTP or unverified TLS.
    public var insecure: [String] = []
    /// Short names -> fully qualified repositories (`[registries.aliases]`).
    public var aliases: [String: String] = [:]
    /// certs.d roots, searched in order for `HOST:PORT/` then `HOST/`.
    public var certsDirs = ["/etc/hive/certs.d", "/etc/docker/certs.d", "/etc/containers/certs.d"]
    public var proxy = ProxySettings()
    /// hive.toml's `timeout` and `connect_timeout`, over the client's defaults.
    public var timeouts = RegistryTimeouts()
    public init() {}

    /// From hive.toml's `[registries]` and the environment's proxies (`environment`: NAME -> value).
    public init(config: HiveConfig.Registries, environment: [String: String]) {
        mirrors = config.mirrors
        insecure = config.insecure
        aliases = config.aliases
        certsDirs = config.certsDirs
        if let n = config.stallTimeoutNanos { timeouts.stallNanos = n }
        if let n = config.connectTimeoutNanos { timeouts.connectNanos = n }
        proxy = ProxySettings(environment: environment)
    }

    /// The process's environment as NAME -> value (for `init(config:environment:)`).
    public static func processEnvironment() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }

    /// The fully qualified name a short name stands for (`myapp:1` ->
    /// `registry.example.com/team/myapp:1`), keeping its tag or digest; nil
    /// when `name` names a registry or a path, or has no alias. Pull applies
    /// it before the pre-pull hooks see the reference.
    public func resolveAlias(_ name: String) -> String? {
        guard !aliases.isEmpty, !name.contains("/") else { return nil }
        var repo = Substring(name)
        if let at = repo.firstIndex(of: "@") { repo = repo[..<at] }
        if let colon = repo.firstIndex(of: ":") { repo = repo[..<colon] }
        guard let target = aliases[String(repo)] else { return nil }
        return target + name[repo.endIndex...]
    }

    /// `host[:port]` is listed in `insecure` (by itself, by its host for any
    /// port, or inside a listed CIDR range).
    public func isInsecure(_ hostPort: String) -> Bool {
        let hp = hostPort.lowercased()
        let (host, _) = ProxySettings.splitHostPort(hp)
        for entry in insecure {
            if entry == hp { return true }
            if !entry.contains(":") || entry.hasPrefix("[") && !entry.contains("]:") {
                if ProxySettings.splitHostPort(entry).host == host { return true }
            }
            if entry.contains("/"), ProxySettings.inRange(host, entry) { return true }
        }
        return false
    }

    /// Plain HTTP is allowed: loopback (127.0.0.0/8, ::1, localhost), or an insecure registry.
    public func mayUsePlainHTTP(_ hostPort: String) -> Bool {
        ProxySettings.isLoopback(ProxySettings.splitHostPort(hostPort.lowercased()).host) || isInsecure(hostPort)
    }

    /// The mirrors of a registry domain, in hive.toml's order: a mirror with
    /// no scheme is https (the client may fall back to http where
    /// `mayUsePlainHTTP` allows, as for an origin); an insecure mirror's TLS
    /// is not verified. docker.io's are also found under index.docker.io.
    public func mirrors(for domain: String) -> [RegistryEndpoint] {
        var d = domain.lowercased()
        if d == "index.docker.io" || d == "registry-1.docker.io" { d = Reference.defaultDomain }
        var list = mirrors[d] ?? []
        if d == Reference.defaultDomain { list += (mirrors["index.docker.io"] ?? []) + (mirrors["registry-1.docker.io"] ?? []) }
        return list.compactMap { text in
            guard let (scheme, host, path) = HiveConfig.mirrorParts(text) else { return nil }
            return RegistryEndpoint(host: host, scheme: scheme.isEmpty ? "https" : scheme, pathPrefix: path,
                                    skipVerify: isInsecure(host), isMirror: true)
        }
    }
}
