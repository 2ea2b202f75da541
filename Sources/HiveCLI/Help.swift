// `hive --help`, `hive COMMAND --help`.
extension HiveCommand {
    static func printMainHelp() {
        let o = Output.out
        o.line("Usage:  hive [OPTIONS] COMMAND")
        o.line("")
        o.line("A daemonless container engine with Lua lifecycle hooks")
        o.line("")
        o.line("Commands:")
        let shown = visibleCommands.filter { !$0.aliases[0].contains(" ") || $0.aliases.contains(where: { !$0.contains(" ") }) }
        let names = shown.map { def in def.aliases.first { !$0.contains(" ") } ?? def.aliases[0] }
        let width = (names.map(\.count).max() ?? 0) + 3
        for (name, def) in zip(names, shown).sorted(by: { $0.0 < $1.0 }) {
            o.line("  " + name + String(repeating: " ", count: width - name.count) + def.summary)
        }
        o.line("")
        o.line("Management Commands:")
        for (group, summary) in groupSummaries.sorted(by: { $0.key < $1.key }) where group != "buildx" {
            o.line("  " + group + String(repeating: " ", count: max(1, width - group.count)) + summary)
        }
        o.line("")
        printOptions(GlobalOptions.defs, title: "Global Options:")
        o.line("")
        o.line("Run 'hive COMMAND --help' for more information on a command.")
    }

    static let groupSummaries = [
        "container": "Manage containers", "hooks": "List and dry-run Lua hooks", "image": "Manage images", "network": "Manage networks",
        "system": "Disk usage, prune, garbage collection, events", "volume": "Manage volumes", "buildx": "Build images", "builder": "Manage the build cache",
    ]

    static func printGroupHelp(_ group: String) {
        let o = Output.out
        o.line("Usage:  hive \(group) COMMAND")
        o.line("")
        o.line(groupSummaries[group] ?? "Manage \(group)s")
        o.line("")
        o.line("Commands:")
        let subs = visibleCommands.compactMap { def -> (String, String)? in
            guard let a = def.aliases.first(where: { $0.hasPrefix(group + " ") }) else { return nil }
            return (String(a.dropFirst(group.count + 1)), def.summary)
        }
        let width = (subs.map(\.0.count).max() ?? 0) + 3
        for (n, s) in subs.sorted(by: { $0.0 < $1.0 }) { o.line("  " + n + String(repeating: " ", count: width - n.count) + s) }
        o.line("")
        o.line("Run 'hive \(group) COMMAND --help' for more information on a command.")
    }

    static func printHelp(_ def: CommandDef) {
        let o = Output.out
        o.line("Usage:  hive \(def.aliases[0]) \(def.usage)")
        o.line("")
        o.line(def.summary)
        if def.aliases.count > 1 {
            o.line("")
            o.line("Aliases:")
            o.line("  " + def.aliases.map { "hive " + $0 }.joined(separator: ", "))
        }
        if !def.options.isEmpty {
            o.line("")
            printOptions(def.options, title: "Options:")
        }
        o.line("")
        printOptions(GlobalOptions.defs, title: "Global Options:")
        let examples = HelpExamples.of(def)
        if !examples.isEmpty {
            o.line("")
            o.line("Examples:")
            for e in examples {
                o.line("  # " + e.text)
                o.line("  " + e.command)
            }
        }
    }

    /// Verbs hive runs for itself (hive-monitor's callbacks, the generators
    /// behind `make docs`): left out of help, completion, man pages and the
    /// Docker comparison.
    static let internalCommands: Set<String> = ["container cleanup", "container restart-run", "container health-event"]

    static func isInternal(_ def: CommandDef) -> Bool {
        def.aliases[0].hasPrefix("__") || internalCommands.contains(def.aliases[0])
    }

    static var visibleCommands: [CommandDef] { commands.filter { !isInternal($0) } }

    /// What `hive` takes before a verb: the global options, --help and --version.
    static let topLevelOptions = GlobalOptions.defs + [.flag("help", "h", "Print usage"), .flag("version", "v", "Print version information and quit")]

    static func printOptions(_ defs: [OptionDef], title: String) {
        let o = Output.out
        o.line(title)
        let lefts = defs.map { d -> String in
            var s = d.short.map { "  -\($0), " } ?? "      "
            s += "--" + d.long
            if d.kind != .flag { s += " " + d.valueName }
            return s
        }
        let width = (lefts.map(\.count).max() ?? 0) + 3
        for (l, d) in zip(lefts, defs) {
            o.line(l + String(repeating: " ", count: width - l.count) + d.help)
        }
    }
}
