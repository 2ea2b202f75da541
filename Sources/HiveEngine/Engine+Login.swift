// `login` and `logout` (issue #12): credentials checked against the registry
// (GET /v2/ with them) before anything is saved, then kept where Docker or
// Podman would keep them (AuthStore). The password goes only to the
// registry and to the store: never to a log, an event or an error.
import HiveOCI
import HivePlatform
import HiveRegistry
import HiveStore

extension Engine {
    /// The registry a `login`/`logout` argument names (default docker.io):
    /// a scheme and a path are dropped, Docker Hub's names are docker.io.
    public static func loginServer(_ argument: String?) throws(HiveError) -> String {
        guard let a = argument, !a.trimmed.isEmpty else { return Reference.defaultDomain }
        let key = Credentials.registryKey(a)
        guard HiveConfig.isHostPort(key) else {
            throw HiveError(.invalidArgument, "invalid registry \"\(a)\" (give host[:port], e.g. registry.example.com or 127.0.0.1:5000)")
        }
        return key
    }

    /// Checks `username`/`password` with `server` and saves them; says where
    /// they went. Refused or unreachable: nothing is saved.
    @discardableResult
    public func login(server: String, username: String, password: String, authFile: String?) throws -> String {
        guard !username.isEmpty else { throw HiveError(.invalidArgument, "login to \(server): a username is required") }
        guard !password.isEmpty else { throw HiveError(.invalidArgument, "login to \(server): a password is required") }
        let credentials = Credentials(username: username, password: password)
        let store = authStore(authFile: authFile)
        try store.checkSavable(for: server)
        let client = try registry()
        do {
            try client.checkLogin(registry: server, credentials: credentials)
        } catch let e as HiveError {
            throw HiveError(e.code, "login to \(server) failed", cause: e)
        }
        let place = try store.save(credentials, for: server)
        debugLog("login: \(username) at \(server) saved in \(place)")
        logEvent(EventRecord(type: "registry", action: "login", id: server, attributes: [:]))
        return place
    }

    public enum LogoutResult: Sendable, Equatable {
        case removed
        case notLoggedIn
        /// Only Docker's config.json has credentials for it (`docker logout` removes them).
        case onlyDocker
    }

    /// Removes hive's credentials for `server`.
    public func logout(server: String, authFile: String?) throws -> LogoutResult {
        let store = authStore(authFile: authFile)
        if try store.remove(server) {
            logEvent(EventRecord(type: "registry", action: "logout", id: server, attributes: [:]))
            return .removed
        }
        return store.inDockerAuths(server) ? .onlyDocker : .notLoggedIn
    }
}
