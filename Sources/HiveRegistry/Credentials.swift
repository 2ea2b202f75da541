// Registry credentials (issue #12): hive's own auth file (AuthFile: 0600;
// --authfile, $HIVE_AUTH_FILE), read together with Docker's config.json
// ($DOCKER_CONFIG or ~/.docker), `credsStore`/`credHelpers` through
// docker-credential-NAME (CredentialHelper); AuthStore puts them together.
// Secrets never go to a log, an event, an argv or an error message.
import HiveOCI
import HivePlatform

/// What a registry is told: a user and password, or an identity token (a
/// refresh token from a credential helper or `docker login`).
public struct Credentials: Sendable, Equatable {
    public var username: String
    public var password: String
    public var identityToken: String?
    public init(username: String, password: String, identityToken: String? = nil) {
        self.username = username
        self.password = password
        self.identityToken = identityToken
    }

    /// The registry a server name means, as credentials are keyed:
    /// `https://index.docker.io/v1/`, `index.docker.io` and
    /// `registry-1.docker.io` are `docker.io`; a scheme and a path are
    /// dropped (`https://r.example:5000/v2/` is `r.example:5000`); lower case.
    public static func registryKey(_ server: String) -> String {
        var s = Substring(server.trimmed)
        for scheme in ["https://", "http://"] where s.lowercased().hasPrefix(scheme) { s = s.dropFirst(scheme.count) }
        if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
        let key = s.lowercased()
        return key == "index.docker.io" || key == "registry-1.docker.io" ? Reference.defaultDomain : key
    }

    /// The server name credential helpers and Docker's `auths` know a
    /// registry by: Docker's `https://index.docker.io/v1/` for docker.io,
    /// else the registry itself.
    public static func helperServer(_ registry: String) -> String {
        registryKey(registry) == Reference.defaultDomain ? "https://index.docker.io/v1/" : registryKey(registry)
    }

    /// The `Authorization` header for Basic auth: `Basic base64(user:password)`.
    public var basicAuthorization: String { "Basic " + Base64.encode(Array((username + ":" + password).utf8)) }
}

/// Looks credentials up by registry (`host[:port]`; docker.io is also found
/// under Docker's `https://index.docker.io/v1/` key).
public protocol CredentialSource: Sendable {
    func credentials(for registry: String) throws(HiveError) -> Credentials?
}
