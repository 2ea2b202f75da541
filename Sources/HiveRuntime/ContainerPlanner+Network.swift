// The network parts of a container's plan: its /etc/hosts base (localhost,
// the hostname when it has no network of its own, `--add-host`), and its
// resolv.conf (the host's upstream servers for a container in a namespace of
// its own, as Docker writes it; the host's file as is for --network host).
// The request's addresses and DNS values are checked here, once, for every
// network mode and every caller (NetworkRequest.check).
import HivePlatform

extension ContainerPlanner {
    /// /etc/hosts: localhost, the container's hostname (nil: on a network, where the
    /// manager adds it with the container's address), then `--add-host` lines
    /// (`host-gateway` as `gateway`); with the parsed `--add-host` values for the spec.
    func hostsFile(_ r: ContainerRequest, hostname: String?, gateway: IPAddress?) throws(HiveError) -> (String, [ExtraHost]) {
        try r.net.check()
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + (hostname.map { "127.0.1.1\t\($0)\n" } ?? "")
        var parsed: [ExtraHost] = []
        for h in r.extraHosts {
            let e = try ExtraHost(parsing: h)
            text += try e.line(gateway: gateway)
            parsed.append(e)
        }
        return (text, parsed)
    }

    /// /etc/resolv.conf's content for `network` (container:NAME shares the other one's file).
    func resolvConf(_ network: NetworkMode, _ net: NetworkRequest) -> String {
        switch network {
        case .none, .container: return ""
        case .host: return Files.readText(defaults.hostResolvConf) ?? ""
        case .bridge, .network:
            let host = Files.readText(defaults.hostResolvConf) ?? ""
            // The network's IPv6 is not known here: IPv6 servers are kept only with --dns.
            let resolved = host.contains(ResolvConf.resolvedStub) ? Files.readText(ResolvConf.resolvedUpstream) : nil
            return ResolvConf.forContainer(host: host, resolved: resolved, ipv6: false, dns: net.dns,
                                           dnsSearch: net.dnsSearch, dnsOptions: net.dnsOptions).text
        }
    }
}
