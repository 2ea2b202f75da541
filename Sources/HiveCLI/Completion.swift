// `hive completion bash|zsh|fish`: shell completion scripts written from the
// command tables (HiveCommand.commands, each CommandDef's options and usage),
// so a new verb or flag is completed without an edit here. What each
// position takes comes from the usage line's words (CONTAINER, IMAGE,
// VOLUME, NETWORK, PATH...); names are listed by hive itself when the shell
// completes (`hive ps -a --format '{{.Names}}'`), never stored in the script.
import HivePlatform

enum Completion {
    static let def = CommandDef(
        name: "completion", aliases: ["completion"], usage: "bash|zsh|fish",
        summary: "Generate the autocompletion script for bash, zsh or fish", run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let model = Model(commands: HiveCommand.visibleCommands)
        switch c.args.positionals[0] {
        case "bash": c.out.write(bash(model))
        case "zsh": c.out.write(zsh(model))
        case "fish": c.out.write(fish(model))
        case let s: throw HiveError(.invalidArgument, "no completion for shell \"\(s)\" (use bash, zsh or fish)")
        }
        return 0
    }

    /// What a word completes to: names hive lists, files, or fixed words.
    enum Kind: Equatable {
        case container, image, volume, network, file
        /// `CONTAINER:PATH` (cp): a container's name followed by a colon.
        case containerPath
        case words([String])

        /// The shell-neutral spelling the scripts switch on; fixed words as `=word`.
        var tokens: [String] {
            switch self {
            case .container: ["container"]
            case .image: ["image"]
            case .volume: ["volume"]
            case .network: ["network"]
            case .file: ["file"]
            case .containerPath: ["cpath"]
            case .words(let w): w.map { "=" + $0 }
            }
        }
    }

    /// One verb as the scripts see it.
    struct Spec {
        let name: String
        let aliases: [String]
        let options: [OptionDef]
        /// What each positional completes to; the last repeats when `repeats`.
        let positionals: [[Kind]]
        let repeats: Bool
        let interspersed: Bool

        /// Every spelling of every option (`--detach`, `-d`), with its help.
        var flagWords: [(word: String, help: String)] {
            options.flatMap { o in [("--" + o.long, o.help)] + (o.short.map { [("-" + String($0), o.help)] } ?? []) }
        }

        /// The spellings of the options that take the next word as their value.
        var valueFlags: [String] {
            options.filter { $0.kind != .flag }.flatMap { o in ["--" + o.long] + (o.short.map { ["-" + String($0)] } ?? []) }
        }

        /// The value completions of this verb's options that have one: the
        /// words `VERB --flag` the scripts switch on, and the value's tokens.
        var valueKinds: [(keys: [String], tokens: [String])] {
            options.compactMap { o in
                guard o.kind != .flag, let k = Completion.valueKind(o) else { return nil }
                return ((["--" + o.long] + (o.short.map { ["-" + String($0)] } ?? [])).map { name + " " + $0 }, k.flatMap(\.tokens))
            }
        }

        /// Each positional's kinds as one word (`cpath,file`).
        var positionalTokens: [String] { positionals.map { $0.flatMap(\.tokens).joined(separator: ",") } }
    }

    struct Model {
        let specs: [Spec]
        /// Top-level words: verbs without a group, then the groups.
        let verbs: [String]
        let groups: [String]
        /// group -> its sub-verbs (`image` -> `build`, `history`, ..., `ls`, `list`).
        let subs: [(group: String, subs: [String])]
        let global: Spec

        init(commands: [CommandDef]) {
            specs = commands.map { d in
                let (pos, repeats) = Completion.positionals(d.usage)
                return Spec(name: d.aliases[0], aliases: d.aliases, options: d.options + [.flag("help", nil, "Print usage")],
                            positionals: pos, repeats: repeats, interspersed: d.interspersed)
            }
            let all = commands.flatMap(\.aliases)
            verbs = Array(Set(all.filter { !$0.contains(" ") })).sorted()
            let groupNames = Set(all.compactMap { a in a.firstIndex(of: " ").map { String(a[..<$0]) } })
            groups = groupNames.sorted()
            subs = groups.map { g in (g, all.filter { $0.hasPrefix(g + " ") }.map { String($0.dropFirst(g.count + 1)) }.sorted()) }
            global = Spec(name: "", aliases: [], options: HiveCommand.topLevelOptions,
                          positionals: [], repeats: false, interspersed: true)
        }
    }

    /// What an option's value completes to, when hive can list it.
    static func valueKind(_ o: OptionDef) -> [Kind]? {
        switch o.long {
        case "network", "net": return [.network]
        case "volumes-from": return [.container]
        case "log-level": return [.words(["debug", "info", "warn", "error"])]
        case "pull": return [.words(["always", "missing", "never"])]
        case "restart": return [.words(["no", "on-failure", "always", "unless-stopped"])]
        case "log-driver": return [.words(["json-file", "none"])]
        case "type": return [.words(["container", "image", "volume", "network"])]
        case "format": return [.words(["table", "json"])]
        case "ipc": return [.words(["host", "private", "shareable", "none", "container:"])]
        case "pid", "uts", "userns": return [.words(["host"] + (o.long == "pid" ? ["container:"] : []))]
        case "cgroupns": return [.words(["host", "private"])]
        case "signal", "stop-signal": return [.words(["SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2"])]
        case "volume", "env-file", "label-file", "cidfile", "iidfile", "output", "input", "authfile", "config", "hooks-dir", "root", "runroot":
            return [.file]
        case "file" where o.valueName != "filter": return [.file]
        default: return o.valueName == "path" ? [.file] : nil
        }
    }

    /// The kinds of a usage line's positionals (after `[OPTIONS]`), the union
    /// over its alternatives (`A B | C D`), and whether the last repeats.
    static func positionals(_ usage: String) -> ([[Kind]], Bool) {
        var out: [[Kind]] = []
        var repeats = false
        for alternative in usageWords(usage).split(separator: "|") {
            let words = alternative.filter { $0 != "[OPTIONS]" }
            for (i, w) in words.enumerated() {
                if w.hasSuffix("...]") || w.hasSuffix("...") { repeats = repeats || i == words.count - 1 }
                if i == out.count { out.append([]) }
                for x in kind(ofUsageWord: w) where !out[i].contains(x) { out[i].append(x) }
            }
        }
        while let last = out.last, last.isEmpty { out.removeLast() }
        return (out, repeats)
    }

    /// The words of a usage line, a bracketed group (`[ps OPTIONS]`) as one.
    static func usageWords(_ s: String) -> [String] {
        var words: [String] = [], current = "", depth = 0
        for ch in s {
            if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
            if ch == " " && depth == 0 {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func kind(ofUsageWord w: String) -> [Kind] {
        var bare = w.filter { $0 != "[" && $0 != "]" }
        while bare.hasSuffix(".") { bare.removeLast() }
        if bare.hasPrefix("CONTAINER:") { return [.containerPath] }
        if bare == "CONTAINER" { return [.container] }
        if bare == "NAME|ID" { return [.container, .image] }
        if bare.contains("IMAGE") || bare.hasPrefix("REPOSITORY") || bare.hasPrefix("NAME:TAG") { return [.image] }
        if bare == "VOLUME" { return [.volume] }
        if bare == "NETWORK" { return [.network] }
        if bare == "PATH" || bare.hasSuffix("_PATH") { return [.file] }
        // lower-case alternatives: `file|-`, `bash|zsh|fish`
        if bare.contains("|") && bare == bare.lowercased() {
            let alts = bare.split(separator: "|").map(String.init).filter { $0 != "-" }
            return alts.contains("file") ? [.file] : [.words(alts)]
        }
        return []
    }
}
