// Man pages in roff, from the command tables: hive(1) and one page per verb
// (hive-run(1), hive-images(1)...), each other spelling of a verb a `.so`
// page pointing at it (hive-container-run(1), hive-image-ls(1)). `make
// install` writes them with the hidden `hive __man DIR`.
import Glibc
import HivePlatform

enum Manpage {
    static let def = CommandDef(
        name: "__man", aliases: ["__man"], usage: "DIR",
        summary: "Write hive's man pages into DIR (make install)", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let dir = c.args.positionals[0]
        if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw HiveError.errno("cannot create the man page directory \(dir)") }
        for (name, text) in pages() { try Files.write(dir + "/" + name, text) }
        return 0
    }

    /// File name -> roff text, hive.1 first.
    static func pages() -> [(String, String)] {
        let verbs = HiveCommand.visibleCommands
        var out = [("hive.1", main(verbs))]
        for d in verbs {
            out.append((fileName(d.aliases[0]), page(d)))
            for a in d.aliases.dropFirst() { out.append((fileName(a), ".so man1/\(fileName(d.aliases[0]))\n")) }
        }
        return out
    }

    static func fileName(_ alias: String) -> String { pageName(alias) + ".1" }
    static func pageName(_ alias: String) -> String { "hive-" + alias.replacingOccurrences(" ", "-") }

    static func main(_ verbs: [CommandDef]) -> String {
        var s = header("HIVE")
        s += ".SH NAME\nhive \\- a daemonless container engine with Lua lifecycle hooks\n"
        s += ".SH SYNOPSIS\n.B hive\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARG\\fR...]\n"
        s += ".SH DESCRIPTION\n"
        s += text("hive runs OCI containers without a daemon, with the command line of Docker and Podman. "
            + "Each command is its own process; Lua scripts can act on lifecycle events (hive hooks ls lists them).") + "\n"
        s += ".SH COMMANDS\n"
        for d in verbs.sorted(by: { $0.aliases[0] < $1.aliases[0] }) {
            s += ".TP\n\\fBhive \(escape(d.aliases[0]))\\fR\n\(text(d.summary)): \\fB\(escape(pageName(d.aliases[0])))\\fR(1)\n"
        }
        s += ".SH OPTIONS\n" + options(HiveCommand.topLevelOptions)
        s += ".SH ENVIRONMENT\n"
        for (name, what) in [("HIVE_ROOT", "Storage root, as --root"), ("HIVE_RUNROOT", "Runtime state directory, as --runroot"),
                             ("HIVE_CONFIG", "Configuration file, as --config"), ("HIVE_HOOKS_DIR", "Site hook directories, colon-separated, as --hooks-dir"),
                             ("HIVE_LOG_LEVEL", "Logging level, as --log-level"), ("DOCKER_CONFIG", "Where config.json is read (registry credentials, psFormat, imagesFormat)")] {
            s += ".TP\n.B \(name)\n\(text(what))\n"
        }
        s += ".SH FILES\n"
        for (path, what) in [("/etc/hive/hive.toml", "Configuration"), ("/etc/hive/hooks.d", "Site Lua hooks"),
                             ("/var/lib/hive", "Images, containers, volumes and the state database"), ("/run/hive", "Runtime state")] {
            s += ".TP\n.I \(escape(path))\n\(text(what))\n"
        }
        s += ".SH EXIT STATUS\n"
        s += text("125 when hive fails, 126 when the container's command cannot be invoked, 127 when it is not found, else the command's own status.") + "\n"
        s += ".SH SEE ALSO\n" + verbs.map { "\\fB\(escape(pageName($0.aliases[0])))\\fR(1)" }.joined(separator: ",\n") + "\n"
        return s
    }

    static func page(_ d: CommandDef) -> String {
        let name = pageName(d.aliases[0])
        var s = header(name.uppercased())
        s += ".SH NAME\n\(escape(name)) \\- \(text(d.summary))\n"
        s += ".SH SYNOPSIS\n"
        for a in d.aliases { s += ".B hive \(escape(a))\n\(escape(d.usage))\n.br\n" }
        s += ".SH DESCRIPTION\n\(text(d.summary)).\n"
        if !d.options.isEmpty { s += ".SH OPTIONS\n" + options(d.options) }
        let examples = HelpExamples.of(d)
        if !examples.isEmpty {
            s += ".SH EXAMPLES\n"
            for e in examples { s += ".PP\n\(text(e.text)):\n.PP\n.RS\n.nf\n\(escape(e.command))\n.fi\n.RE\n" }
        }
        s += ".SH SEE ALSO\n\\fBhive\\fR(1)"
        if let group = d.aliases.first(where: { $0.contains(" ") })?.split(separator: " ").first {
            let siblings = HiveCommand.visibleCommands.filter { $0.aliases.contains { $0.hasPrefix(group + " ") } && $0.aliases[0] != d.aliases[0] }
            for x in siblings { s += ",\n\\fB\(escape(pageName(x.aliases[0])))\\fR(1)" }
        }
        return s + "\n"
    }

    static func header(_ title: String) -> String {
        ".TH \"\(escape(title))\" \"1\" \"\" \"hive \(HiveCommand.version)\" \"Hive Manual\"\n.nh\n.ad l\n"
    }

    static func options(_ defs: [OptionDef]) -> String {
        var s = ""
        for o in defs {
            s += ".TP\n" + (o.short.map { "\\fB\\-\($0)\\fR, " } ?? "") + "\\fB\\-\\-\(escape(o.long))\\fR"
            if o.kind != .flag { s += " \\fI\(escape(o.valueName))\\fR" }
            s += "\n" + text(o.help.isEmpty ? "(no description)" : o.help) + "\n"
        }
        return s
    }

    /// A line of running text: escaped, and never read as a request.
    static func text(_ s: String) -> String {
        let e = escape(s)
        return e.hasPrefix(".") || e.hasPrefix("'") ? "\\&" + e : e
    }

    /// roff's specials: backslash, hyphen (a minus in options and commands),
    /// anything not ASCII as a named glyph (groff reads bytes, not UTF-8).
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where u.value > 127:
                let hex = String(u.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
