// Docker's `--filter key=value` arguments (moby api/types/filters): keys
// lower-cased and checked against a verb's list, values of one key ORed,
// different keys ANDed; `Match` is a regular expression search (as Go's
// regexp.MatchString, here POSIX extended syntax), `MatchKVList` needs
// every label filter to hold.
import Glibc
import HivePlatform

public struct FilterArgs: Sendable {
    public private(set) var values: [String: [String]] = [:]

    /// Parses `key=value` arguments; a key not in `accepted` is Docker's `invalid filter 'KEY'`.
    public init(_ args: [String], accepted: Set<String>) throws(HiveError) {
        for a in args {
            guard let eq = a.firstIndex(of: "=") else {
                throw HiveError(.invalidArgument, "bad format of filter \"\(a)\" (expected name=value)")
            }
            let k = FilterArgs.trimmed(a[..<eq]).lowercased()
            guard accepted.contains(k) else {
                throw HiveError(.invalidArgument, "invalid filter '\(k)' (this verb filters on \(accepted.sorted().joined(separator: ", ")))")
            }
            values[k, default: []].append(FilterArgs.trimmed(a[a.index(after: eq)...]))
        }
    }

    static func trimmed(_ s: Substring) -> String {
        String(s.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    public subscript(_ key: String) -> [String]? { values[key] }
    public func contains(_ key: String) -> Bool { values[key] != nil }
    public var isEmpty: Bool { values.isEmpty }

    /// One of the key's values equals `source` (true without the key).
    public func exactMatch(_ key: String, _ source: String) -> Bool {
        guard let vs = values[key] else { return true }
        return vs.contains(source)
    }

    /// One of the key's values equals or (as a regular expression) is found in `source` (true without the key).
    public func match(_ key: String, _ source: String) -> Bool {
        guard let vs = values[key] else { return true }
        return vs.contains { $0 == source || FilterArgs.search($0, source) }
    }

    /// Every `label=KEY` / `label=KEY=VALUE` holds (true without the key).
    public func matchKVList(_ key: String, _ labels: [String: String]) -> Bool {
        guard let vs = values[key] else { return true }
        return vs.allSatisfy { LabelFilter.matches($0, labels) }
    }

    /// `label` holds and no `label!` does (volumes, prune).
    public func matchLabels(_ labels: [String: String]) -> Bool { LabelFilter.holds(values, labels) }

    /// `true`/`1` or `false`/`0` for `key` (nil without it); anything else is Docker's `invalid filter 'KEY=VALUE'`.
    public func bool(_ key: String) throws(HiveError) -> Bool? {
        guard let vs = values[key] else { return nil }
        var result: Bool?
        for v in vs {
            switch v.lowercased() {
            case "true", "1": result = true
            case "false", "0": result = result ?? false
            default: throw HiveError(.invalidArgument, "invalid filter '\(key)=\(v)' (use true or false)")
            }
        }
        return result
    }

    /// Whether the extended regular expression `pattern` is found in `s`; a pattern that does not compile matches nothing.
    public static func search(_ pattern: String, _ s: String) -> Bool {
        var re = regex_t()
        guard regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0 else { return false }
        defer { regfree(&re) }
        return regexec(&re, s, 0, nil, 0) == 0
    }
}

/// `label=KEY` (present) or `label=KEY=VALUE` (equal), as `system prune` and `events` read it.
public enum LabelFilter {
    public static func matches(_ filter: String, _ labels: [String: String]) -> Bool {
        let kv = filter.split(separator: "=", maxSplits: 1).map(String.init)
        return kv.count == 1 ? labels[kv[0]] != nil : labels[kv[0]] == kv[1]
    }

    /// Every `label` filter of `values` (a filter's values by key) holds and no `label!` one does.
    public static func holds(_ values: [String: [String]], _ labels: [String: String]) -> Bool {
        (values["label"] ?? []).allSatisfy { matches($0, labels) } && !(values["label!"] ?? []).contains { matches($0, labels) }
    }
}
