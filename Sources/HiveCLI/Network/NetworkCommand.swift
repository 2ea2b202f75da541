// `hive network create|inspect|rm|prune|connect|disconnect` (`ls`: NetworkList.swift).
// Failures exit 1, as Docker's network verbs do (CommandDef.failureStatus;
// `network rm` of several names exits 1 if any failed).
import HiveEngine
import HiveNetwork
import HiveOCI
import HivePlatform

enum NetworkCreate {
    static let def = CommandDef(
        name: "network create", aliases: ["network create"], usage: "[OPTIONS] NETWORK", summary: "Create a network",
        options: [
            .value("driver", "d", "string", "Driver to manage the Network (bridge)"),
            .value("subnet", nil, "string", "Subnet in CIDR format that represents a network segment"),
            .value("gateway", nil, "string", "IPv4 or IPv6 Gateway for the subnet"),
            .value("ip-range", nil, "string", "Allocate container ip from a sub-range"),
            .flag("ipv6", nil, "Enable IPv6 networking"),
            .flag("internal", nil, "Restrict external access to the network"),
            .flag("attachable", nil, "Enable manual container attachment (accepted, every network is)"),
            .multi("label", "l", "list", "Set metadata on a network"),
            .multi("opt", "o", "map", "Set driver specific options"),
            .multi("aux-address", nil, "map", "Auxiliary IPv4 or IPv6 addresses used by Network driver (NAME=IP: never given to a container)"),
            .value("ipam-driver", nil, "string", "IP Address Management Driver (default, the only one)"),
            .multi("ipam-opt", nil, "map", "Set IPAM driver specific options"),
            .flag("ipv4", nil, "Enable or disable IPv4 address assignment (default true: hive's networks always have IPv4, =false is refused)"),
            .value("scope", nil, "string", "Control the network's scope (local, the only one without Swarm)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        c.out.line(try c.engine().createNetwork(try request(c)).id)
        return 0
    }

    /// The flags as a request; addresses are checked by the manager (one message each).
    static func request(_ c: Context) throws -> NetworkCreateRequest {
        var r = NetworkCreateRequest(name: c.args.positionals[0])
        r.driver = c.args.value("driver") ?? "bridge"
        // Docker takes an IPv6 --subnet/--gateway beside the IPv4 one: sort them by family
        for s in c.args.all("subnet") {
            if s.contains(":") { r.subnet6 = s } else { r.subnet = s }
        }
        for g in c.args.all("gateway") {
            if g.contains(":") { r.gateway6 = g } else { r.gateway = g }
        }
        r.ipRange = c.args.value("ip-range")
        r.ipv6 = c.args.flag("ipv6")
        if r.subnet6 != nil && !c.args.flag("ipv6") {
            throw HiveError(.invalidArgument, "an IPv6 --subnet needs --ipv6")
        }
        if r.gateway != nil && r.subnet == nil { throw HiveError(.invalidArgument, "--gateway needs a --subnet that holds it") }
        if r.ipRange != nil && r.subnet == nil { throw HiveError(.invalidArgument, "--ip-range needs a --subnet that holds it") }
        r.isInternal = c.args.flag("internal")
        r.labels = c.keyValues("label")
        func pairs(_ flag: String, _ form: String) throws -> [String: String] {
            var out: [String: String] = [:]
            for o in c.args.all(flag) {
                guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                    throw HiveError(.invalidArgument, "invalid --\(flag) \"\(o)\" (use \(form))")
                }
                out[String(o[..<eq])] = String(o[o.index(after: eq)...])
            }
            return out
        }
        r.options = try pairs("opt", "KEY=VALUE")
        r.ipamOptions = try pairs("ipam-opt", "KEY=VALUE")
        r.auxAddresses = try pairs("aux-address", "NAME=IP")
        if !r.auxAddresses.isEmpty && r.subnet == nil && r.subnet6 == nil {
            throw HiveError(.invalidArgument, "--aux-address needs a --subnet that holds it")
        }
        r.ipamDriver = c.args.value("ipam-driver")
        if let s = c.args.value("scope"), s != "local" {
            throw HiveError(.invalidArgument, "--scope \(s) is not supported: hive's networks are local (\(s == "swarm" || s == "global" ? "Swarm scopes need a Swarm cluster" : "use local"))")
        }
        if c.args.negated.contains("ipv4") {
            throw HiveError(.invalidArgument, "--ipv4=false is not supported: hive's networks always have IPv4 (IPv6-only networks are not yet in hive)")
        }
        return r
    }
}

enum NetworkInspectCommand {
    static let def = CommandDef(
        name: "network inspect", aliases: ["network inspect"], usage: "[OPTIONS] NETWORK [NETWORK...]",
        summary: "Display detailed information on one or more networks",
        options: [
            .value("format", "f", "string", "Format output using a Go template or json"),
            .flag("verbose", "v", "Verbose output for diagnostics (what it adds, Swarm services and peers, does not apply: the same output)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        return try Inspect.render(c) { engine, name in try engine.networkInfo(name) }
    }
}

enum NetworkRemove {
    static let def = CommandDef(
        name: "network rm", aliases: ["network rm", "network remove"], usage: "NETWORK [NETWORK...]",
        summary: "Remove one or more networks", options: [.flag("force", "f", "Do not error if the network does not exist")],
        failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let engine = try c.engine()
        let force = c.args.flag("force")
        return eachContainer(c) { name in
            do { try engine.removeNetwork(name) } catch let e as HiveError where force && e.code == .notFound {}
        }
    }
}

enum NetworkPrune {
    static let def = CommandDef(
        name: "network prune", aliases: ["network prune"], usage: "[OPTIONS]", summary: "Remove all unused networks",
        options: [
            .flag("force", "f", "Do not prompt for confirmation"),
            .multi("filter", nil, "filter", "Provide filter values (e.g. \"until=<timestamp>\", \"label=KEY[=VALUE]\", \"label!=KEY\")"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        let filter = try NetworkFilter(c.args.all("filter"), keys: ["until", "label", "label!"])
        if !c.args.flag("force") {
            guard ImagePrune.confirm("WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ", c) else { return 0 }
        }
        let removed = try c.engine().pruneNetworks { !filter.matches(NetworkInspect.Listing($0)) }
        if !removed.isEmpty {
            c.out.line("Deleted Networks:")
            for r in removed { c.out.line(r) }
            c.out.line("")
        }
        return 0
    }
}

enum NetworkConnect {
    static let def = CommandDef(
        name: "network connect", aliases: ["network connect"], usage: "[OPTIONS] NETWORK CONTAINER",
        summary: "Connect a container to a network",
        options: [
            .multi("alias", nil, "strings", "Add network-scoped alias for the container"),
            .value("ip", nil, "string", "IPv4 address (e.g., \"172.30.100.104\")"),
            .value("ip6", nil, "string", "IPv6 address (e.g., \"2001:db8::33\")"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2, max: 2)
        try c.engine().connectNetwork(c.args.positionals[0], container: c.args.positionals[1], aliases: c.args.all("alias"),
                                      ip: c.args.value("ip"), ip6: c.args.value("ip6"))
        return 0
    }
}

enum NetworkDisconnect {
    static let def = CommandDef(
        name: "network disconnect", aliases: ["network disconnect"], usage: "[OPTIONS] NETWORK CONTAINER",
        summary: "Disconnect a container from a network",
        options: [.flag("force", "f", "Force the container to disconnect from a network")], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 2, max: 2)
        try c.engine().disconnectNetwork(c.args.positionals[0], container: c.args.positionals[1], force: c.args.flag("force"))
        return 0
    }
}
