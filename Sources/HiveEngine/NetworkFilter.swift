// The network filters of `network ls`, `network prune` and the Engine
// API's GET /networks and POST /networks/prune (Docker's: the same key
// OR-ed, different keys AND-ed).
import HiveOCI
import HivePlatform
import HiveStore

/// `network ls --filter` and `network prune --filter`.
public struct NetworkFilter {
    public var values: [String: [String]] = [:]
    public var until: Int64?

    public init(_ args: [String], keys: [String]) throws {
        for a in args {
            guard let eq = a.firstIndex(of: "=") else { throw HiveError(.invalidArgument, "bad format of filter \"\(a)\" (expected name=value)") }
            var k = String(a[..<eq])
            var v = String(a[a.index(after: eq)...])
            if k == "label", v.hasPrefix("!") { k = "label!"; v.removeFirst() }  // `label!=k` splits at its `=`
            if k.hasSuffix("!") && k != "label!" || !keys.contains(k) {
                throw HiveError(.invalidArgument, "invalid filter \"\(k)\" (\(keys.joined(separator: ", ")))")
            }
            switch k {
            case "type" where v != "custom" && v != "builtin":
                throw HiveError(.invalidArgument, "invalid filter \"type=\(v)\" (custom or builtin)")
            case "dangling" where !["true", "false", "1", "0"].contains(v):
                throw HiveError(.invalidArgument, "invalid filter \"dangling=\(v)\" (true or false)")
            case "until":
                until = min(until ?? .max, try HumanTime.parseFilter(v))
            default: break
            }
            values[k, default: []].append(v)
        }
    }

    public func matches(_ n: NetworkInspect.Listing) -> Bool {
        if let names = values["name"], !names.contains(where: { n.name.contains($0) }) { return false }
        if let ids = values["id"], !ids.contains(where: { n.id.hasPrefix($0) }) { return false }
        if let drivers = values["driver"], !drivers.contains(n.driver) { return false }
        if let scopes = values["scope"], !scopes.contains("local") { return false }
        if let types = values["type"], !types.contains(n.isBuiltin ? "builtin" : "custom") { return false }
        if let d = values["dangling"] {
            let dangling = !n.isBuiltin && n.containers == 0
            if !d.contains(where: { ($0 == "true" || $0 == "1") == dangling }) { return false }
        }
        // every label= must hold, no label!= may
        if !LabelFilter.holds(values, n.labels) { return false }
        if let until, n.created >= until { return false }
        return true
    }
}
