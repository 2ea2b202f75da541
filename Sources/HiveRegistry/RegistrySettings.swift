// Where and how hive talks to a registry (issue #12): the `[registries]`
// section of hive.toml (read by HiveConfig, the one place that reads it),
// Docker's name rules for hosts (docker.io is served by registry-1.docker.io;
// loopback may be plain HTTP), mirrors, insecure registries, certs.d, proxies.
// Pure values: the client (RegistryClient) asks these, nothing here does I/O
// except reading certs.d directories and the environment.
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

/// TLS files for one registry host, from certs.d (`ca.crt` / `*.crt` CAs,
/// `client.cert` + `client.key`), added to the system CA store.
public struct RegistryTLSFiles: Sendable, Equatable {
    public var caFiles: [String] = []
    public var clientCertificate: String?
    public var clientKey: String?
    public init() {}
}

/// Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lower-case forms).
public struct ProxySettings: Sendable, Equatable {
    public var httpsProxy: String?
    public var httpProxy: String?
    public var noProxy: [String] = []
    public init() {}
}

public struct RegistrySettings: Sendable {
    /// Mirrors per registry domain, tried in order before the origin.
    public var mirrors: [String: [String]] = [:]
    /// Registries (host[:port]) that may be plain HTTP or unverified TLS.
    public var insecure: [String] = []
    /// Short names -> fully qualified references (`[registries.aliases]`).
    public var aliases: [String: String] = [:]
    /// certs.d roots, searched in order for `HOST[:PORT]/`.
    public var certsDirs = ["/etc/hive/certs.d", "/etc/docker/certs.d", "/etc/containers/certs.d"]
    public var proxy = ProxySettings()
    public init() {}
}
