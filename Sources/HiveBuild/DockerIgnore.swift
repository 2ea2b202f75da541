// .dockerignore with Docker's semantics (moby/patternmatcher): one pattern
// per line, `#` comments, `!` exceptions, `**` for any number of
// directories, `*`/`?`/`[...]` within one path element (Go's path.Match);
// the last matching pattern decides, and a pattern that matches a directory
// matches everything under it.
import HiveOCI
import HivePlatform

public struct DockerIgnore: Sendable {
    struct Pattern: Sendable {
        var parts: [String]
        var exclusion: Bool
    }
    var patterns: [Pattern] = []
    /// The text the patterns came from.
    public let source: String
    public var isEmpty: Bool { patterns.isEmpty }

    public init(_ text: String) {
        source = text
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw).trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            var exclusion = false
            if line.hasPrefix("!") {
                exclusion = true
                line = String(line.dropFirst()).trimmed
            }
            let cleaned = DockerIgnore.clean(line)
            if cleaned == "." || cleaned.isEmpty { continue }
            patterns.append(Pattern(parts: cleaned.split(separator: "/").map(String.init), exclusion: exclusion))
        }
    }

    /// filepath.Clean, then without a leading `/`.
    public static func clean(_ p: String) -> String {
        var out: [Substring] = []
        for c in p.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == ".." {
                if let last = out.last, last != ".." { out.removeLast() } else if !p.hasPrefix("/") { out.append(c) }
                continue
            }
            out.append(c)
        }
        return out.joined(separator: "/")
    }

    /// Whether `path` (relative to the context, `/`-separated) is excluded.
    public func excludes(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        var excluded = false
        for p in patterns {
            var matched = DockerIgnore.match(p.parts[...], parts[...])
            if !matched {
                // a pattern matching a parent directory matches what is under it
                for k in stride(from: parts.count - 1, to: 0, by: -1) where DockerIgnore.match(p.parts[...], parts[0..<k]) {
                    matched = true
                    break
                }
            }
            if matched { excluded = !p.exclusion }
        }
        return excluded
    }

    /// Whether any exception could bring back something under `dir` (so an excluded directory is still walked).
    public func mayIncludeUnder(_ dir: String) -> Bool {
        patterns.contains { $0.exclusion }
    }

    static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var p = path
            while true {
                if match(rest, p) { return true }
                if p.isEmpty { return false }
                p = p.dropFirst()
            }
        }
        guard let name = path.first, Glob.match(first, name) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }
}
