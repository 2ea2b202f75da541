// The command's registry client: one per command, made on first use from
// hive.toml's [registries], the environment's proxies and the credential
// store, shared by pull, push and login; shut down with the engine.
import HiveOCI
import HivePlatform
import HiveRegistry

extension Engine {
    /// The registry client for this command (made once).
    func registry() throws -> RegistryClient {
        if let registryClient { return registryClient }
        // TODO(#12 settings): hive.toml [registries], proxies and credentials.
        let client = RegistryClient(settings: RegistrySettings(), credentials: nil, logger: logger)
        registryClient = client
        return client
    }
}
