// What a container asks of the network, as given (`--network`, `--network-alias`,
// `-p`, `-P`, `--ip`, `--ip6`, `--mac-address`, `--dns*`, the image's EXPOSE
// for -P, and the networks `network connect` added): kept in the container's
// spec so every start attaches the same way. `check` is the one validation of
// the addresses and DNS values (the planner calls it before anything is made);
// HiveNetwork parses the ports when it attaches. `ExtraHost` is `--add-host`.
import HivePlatform

/// One `--add-host`: Docker's NAME:IP (split at the first ':', so an IPv6
/// address needs no brackets), NAME=IP, the address optionally in brackets,
/// or NAME:host-gateway (the default network's gateway, resolved at create).
public struct ExtraHost: Sendable, Equatable, CustomStringConvertible {
    public static let hostGateway = "host-gateway"
    public var name: String
    /// nil: host-gateway.
    public var ip: IPAddress?

    /// Parses one value; a one-line error naming it otherwise.
    public init(parsing text: String) throws(HiveError) {
        var sep = text.firstIndex(of: "=")
        if sep == nil { sep = text.firstIndex(of: ":") }
        guard let sep, sep != text.startIndex, !text[..<sep].contains(":") else {
            throw HiveError(.invalidArgument, "bad format for add-host: \"\(text)\" (use NAME:IP, NAME=IP or NAME:host-gateway)")
        }
        let name = String(text[..<sep])
        var value = String(text[text.index(after: sep)...])
        guard name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x23 }), name.utf8.count <= 255 else {
            throw HiveError(.invalidArgument, "invalid host name in add-host \"\(text)\": printable characters, no space or #")
        }
        self.name = name
        if value == ExtraHost.hostGateway { ip = nil; return }
        if value.utf8.count > 2, value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
        guard let ip = IPAddress(value) else {
            throw HiveError(.invalidArgument, "invalid IP address in add-host: \"\(value)\" (in \"\(text)\")")
        }
        self.ip = ip
    }

    /// As Docker keeps it (HostConfig.ExtraHosts): `NAME:IP` or `NAME:host-gateway`.
    public var description: String { name + ":" + (ip?.description ?? ExtraHost.hostGateway) }

    /// The /etc/hosts line, `host-gateway` as `gateway` (nil: refused, naming it).
    public func line(gateway: IPAddress?) throws(HiveError) -> String {
        guard let addr = ip ?? gateway else {
            throw HiveError(.invalidArgument, "--add-host \(name):host-gateway needs the default network's gateway, which is not known here")
        }
        return "\(addr)\t\(name)\n"
    }
}

public struct NetworkRequest: Codable, Sendable, Equatable {
    public var aliases: [String] = []
    /// `-p` values as given.
    public var ports: [String] = []
    /// `-P`: every exposed port to a free host port.
    public var publishAll = false
    /// `--expose` values and the image's ExposedPorts keys (`80/tcp`).
    public var exposed: [String] = []
    public var ip: String?
    public var ip6: String?
    public var mac: String?
    public var dns: [String] = []
    public var dnsSearch: [String] = []
    public var dnsOptions: [String] = []
    /// Networks beyond `--network` (`network connect`, recorded: attached at every start).
    public var connected: [Connection] = []
    public init() {}

    /// A network `network connect` added, with what it asked there.
    public struct Connection: Codable, Sendable, Equatable {
        /// The network's name as it was when connected.
        public var network: String
        public var aliases: [String] = []
        public var ip: String?
        public var ip6: String?
        public init(network: String) { self.network = network }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            network = try c.decode(String.self, forKey: .network)
            aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
            ip = try c.decodeIfPresent(String.self, forKey: .ip)
            ip6 = try c.decodeIfPresent(String.self, forKey: .ip6)
        }
        var json: JSONValue {
            var o: [String: JSONValue] = ["network": .string(network)]
            if !aliases.isEmpty { o["aliases"] = .array(aliases.map(JSONValue.string)) }
            if let ip { o["ip"] = .string(ip) }
            if let ip6 { o["ip6"] = .string(ip6) }
            return .object(o)
        }
    }

    /// Docker's checks of the addresses and DNS values, each a one-line error
    /// naming the value (the ports are HiveNetwork's PortSpec; `--add-host` is ExtraHost's).
    public func check() throws(HiveError) {
        if let ip, IPAddress(ip)?.family != .v4 { throw HiveError(.invalidArgument, "invalid IPv4 address: \(ip)") }
        if let ip6, IPAddress(ip6)?.family != .v6 { throw HiveError(.invalidArgument, "invalid IPv6 address: \(ip6)") }
        if let mac, MACAddress(mac) == nil { throw HiveError(.invalidArgument, "invalid MAC address: \(mac) (use aa:bb:cc:dd:ee:ff, not multicast)") }
        for d in dns where IPAddress(d) == nil { throw HiveError(.invalidArgument, "invalid --dns \"\(d)\": not an IP address") }
        for (flag, values) in [("--dns-search", dnsSearch), ("--dns-option", dnsOptions)] {
            for v in values where v.isEmpty || v.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f || $0 == 0x23 || $0 == 0x3b }) {
                throw HiveError(.invalidArgument, "invalid \(flag) \"\(v)\": empty or holding whitespace or a comment character")
            }
        }
    }

    /// Reads the spec's JSON as `json` writes it: empty fields are omitted there,
    /// so every key is optional here (the synthesized decoder would refuse the
    /// spec of any container with a network flag, and `start`/inspect lose it).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        ports = try c.decodeIfPresent([String].self, forKey: .ports) ?? []
        publishAll = try c.decodeIfPresent(Bool.self, forKey: .publishAll) ?? false
        exposed = try c.decodeIfPresent([String].self, forKey: .exposed) ?? []
        ip = try c.decodeIfPresent(String.self, forKey: .ip)
        ip6 = try c.decodeIfPresent(String.self, forKey: .ip6)
        mac = try c.decodeIfPresent(String.self, forKey: .mac)
        dns = try c.decodeIfPresent([String].self, forKey: .dns) ?? []
        dnsSearch = try c.decodeIfPresent([String].self, forKey: .dnsSearch) ?? []
        dnsOptions = try c.decodeIfPresent([String].self, forKey: .dnsOptions) ?? []
        connected = try c.decodeIfPresent([Connection].self, forKey: .connected) ?? []
    }

    /// As stored in the spec's JSON (empty fields omitted).
    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        func list(_ k: String, _ v: [String]) { if !v.isEmpty { o[k] = .array(v.map(JSONValue.string)) } }
        list("aliases", aliases)
        list("ports", ports)
        if publishAll { o["publishAll"] = .bool(true) }
        list("exposed", exposed)
        if let ip { o["ip"] = .string(ip) }
        if let ip6 { o["ip6"] = .string(ip6) }
        if let mac { o["mac"] = .string(mac) }
        list("dns", dns)
        list("dnsSearch", dnsSearch)
        list("dnsOptions", dnsOptions)
        if !connected.isEmpty { o["connected"] = .array(connected.map(\.json)) }
        return .object(o)
    }
}
