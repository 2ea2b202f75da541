// Docker's checks of run/create's network flags before anything is made:
// the ports, and conflicts of --network host, none and container:NAME with
// the flags they make meaningless (moved down from the CLI's
// ContainerRun+Network.swift, so the Engine API's create checks its body the same).
import HiveNetwork
import HivePlatform
import HiveRuntime

public enum RunFlagChecks {
    /// Docker's checks of the flags, each a one-line error naming the value.
    public static func network(_ net: inout NetworkRequest, network: String, hostname: String?, extraHosts: [String], warn: (String) -> Void) throws {
        for p in net.ports { _ = try PortSpec.parse(p) }
        for e in net.exposed { _ = try PortSpec.parseExposed(e) }
        let builtin = network == NetworkManager.defaultNetwork || network == "none" || network == "host"
        if network.hasPrefix("container:") {
            func conflict(_ what: String) -> HiveError { HiveError(.invalidArgument, "conflicting options: \(what) and the network mode") }
            if !net.ports.isEmpty || net.publishAll { throw HiveError(.invalidArgument, "conflicting options: port publishing and the container type network mode") }
            if !net.exposed.isEmpty { throw HiveError(.invalidArgument, "conflicting options: port exposing and the container type network mode") }
            if !net.dns.isEmpty || !net.dnsSearch.isEmpty || !net.dnsOptions.isEmpty { throw conflict("dns") }
            if !extraHosts.isEmpty { throw conflict("custom host-to-IP mapping") }
            if net.mac != nil { throw conflict("mac-address") }
            if hostname != nil { throw conflict("hostname") }
        } else if (network == "host" || network == "none") && (!net.ports.isEmpty || net.publishAll) {
            warn("Published ports are discarded when using \(network) network mode")
            net.ports = []
            net.publishAll = false
        }
        if builtin || network.hasPrefix("container:") {
            if net.ip != nil || net.ip6 != nil { throw HiveError(.invalidArgument, "user specified IP address is supported on user defined networks only") }
            if !net.aliases.isEmpty { throw HiveError(.invalidArgument, "network-scoped aliases are supported for user defined networks only") }
        }
        if network == "host" && net.mac != nil { throw HiveError(.invalidArgument, "conflicting options: mac-address and the network mode") }
    }
}
