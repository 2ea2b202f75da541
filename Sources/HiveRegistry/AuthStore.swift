// Where credentials come from and go to (issue #12), Docker's and Podman's
// conventions together:
// - read: hive's auth file (AuthFile.hive), then Docker's config.json: the
//   registry's `credHelpers` entry, else its `credsStore`, else its `auths`;
// - written by `hive login`: a credential helper when Docker's config names
//   one for that registry and no auth file was chosen (--authfile,
//   $HIVE_AUTH_FILE), as `docker login` does; else hive's auth file.
// Each registry is looked up once per command (pull's threads share it).
import HivePlatform
import Synchronization

public final class AuthStore: CredentialSource, @unchecked Sendable {
    /// hive's auth file.
    public let hiveFile: AuthFile
    /// Docker's config.json (read; written only through its helpers).
    public let dockerFile: AuthFile
    /// An auth file was chosen (--authfile or $HIVE_AUTH_FILE): login writes there, not to a helper.
    public let fileChosen: Bool
    let environment: [String: String]
    private let cache = Mutex<[String: Credentials?]>([:])

    public init(authFile: String?, environment env: [String: String]) {
        hiveFile = AuthFile.hive(explicit: authFile, environment: env)
        dockerFile = AuthFile.docker(environment: env)
        fileChosen = (authFile.map { !$0.isEmpty } ?? false) || !(env["HIVE_AUTH_FILE"] ?? "").isEmpty
        environment = env
    }

    public func credentials(for registry: String) throws(HiveError) -> Credentials? {
        let key = Credentials.registryKey(registry)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let found = try lookup(key)
        cache.withLock { $0[key] = .some(found) }
        return found
    }

    private func lookup(_ key: String) throws(HiveError) -> Credentials? {
        if let doc = try hiveFile.read(), let c = try hiveFile.credentials(for: key, in: doc) { return c }
        guard let doc = try dockerFile.read() else { return nil }
        if let helper = try helper(for: key, in: doc), let c = try helper.get(Credentials.helperServer(key)) { return c }
        return try dockerFile.credentials(for: key, in: doc)
    }

    /// The helper Docker's config names for `registry` (`credHelpers`, else `credsStore`), if any.
    func helper(for registry: String, in doc: [String: JSONValue]) throws(HiveError) -> CredentialHelper? {
        let key = Credentials.registryKey(registry)
        if let helpers = doc["credHelpers"]?.objectValue {
            for (server, name) in helpers where Credentials.registryKey(server) == key {
                guard let n = name.stringValue else { continue }
                return try CredentialHelper(name: n, environment: environment, source: "\(dockerFile.path) (credHelpers)")
            }
        }
        if let n = doc["credsStore"]?.stringValue, !n.isEmpty {
            return try CredentialHelper(name: n, environment: environment, source: "\(dockerFile.path) (credsStore)")
        }
        return nil
    }

    /// The helper login and logout use for `registry`: Docker's, unless an auth file was chosen.
    func writeHelper(for registry: String) throws(HiveError) -> CredentialHelper? {
        guard !fileChosen, let doc = try dockerFile.read() else { return nil }
        return try helper(for: registry, in: doc)
    }

    /// Fails now if `save` would fail on what is already there (a corrupt
    /// auth file, a helper not in PATH): login checks this before it asks the registry.
    public func checkSavable(for registry: String) throws(HiveError) {
        if try writeHelper(for: registry) == nil { _ = try hiveFile.read() }
    }

    /// Saves `c` for `registry`; says where ("the auth file PATH", "the credential helper NAME").
    @discardableResult
    public func save(_ c: Credentials, for registry: String) throws(HiveError) -> String {
        cache.withLock { $0[Credentials.registryKey(registry)] = nil }
        if let h = try writeHelper(for: registry) {
            try h.store(Credentials.helperServer(registry), c)
            return "the credential helper \(h.name)"
        }
        try hiveFile.save(c, for: registry)
        return "the auth file \(hiveFile.path)"
    }

    /// Removes hive's credentials for `registry` (from the helper login
    /// would use, and hive's auth file); false if neither had any.
    public func remove(_ registry: String) throws(HiveError) -> Bool {
        cache.withLock { $0[Credentials.registryKey(registry)] = nil }
        let erased = try writeHelper(for: registry)?.erase(Credentials.helperServer(registry)) ?? false
        return try hiveFile.remove(registry) || erased
    }

    /// Docker's config.json has `auths` credentials for `registry` (that only `docker logout` removes).
    public func inDockerAuths(_ registry: String) -> Bool {
        guard let doc = try? dockerFile.read() else { return false }
        return (try? dockerFile.credentials(for: registry, in: doc)) != nil
    }
}
