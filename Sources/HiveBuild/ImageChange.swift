// `--change` instructions for import and commit (a Dockerfile subset):
// CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
import HiveOCI
import HivePlatform

public enum ImageChange {
    public static func apply(_ changes: [String], to config: inout ContainerConfig) throws {
        for change in changes { try apply(change, to: &config) }
    }

    static func apply(_ change: String, to c: inout ContainerConfig) throws {
        let trimmed = change.drop(while: { $0 == " " || $0 == "\t" })
        let word = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
        let rest = String(trimmed.dropFirst(word.count).drop(while: { $0 == " " || $0 == "\t" }))
        func bad(_ why: String) -> HiveError {
            HiveError(.invalidArgument, "invalid --change \"\(change)\": \(why)")
        }
        switch word.uppercased() {
        case "CMD": c.cmd = try commandForm(rest, change: change)
        case "ENTRYPOINT": c.entrypoint = try commandForm(rest, change: change)
        case "ENV":
            var env = c.env ?? []
            for (k, v) in try keyValues(rest, allowSpaceForm: true, change: change) {
                env.removeAll { $0.hasPrefix(k + "=") }
                env.append(k + "=" + v)
            }
            c.env = env
        case "LABEL":
            var labels = c.labels ?? [:]
            for (k, v) in try keyValues(rest, allowSpaceForm: false, change: change) { labels[k] = v }
            c.labels = labels
        case "EXPOSE":
            var ports = c.exposedPorts ?? [:]
            for p in rest.split(separator: " ") where !p.isEmpty {
                let spec = p.contains("/") ? String(p) : p + "/tcp"
                guard let n = Int(spec.prefix(while: { $0 != "/" })), n > 0, n < 65536 else { throw bad("invalid port \"\(p)\"") }
                ports[spec.lowercased()] = EmptyObject()
            }
            c.exposedPorts = ports
        case "USER":
            guard !rest.isEmpty else { throw bad("USER needs a user") }
            c.user = rest
        case "WORKDIR":
            guard !rest.isEmpty else { throw bad("WORKDIR needs a path") }
            c.workingDir = rest.hasPrefix("/") ? rest : "/" + rest
        case "STOPSIGNAL":
            guard !rest.isEmpty else { throw bad("STOPSIGNAL needs a signal") }
            c.stopSignal = rest
        case "VOLUME":
            var vols = c.volumes ?? [:]
            let paths = rest.hasPrefix("[") ? try jsonArray(rest, change: change) : rest.split(separator: " ").map(String.init)
            for p in paths where !p.isEmpty { vols[p] = EmptyObject() }
            c.volumes = vols
        case "ONBUILD":
            guard !rest.isEmpty else { throw bad("ONBUILD needs an instruction") }
            c.onBuild = (c.onBuild ?? []) + [rest]
        default:
            throw bad("\(word.isEmpty ? "empty instruction" : "unsupported instruction " + word) (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)")
        }
    }

    /// JSON form `["a","b"]`, else shell form wrapped in `/bin/sh -c`.
    static func commandForm(_ text: String, change: String) throws -> [String] {
        if text.hasPrefix("["), let arr = try? jsonArray(text, change: change) { return arr }
        guard !text.isEmpty else { throw HiveError(.invalidArgument, "invalid --change \"\(change)\": missing command") }
        return ["/bin/sh", "-c", text]
    }

    static func jsonArray(_ text: String, change: String) throws -> [String] {
        do { return try JSONCoding.decode([String].self, from: Array(text.utf8)) } catch {
            throw HiveError(.invalidArgument, "invalid --change \"\(change)\": not a JSON array of strings")
        }
    }

    /// `k=v k2="v 2"` (and `k v` for ENV's legacy form).
    static func keyValues(_ text: String, allowSpaceForm: Bool, change: String) throws -> [(String, String)] {
        let words = try shellWords(text, change: change)
        guard !words.isEmpty else { throw HiveError(.invalidArgument, "invalid --change \"\(change)\": missing key=value") }
        if allowSpaceForm && !words[0].contains("=") {
            let key = words[0]
            let value = text.dropFirst(text.prefix(while: { $0 != " " }).count).drop(while: { $0 == " " })
            return [(key, String(value))]
        }
        return try words.map { w in
            guard let eq = w.firstIndex(of: "="), eq != w.startIndex else {
                throw HiveError(.invalidArgument, "invalid --change \"\(change)\": \"\(w)\" is not key=value")
            }
            return (String(w[..<eq]), String(w[w.index(after: eq)...]))
        }
    }

    /// Splits on unquoted blanks, honouring "double", 'single' quotes and backslashes.
    static func shellWords(_ text: String, change: String) throws -> [String] {
        var out: [String] = []
        var cur = ""
        var inWord = false
        var quote: Character? = nil
        var escape = false
        for ch in text {
            if escape { cur.append(ch); escape = false; continue }
            if ch == "\\" && quote != "'" { escape = true; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else { cur.append(ch) }
                continue
            }
            if ch == "\"" || ch == "'" { quote = ch; inWord = true; continue }
            if ch == " " || ch == "\t" {
                if inWord { out.append(cur); cur = ""; inWord = false }
                continue
            }
            cur.append(ch)
            inWord = true
        }
        if quote != nil { throw HiveError(.invalidArgument, "invalid --change \"\(change)\": unterminated quote") }
        if inWord { out.append(cur) }
        return out
    }
}
