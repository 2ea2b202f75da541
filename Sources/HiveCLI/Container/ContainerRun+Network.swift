// run/create's network flags into the request (ContainerRequest.network and
// .net), checked as Docker's CLI checks them before anything is made: the
// ports, and conflicts of --network host, none and container:NAME with the
// flags they make meaningless. The addresses, DNS values and --add-host are
// checked once, below the CLI (the planner: NetworkRequest.check, ExtraHost),
// and the network's existence by the engine, so every caller gets them.
import HiveEngine
import HiveNetwork
import HiveRuntime
import HivePlatform

enum RunNetworkFlags {
    /// Fills `o.network` and `o.net` from the flags (the request's default network if none is given).
    static func apply(_ c: Context, to o: inout RunOptions) throws {
        let a = c.args
        if let n = a.value("network") ?? a.value("net") {
            guard !n.isEmpty else { throw HiveError(.invalidArgument, "--network needs a value: bridge, none, host, a network's name or container:NAME") }
            o.network = n == "default" ? NetworkManager.defaultNetwork : n
        } else {
            o.network = try c.engine().config().containers.defaultNetwork  // hive.toml [containers] default_network
        }
        var net = NetworkRequest()
        net.aliases = a.all("network-alias") + a.all("net-alias")
        net.ports = a.all("publish")
        net.publishAll = a.flag("publish-all")
        net.exposed = a.all("expose")
        net.ip = a.value("ip")
        net.ip6 = a.value("ip6")
        net.mac = a.value("mac-address")
        net.dns = a.all("dns")
        net.dnsSearch = a.all("dns-search")
        net.dnsOptions = a.all("dns-option") + a.all("dns-opt")
        o.extraHosts = a.all("add-host")
        try RunFlagChecks.network(&net, network: o.network, hostname: o.hostname, extraHosts: o.extraHosts, warn: c.warn)
        o.net = net
    }
}
