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
            // The network's IPv6 is not known here: IPv6 servers are kept only with --dns.
            let resolved = host.contains(ResolvConf.resolvedStub)
                ? Files.read(ResolvConf.resolvedUpstream).map { String(decoding: $0, as: UTF8.self) } : nil
            return try ResolvConf.forContainer(host: host, resolved: resolved, ipv6: false, dns: net.dns,
                                               dnsSearch: net.dnsSearch, dnsOptions: net.dnsOptions).text
        }
    }
}
