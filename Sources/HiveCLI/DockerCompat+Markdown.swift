// The markdown of docs/docker-compat.md: commands in Docker's sections,
// run/create's flags one by one, the other commands' flags, the global
// options, and what hive has that Docker does not.
import HivePlatform

extension DockerCompat {
    static func markdown(fixtures dir: String) throws -> String {
        let (version, helps) = try DockerHelp.load(dir)
        let hive = HiveCommand.visibleCommands
        var bySpelling: [String: DockerHelp] = [:]
        for h in helps { for a in h.aliases where bySpelling[a] == nil { bySpelling[a] = h } }
        guard let root = bySpelling[""] else { throw HiveError(.invalidArgument, "no docker.txt (docker --help) in \(dir)") }

        var s = """
        # hive and Docker: commands and flags

        <!-- Written by `hive __docs compat` (`make docs`) from hive's command tables and
             the help of the docker CLI, \(version) (\(fixtures)); a unit test fails
             when it is stale. Do not edit. -->

        Every command of the docker CLI and every flag of `docker run`/`docker create`, with hive's status:
        **supported** (Docker's meaning), **differs** (how is noted), **refused** (hive rejects it and says why),
        **n/a** (does not apply to a daemonless engine on Linux), **not yet** (hive lacks it today).


        """
        // Commands, each once, in the order of Docker's sections.
        var seen: Set<String> = []
        var all: [Row] = []
        var body = ""
        for section in root.sections {
            var rows: [(DockerHelp, Row)] = []
            func add(_ path: String) {
                guard let h = bySpelling[path], !seen.contains(h.path) else { return }
                seen.insert(h.path)
                if h.isGroup, let note = notes[h.path], note.0 == .notApplicable {  // the whole group, on one row
                    let subs = h.sections.flatMap(\.entries).map(\.name)
                    rows.append((h, Row(status: note.0, note: note.1 + " (" + subs.joined(separator: ", ") + ")")))
                } else if h.isGroup {
                    for sec in h.sections { for e in sec.entries { add(h.path + " " + e.name) } }
                } else {
                    rows.append((h, status(of: h, in: hive)))
                }
            }
            for e in section.entries { add(e.name) }
            guard !rows.isEmpty else { continue }
            all += rows.map(\.1)
            body += "### \(section.title)\n\n\(summary(rows.map(\.1), of: "commands")).\n\n| Docker | Status | Notes |\n|---|---|---|\n"
            for (h, r) in rows {
                let spellings = h.aliases.map { "`docker \($0)`" }.joined(separator: ", ")
                body += "| \(spellings) | \(r.status.rawValue) | \(cell(r.note)) |\n"
            }
            body += "\n"
        }
        let commands = helps.filter { !$0.isGroup && $0.path != "" && seen.contains($0.path) }
        s += "## Commands\n\n\(summary(all, of: "Docker commands")).\n\n" + body

        // run and create, flag by flag.
        let run = bySpelling["run"], create = bySpelling["create"]
        var flags = run?.flags ?? []
        for f in create?.flags ?? [] where !flags.contains(where: { $0.long == f.long }) { flags.append(f) }
        flags.sort { $0.long < $1.long }
        let runRows = flags.map { f -> (DockerHelp.Flag, Row) in
            let onlyIn = run?.flags.contains { $0.long == f.long } == false ? " (create only)"
                : create?.flags.contains { $0.long == f.long } == false ? " (run only)" : ""
            let r = status(of: f, command: run!, hive: hiveCommand(run!, hive))
            return (f, Row(status: r.status, note: r.note + onlyIn))
        }
        s += "## run and create flags\n\n\(summary(runRows.map(\.1), of: "Docker flags")) (`docker run --help`, `docker create --help`).\n\n"
        s += "| Flag | Status | Notes |\n|---|---|---|\n"
        for (f, r) in runRows { s += "| `\(spelling(f))` | \(r.status.rawValue) | \(cell(r.note.trimmed)) |\n" }

        // The other commands hive has: the flags that are not plain supported.
        var other: [Row] = []
        var table = ""
        for h in commands where h.path != "run" && h.path != "container create" {
            guard let d = hiveCommand(h, hive), !h.flags.isEmpty else { continue }
            let rows = h.flags.map { (f: $0, r: status(of: $0, command: h, hive: d)) }
            other += rows.map(\.r)
            let gaps = rows.filter { $0.r.status != .supported }
                .map { "`\(spelling($0.f))` \($0.r.status.rawValue)" + ($0.r.note.isEmpty ? "" : ": " + $0.r.note) }
            let n = rows.filter { $0.r.status == .supported }.count
            table += "| `docker \(h.path)` | \(n) of \(rows.count) | \(cell(gaps.joined(separator: "; "))) |\n"
        }
        s += "\n## Other commands' flags\n\n\(summary(other, of: "flags of the other commands hive has")).\n\n"
        s += "| Docker | Supported | The others |\n|---|---|---|\n" + table

        // Global options.
        let global = CommandDef(name: "", aliases: [""], usage: "", summary: "", options: HiveCommand.topLevelOptions, run: { _ in 0 })
        let globals = root.flags.map { (f: $0, r: status(of: $0, command: root, hive: global)) }
        s += "\n## Global options\n\n\(summary(globals.map(\.r), of: "global options")).\n\n| Flag | Status | Notes |\n|---|---|---|\n"
        for g in globals { s += "| `\(spelling(g.f))` | \(g.r.status.rawValue) | \(cell(g.r.note)) |\n" }

        // hive's own.
        let dockerSpellings = Set(helps.flatMap(\.aliases))
        s += "\n## hive's own\n\nCommands Docker does not have:\n\n"
        for d in hive where !d.aliases.contains(where: dockerSpellings.contains) {
            s += "- `hive \(d.aliases[0])`: \(d.summary)\n"
        }
        if let run, let d = hiveCommand(run, hive) {
            let extra = d.options.filter { o in !flags.contains { $0.long == o.long } }
            if !extra.isEmpty {
                s += "\nrun/create flags Docker does not have:\n\n"
                for o in extra { s += "- `--\(o.long)`: \(o.help)\n" }
            }
        }
        return s
    }

    /// `-d, --detach` / `--add-host list`.
    static func spelling(_ f: DockerHelp.Flag) -> String {
        (f.short.map { "-\($0), " } ?? "") + "--" + f.long + (f.type.map { " " + $0 } ?? "")
    }
}
