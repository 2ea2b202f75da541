// Registry credentials (issue #12): hive's own auth file (0600; --authfile,
// $HIVE_AUTH_FILE), read together with Docker's config.json ($DOCKER_CONFIG
// or ~/.docker), `credsStore`/`credHelpers` through docker-credential-NAME.
// Secrets never go to a log, an event, an argv or an error message.
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
}

/// Looks credentials up by registry (`host[:port]`; docker.io is also found
/// under Docker's `https://index.docker.io/v1/` key).
public protocol CredentialSource: Sendable {
    func credentials(for registry: String) throws(HiveError) -> Credentials?
}
