// Networks: list (filters), inspect, create, delete, connect, disconnect,
// prune; Docker's network object from the engine's networkInfo (what
// `network inspect` prints), the filters of `network ls` (NetworkFilter).
import HiveEngine
import HiveNetwork
import HivePlatform

extension APIServer {
    static var networkRoutes: [APIRoute] {
        [
            APIRoute("GET", "/networks") { call in
                let e = try call.engine()
                let filter = try NetworkFilter(try call.request.filterArgs(), keys: ["name", "id", "driver", "label", "type", "dangling", "scope"])
                return .json(.array(try e.listNetworks().filter(filter.matches).map { try e.networkInfo($0.isBuiltin ? $0.name : $0.id) }))
            },
            APIRoute("POST", "/networks/create") { call in
                let body = try call.request.json()
                guard let name = body["Name"]?.stringValue, !name.isEmpty else {
                    throw HiveError(.invalidArgument, "Name is required: the network's name")
                }
                var r = NetworkCreateRequest(name: name)
                r.driver = body["Driver"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "bridge"
                r.isInternal = body["Internal"]?.boolValue ?? false
                r.ipv6 = body["EnableIPv6"]?.boolValue ?? false
                r.labels = try stringMap(body["Labels"], "Labels")
                r.options = try stringMap(body["Options"], "Options")
                r.ipamDriver = body["IPAM"]?["Driver"]?.stringValue
                r.ipamOptions = try stringMap(body["IPAM"]?["Options"], "IPAM.Options")
                if body["EnableIPv4"]?.boolValue == false {
                    throw HiveError(.invalidArgument, "EnableIPv4 false is not supported: hive's networks always have IPv4")
                }
                // Docker takes an IPv6 pool beside the IPv4 one: sorted by family
                for c in body["IPAM"]?["Config"]?.arrayValue ?? [] {
                    for (k, v) in try stringMap(c["AuxiliaryAddresses"], "IPAM.Config.AuxiliaryAddresses") { r.auxAddresses[k] = v }
                    let subnet = c["Subnet"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                    let v6 = subnet?.contains(":") ?? false
                    if v6 { r.subnet6 = subnet } else { r.subnet = subnet }
                    if let g = c["Gateway"]?.stringValue, !g.isEmpty { if v6 { r.gateway6 = g } else { r.gateway = g } }
                    if let i = c["IPRange"]?.stringValue, !i.isEmpty, !v6 { r.ipRange = i }
                }
                let n = try call.engine().createNetwork(r)
                return .json(.object(["Id": .string(n.id), "Warning": .string("")]), status: 201)
            },
            APIRoute("POST", "/networks/prune") { call in
                let filter = try NetworkFilter(try call.request.filterArgs(), keys: ["until", "label", "label!"])
                let removed = try call.engine().pruneNetworks { !filter.matches(NetworkInspect.Listing($0)) }
                return .json(.object(["NetworksDeleted": removed.isEmpty ? .null : .array(removed.map(JSONValue.string))]))
            },
            APIRoute("GET", "/networks/{id}") { call in
                .json(try call.engine().networkInfo(call.request.param("id")))
            },
            APIRoute("DELETE", "/networks/{id}") { call in
                do {
                    try call.engine().removeNetwork(call.request.param("id"))
                } catch let e as HiveError where e.code == .conflict && e.message.contains("active endpoints") {
                    // Docker answers a network in use with 403 Forbidden
                    throw APIError(403, "error while removing network: \(e.message)")
                }
                return .status(204)
            },
            APIRoute("POST", "/networks/{id}/connect") { call in
                let body = try call.request.json()
                let ep = body["EndpointConfig"]?.objectValue ?? [:]
                let ipam = ep["IPAMConfig"]?.objectValue ?? [:]
                func nonEmpty(_ v: JSONValue?) -> String? { v?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
                try call.engine().connectNetwork(call.request.param("id"), container: try container(body),
                                                 aliases: ep["Aliases"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                                 ip: nonEmpty(ipam["IPv4Address"]), ip6: nonEmpty(ipam["IPv6Address"]))
                return .status(200)
            },
            APIRoute("POST", "/networks/{id}/disconnect") { call in
                let body = try call.request.json()
                try call.engine().disconnectNetwork(call.request.param("id"), container: try container(body), force: body["Force"]?.boolValue ?? false)
                return .status(200)
            },
        ]
    }

    /// The body's `Container` (a name or ID).
    static func container(_ body: [String: JSONValue]) throws -> String {
        guard let c = body["Container"]?.stringValue, !c.isEmpty else {
            throw HiveError(.invalidArgument, "Container is required: the container's name or ID")
        }
        return c
    }
}
