// The network parts of a container's plan: its resolv.conf (the host's upstream
// servers for a container in a namespace of its own, as Docker writes it; the
// host's file as is for --network host).
import HivePlatform

extension ContainerPlanner {
    /// /etc/resolv.conf's content for `network` (container:NAME shares the other one's file).
    func resolvConf(_ network: NetworkMode, _ net: NetworkRequest) throws -> String {
        switch network {
        case .none, .container: return ""
        case .host: return Files.readText(defaults.hostResolvConf) ?? ""
        case .bridge, .network:
            let host = Files.readText(defaults.hostResolvConf) ?? ""
            // The network's IPv6 is not known here: IPv6 servers are kept only with --dns.
            let resolved = host.contains(ResolvConf.resolvedStub) ? Files.readText(ResolvConf.resolvedUpstream) : nil
            return try ResolvConf.forContainer(host: host, resolved: resolved, ipv6: false, dns: net.dns,
                                               dnsSearch: net.dnsSearch, dnsOptions: net.dnsOptions).text
        }
    }
}
