// docs/docker-compat.md: every Docker command and flag (docker CLI 28's own
// help, captured in Tests/fixtures/docker-cli-28) against hive's command
// tables, the run/create refusals (RunRefusals) and a short table of
// differences (DockerCompat+Notes). `hive __docs compat [DIR]` prints it;
// `make docs` writes it; a unit test fails when the file is stale.
import HiveEngine
import HivePlatform

enum DockerCompat {
    static let def = CommandDef(
        name: "__docs", aliases: ["__docs"], usage: "compat [FIXTURES]",
        summary: "Print docs/docker-compat.md (make docs)", run: run)

    static let fixtures = "Tests/fixtures/docker-cli-28"

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 2)
        guard c.args.positionals[0] == "compat" else {
            throw HiveError(.invalidArgument, "no document \"\(c.args.positionals[0])\" (hive __docs compat prints docs/docker-compat.md)")
        }
        c.out.write(try markdown(fixtures: c.args.positionals.count > 1 ? c.args.positionals[1] : fixtures))
        return 0
    }

    enum Status: String {
        case supported, differs, refused
        case notApplicable = "n/a"
        case missing = "not yet"
    }

    struct Row {
        let status: Status
        let note: String
    }

    /// A Docker command's status: a note for it or a group above it first,
    /// then whether hive has the command under each of Docker's spellings.
    static func status(of help: DockerHelp, in hive: [CommandDef]) -> Row {
        let words = help.path.split(separator: " ").map(String.init)
        for n in stride(from: words.count, through: 1, by: -1) {
            if let note = notes[words.prefix(n).joined(separator: " ")] { return Row(status: note.0, note: note.1) }
        }
        guard let d = hiveCommand(help, hive) else { return Row(status: .missing, note: "") }
        let lacking = help.aliases.filter { !d.aliases.contains($0) }
        if !lacking.isEmpty {
            return Row(status: .differs, note: "no " + lacking.map { "`hive \($0)`" }.joined(separator: ", ") + " spelling")
        }
        return Row(status: .supported, note: "")
    }

    static func hiveCommand(_ help: DockerHelp, _ hive: [CommandDef]) -> CommandDef? {
        hive.first { d in d.aliases.contains { help.aliases.contains($0) } }
    }

    /// A Docker flag's status for hive's verb `d` (nil: hive has no such verb).
    static func status(of flag: DockerHelp.Flag, command: DockerHelp, hive d: CommandDef?) -> Row {
        let isRun = command.path == "run" || command.path == "container create"
        if isRun, let r = RunRefusals.refused.first(where: { $0.flag == flag.long }) { return Row(status: .refused, note: r.reason) }
        // accepted without effect: the flag itself, or some of its values (`security-opt apparmor=/label=`)
        let ignored = isRun ? RunRefusals.ignored.filter { $0.flag == flag.long || $0.flag.hasPrefix(flag.long + " ") } : []
        let without = ignored.map { i in i.flag == flag.long ? "accepted without effect: " + i.reason : String(i.flag.dropFirst(flag.long.count + 1)) + ": " + i.reason }
        let key = (isRun ? "run" : command.path.isEmpty ? "docker" : command.path) + " --" + flag.long
        if let note = notes[key] { return Row(status: note.0, note: ([note.1] + without).joined(separator: "; ")) }
        if !without.isEmpty { return Row(status: .differs, note: without.joined(separator: "; ")) }
        if flag.long == "help" { return Row(status: .supported, note: "") }
        if flag.help.contains("(Windows only)") { return Row(status: .notApplicable, note: "Windows only") }
        let help = flag.help.lowercased()
        if help.contains("swarm") || help.contains("cluster volume") { return Row(status: .notApplicable, note: "Swarm") }
        guard let o = d?.options.first(where: { $0.long == flag.long }) else { return Row(status: .missing, note: "") }
        var how: [String] = []
        if let s = flag.short, o.short != s { how.append("no `-\(s)` shorthand") }
        if (flag.type == nil) != (o.kind == .flag) { how.append(flag.type == nil ? "takes a value" : "a boolean in hive") }
        return how.isEmpty ? Row(status: .supported, note: "") : Row(status: .differs, note: how.joined(separator: "; "))
    }

    /// "95 of 103 supported, 6 refused, 2 differ" (the kinds that occur).
    static func summary(_ rows: [Row], of what: String) -> String {
        func n(_ s: Status) -> Int { rows.filter { $0.status == s }.count }
        var parts = ["\(n(.supported)) of \(rows.count) \(what) supported"]
        for (s, word) in [(Status.differs, "differ"), (.refused, "refused"), (.notApplicable, "not applicable"), (.missing, "not yet in hive")] where n(s) > 0 {
            parts.append("\(n(s)) \(word)")
        }
        return parts.joined(separator: ", ")
    }

    static func cell(_ s: String) -> String { s.replacingOccurrences("|", "\\|") }
}
