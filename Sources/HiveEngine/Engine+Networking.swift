// The command's network manager: one per command, made on first use (a run
// with --network none or host never makes one) from hive.toml's [network].
// The engine's network funnel (attach before a launch, hold once running,
// detach on exit, reconcile) lives here too.
import HiveNetwork
import HivePlatform

extension Engine {
    /// The network manager for this command (made once).
    public func networks() throws -> NetworkManager {
        if let networkManager { return networkManager }
        let m = NetworkManager(store: store, runroot: store.runroot, containersDir: store.containersDir, settings: NetworkSettings())
        networkManager = m
        return m
    }
}
