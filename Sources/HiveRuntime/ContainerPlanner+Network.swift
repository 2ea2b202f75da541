// The network parts of a container's plan: its resolv.conf (the host's upstream
// servers for a container in a namespace of its own, as Docker writes it; the
// host's file as is for --network host).
import HivePlatform

extension ContainerPlanner {
    /// /etc/resolv.conf's content for `network` (container:NAME shares the other one's file).
    func resolvConf(_ network: NetworkMode, _ net: NetworkRequest) throws -> String {
        let host = String(decoding: Files.read(defaults.hostResolvConf) ?? [], as: UTF8.self)
        switch network {
        case .host: return host
        case .none, .container: return ""
        case .bridge, .network:
            // TODO(ipam): ResolvConf
            return host
        }
    }
}
