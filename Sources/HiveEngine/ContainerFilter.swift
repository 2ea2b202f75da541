// `ps --filter` and the Engine API's `GET /containers/json?filters=`: one
// filter for both (moved down from HiveCLI/Container/ContainerList.swift).
import HivePlatform
import HiveStore

/// `ps --filter` as Docker's daemon (daemon/list.go): same keys ORed,
/// different keys ANDed; name and id are regular expressions, labels all hold.
public struct ContainerFilter {
    public static let keys: Set<String> = ["id", "name", "label", "status", "ancestor", "exited", "before", "since", "health", "volume", "network",
                                    "publish", "expose", "isolation", "is-task"]
    public let args: FilterArgs
    var beforeTime: Int64?
    var sinceTime: Int64?
    var ancestors: Set<String>?
    var exited: [Int32] = []
    var publish: Set<String> = []
    var expose: Set<String> = []
    var networkIDs: [String: String] = [:]
    public var impliesAll: Bool { args.contains("status") || args.contains("exited") || beforeTime != nil || sinceTime != nil }
    public var needsDetails: Bool { args.contains("volume") || args.contains("network") || args.contains("publish") || args.contains("expose") }

    public init(_ list: [String], engine: Engine, all: [ContainerSummary]) throws {
        args = try FilterArgs(list, accepted: ContainerFilter.keys)
        func find(_ ref: String) throws -> ContainerSummary {
            guard let c = all.first(where: { $0.id == ref || $0.name == ref }) ?? all.first(where: { $0.id.hasPrefix(ref) }) else {
                throw HiveError(.notFound, "no such container: \(ref) (the before and since filters name a container)")
            }
            return c
        }
        beforeTime = try args["before"]?.map { try find($0).created }.min()
        sinceTime = try args["since"]?.map { try find($0).created }.max()
        for s in args["status"] ?? [] where !["created", "running", "exited", "paused", "restarting", "removing", "dead"].contains(s) {
            throw HiveError(.invalidArgument, "invalid filter 'status=\(s)' (created, restarting, running, removing, paused, exited or dead)")
        }
        for h in args["health"] ?? [] where !["starting", "healthy", "unhealthy", "none"].contains(h) {
            throw HiveError(.invalidArgument, "Unrecognised filter value for health: \(h) (starting, healthy, unhealthy or none)")
        }
        for e in args["exited"] ?? [] {
            guard let code = Int32(e) else { throw HiveError(.invalidArgument, "invalid filter 'exited=\(e)' (an exit code is a number)") }
            exited.append(code)
        }
        for t in args["is-task"] ?? [] where !["true", "false"].contains(t) {
            throw HiveError(.invalidArgument, "invalid filter 'is-task=\(t)' (use true or false)")
        }
        if let refs = args["ancestor"] {
            ancestors = try refs.reduce(into: Set<String>()) { $0.formUnion(try engine.imageAndDescendants($1)) }
        }
        publish = try ContainerFilter.ports("publish", args["publish"] ?? [])
        expose = try ContainerFilter.ports("expose", args["expose"] ?? [])
        if args.contains("network") { networkIDs = try engine.networkIDs() }
    }

    /// `80`, `80/udp`, `8000-8080/tcp` as the set of `PORT/PROTO` keys (Docker's portOp).
    static func ports(_ key: String, _ values: [String]) throws -> Set<String> {
        var out: Set<String> = []
        for v in values {
            if v.contains(":") { throw HiveError(.invalidArgument, "filter for '\(key)' should not contain ':': \(v)") }
            let parts = v.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let proto = parts.count > 1 && !parts[1].isEmpty ? parts[1].lowercased() : "tcp"
            let range = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let start = UInt16(range[0]), let end = range.count > 1 ? UInt16(range[1]) : start, start <= end,
                  ["tcp", "udp", "sctp"].contains(proto) else {
                throw HiveError(.invalidArgument, "error while looking up for \(key) \(v): invalid port (use PORT[/PROTO] or START-END[/PROTO])")
            }
            for p in start...end { out.insert("\(p)/\(proto)") }
        }
        return out
    }

    public func matches(_ c: ContainerSummary, _ d: ContainerDetails?) -> Bool {
        if args.isEmpty { return true }
        if args.contains("name") && !(args.match("name", c.name) || args.match("name", "/" + c.name)) { return false }
        if args.contains("label") && !args.matchKVList("label", c.labels) { return false }
        guard args.match("id", c.id), args.exactMatch("status", c.state), args.exactMatch("health", c.health) else { return false }
        if !exited.isEmpty && !(c.state == "exited" && exited.contains(c.exitCode ?? -1)) { return false }
        if let ancestors, !ancestors.contains(c.imageID) { return false }
        if let b = beforeTime, c.created >= b { return false }
        if let s = sinceTime, c.created <= s { return false }
        if args["is-task"]?.contains("true") == true { return false }  // no swarm tasks here
        guard let d else { return true }
        if let vs = args["volume"],
           !vs.contains(where: { v in d.volumes.contains(v) || d.mounts.contains { $0.name == v || $0.source == v || $0.destination == v } }) {
            return false
        }
        if let ns = args["network"], !ns.contains(where: { v in d.networks.contains { $0 == v || (networkIDs[$0]?.hasPrefix(v) ?? false) } }) {
            return false
        }
        if args.contains("publish") && publish.isDisjoint(with: d.published) { return false }
        if args.contains("expose") && expose.isDisjoint(with: d.exposed) { return false }
        return true
    }
}
