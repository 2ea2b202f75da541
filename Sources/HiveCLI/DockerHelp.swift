// One captured `docker ... --help` text (Tests/fixtures/docker-cli-28,
// scripts/capture-docker-help.sh): the command's words, summary, aliases,
// options and sub-command sections, as docker CLI 28 prints them.
import HivePlatform

struct DockerHelp {
    struct Flag {
        let long: String
        let short: Character?
        /// The value's type (`list`, `string`, `bytes`...), nil for a boolean.
        let type: String?
        var help: String
    }

    /// The words after `docker` ("" for docker itself, "image ls").
    var path = ""
    var summary = ""
    /// Every spelling, path included, without `docker `.
    var aliases: [String] = []
    var flags: [Flag] = []
    /// "Management Commands" -> [(name, summary)].
    var sections: [(title: String, entries: [(name: String, summary: String)])] = []

    var isGroup: Bool { !sections.isEmpty && path != "" }

    init(text: String) {
        enum Part { case none, options, commands }
        var part = Part.none
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let l = lines.first, !l.hasPrefix("Usage:") { lines = lines.dropFirst() }
        if let usage = lines.first {
            path = usage.dropFirst("Usage:".count).split(separator: " ").dropFirst()
                .prefix { $0.allSatisfy { $0.isLowercase || $0 == "-" } }.joined(separator: " ")
            lines = lines.dropFirst()
        }
        while let l = lines.first, l.trimmed.isEmpty { lines = lines.dropFirst() }
        summary = lines.first?.trimmed ?? ""
        aliases = [path]
        var previous = ""
        for line in lines.dropFirst() {
            defer { previous = line }
            if line.isEmpty { part = .none; continue }
            if previous == "Aliases:" {
                let spelled = line.trimmed.components(separatedBy: ", ").map { String($0.dropFirst("docker ".count)) }
                aliases = [path] + spelled.filter { $0 != path }
                continue
            }
            if line == "Options:" || line == "Global Options:" { part = .options; continue }
            if line.hasSuffix("Commands:") && !line.hasPrefix(" ") {
                part = .commands
                sections.append((String(line.dropLast()), []))
                continue
            }
            switch part {
            case .options:
                if let f = Self.flag(line) { flags.append(f) } else if !flags.isEmpty { flags[flags.count - 1].help += " " + line.trimmed }
            case .commands:
                let words = line.trimmed.split(separator: " ", maxSplits: 1)
                guard let name = words.first else { continue }
                var n = String(name)
                if n.hasSuffix("*") { n.removeLast() }
                sections[sections.count - 1].entries.append((n, words.count > 1 ? words[1].trimmed : ""))
            case .none: continue
            }
        }
    }

    /// `  -a, --all             Show all` or `      --add-host list   Add...`.
    static func flag(_ line: String) -> Flag? {
        var rest = Substring(line)
        var short: Character? = nil
        if rest.hasPrefix("  -"), !rest.hasPrefix("  --") {
            let s = rest.dropFirst(3)
            guard let c = s.first, s.dropFirst().hasPrefix(", --") else { return nil }
            short = c
            rest = s.dropFirst(3)
        } else if rest.hasPrefix("      --") {
            rest = rest.dropFirst(6)
        } else {
            return nil
        }
        rest = rest.dropFirst(2)
        let long = rest.prefix { $0 != " " }
        rest = rest.dropFirst(long.count)
        var type: String? = nil
        if rest.hasPrefix(" "), !rest.hasPrefix("  ") {
            let t = rest.dropFirst().prefix { $0 != " " }
            type = String(t)
            rest = rest.dropFirst(1 + t.count)
        }
        return Flag(long: String(long), short: short, type: type, help: rest.trimmed)
    }

    /// Every capture in `dir` (docker*.txt), the root (`docker --help`) first.
    static func load(_ dir: String) throws -> (version: String, helps: [DockerHelp]) {
        let names = Files.names(in: dir).filter { $0.hasPrefix("docker") && $0.hasSuffix(".txt") }.sorted()
        guard !names.isEmpty, let version = Files.readText(dir + "/VERSION") else {
            throw HiveError(.invalidArgument, "no docker help captures in \(dir) (scripts/capture-docker-help.sh writes them; run from hive's source tree)")
        }
        var helps = try names.map { n in
            guard let t = Files.readText(dir + "/" + n) else { throw HiveError.errno("cannot read \(dir)/\(n)") }
            return DockerHelp(text: t)
        }
        helps.sort { $0.path < $1.path }
        return (version.trimmed, helps)
    }
}
