// What a container asks of the network, as given (`--network`, `--network-alias`,
// `-p`, `-P`, `--ip`, `--ip6`, `--mac-address`, `--dns*`, and the image's EXPOSE
// for -P): kept in the container's spec so every start attaches the same way.
// HiveNetwork parses the ports and addresses when it attaches.
import HivePlatform

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
    public init() {}

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
        return .object(o)
    }
}
