// The command's registry client: one per command, made on first use (so
// `images` and `run` of a present image never pay for it) from hive.toml's
// [registries], the environment's proxies and the credential store, shared
// by pull, push and login; shut down with the engine.
import HiveOCI
import HivePlatform
import HiveRegistry

extension Engine {
    /// The registry client for this command (made once).
    func registry() throws -> RegistryClient {
        if let registryClient { return registryClient }
        return try makeRegistry()
    }

    /// Makes this command's registry client use `requestCredentials` first
    /// (registry key → credentials, "" for any registry): what an Engine API
    /// request brought (X-Registry-Auth, X-Registry-Config). Call before the pull, push or build.
    public func useRequestCredentials(_ requestCredentials: [String: Credentials]) throws {
        guard !requestCredentials.isEmpty else { return }
        registryClient?.shutdown()
        _ = try makeRegistry(requestCredentials)
    }

    /// `insecure`: registries treated as hive.toml's insecure ones for this command (`manifest inspect --insecure`).
    func makeRegistry(_ requestCredentials: [String: Credentials] = [:], insecure: [String] = []) throws -> RegistryClient {
        let env = RegistrySettings.processEnvironment()
        var settings = RegistrySettings(config: try config().registries, environment: env)
        settings.insecure += insecure
        let stored = authStore(env)
        let client = RegistryClient(settings: settings, credentials: requestCredentials.isEmpty ? stored : RequestCredentials(requestCredentials, fallback: stored),
                                    logger: logger, timeouts: settings.timeouts)
        registryClient = client
        return client
    }

    /// The credential store: --authfile (EngineOptions.authFile), $HIVE_AUTH_FILE
    /// or hive's default file, then Docker's config.json and its helpers.
    func authStore(_ env: [String: String] = RegistrySettings.processEnvironment(), authFile: String? = nil) -> AuthStore {
        AuthStore(authFile: authFile ?? options.authFile, environment: env)
    }
}
