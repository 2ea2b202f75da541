// What is generated from the command tables: --help examples, completion's
// reading of usage lines, man page escaping, and docs/docker-compat.md
// against what `hive __docs compat` prints now.
import Glibc
import Testing
@testable import HiveCLI
import HiveEngine
import HivePlatform

@Suite struct DocsTests {
    /// The repository: three levels above this file.
    static let repo: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// A command line's words: single and double quotes, nothing else.
    static func words(_ line: String) -> [String] {
        var out: [String] = [], cur = "", quote: Character? = nil, started = false
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { cur.append(ch) }
            } else if ch == "'" || ch == "\"" {
                quote = ch
                started = true
            } else if ch == " " {
                if started || !cur.isEmpty { out.append(cur) }
                cur = ""
                started = false
            } else {
                cur.append(ch)
            }
        }
        if started || !cur.isEmpty { out.append(cur) }
        return out
    }

    @Test func everyExampleParsesAgainstItsVerbsOptions() throws {
        var checked = 0
        for (key, examples) in HelpExamples.table {
            #expect(HiveCommand.visibleCommands.contains { $0.aliases[0] == key }, "examples for \"\(key)\", which is no verb's first alias")
            for e in examples {
                var w = Self.words(e.command)
                guard w.first == "hive" else { continue }  // `source <(hive completion bash)`
                if let pipe = w.firstIndex(where: { $0 == "|" || $0 == ">" }) { w = Array(w[..<pipe]) }
                let (def, consumed) = HiveCommand.lookup(w[1], w.count > 2 ? w[2] : nil)
                let d = try #require(def, "\(e.command): no such verb")
                let rest = ArraySlice(w.dropFirst(consumed ? 3 : 2))
                _ = try ArgumentParser.parse(rest, options: d.options + GlobalOptions.defs, interspersed: d.interspersed, command: d.aliases[0])
                checked += 1
            }
        }
        #expect(checked >= 60)
        for verb in ["run", "create", "build", "ps", "images", "exec", "logs", "cp", "rm", "rmi", "pull", "push",
                     "network create", "volume create", "system prune", "inspect"] {
            #expect((HelpExamples.table[verb]?.count ?? 0) >= 1, "no examples for \(verb)")
        }
    }

    @Test func usageLinesGiveWhatEachPositionIs() {
        typealias K = Completion.Kind
        #expect(Completion.positionals("[OPTIONS] IMAGE [COMMAND] [ARG...]").0 == [[K.image]])
        let rm = Completion.positionals("[OPTIONS] CONTAINER [CONTAINER...]")
        #expect(rm.0 == [[.container], [.container]] && rm.1)
        #expect(Completion.positionals("[OPTIONS] CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH").0
                == [[.containerPath, .file], [.file, .containerPath]])
        #expect(Completion.positionals("[OPTIONS] NETWORK CONTAINER").0 == [[.network], [.container]])
        #expect(Completion.positionals("[OPTIONS] NAME[:TAG|@DIGEST]").0 == [[.image]])
        #expect(Completion.positionals("[OPTIONS] NAME|ID [NAME|ID...]").0.first == [.container, .image])
        #expect(Completion.positionals("CONTAINER [ps OPTIONS]").0 == [[.container]])
        #expect(Completion.positionals("bash|zsh|fish").0 == [[.words(["bash", "zsh", "fish"])]])
        #expect(Completion.positionals("[OPTIONS] file|- [REPOSITORY[:TAG]]").0 == [[.file], [.image]])
        #expect(Completion.positionals("[OPTIONS]").0.isEmpty)
    }

    @Test func completionModelHasEveryVerbAndSpelling() {
        let m = Completion.Model(commands: HiveCommand.visibleCommands)
        #expect(m.verbs.contains("run") && m.verbs.contains("images") && !m.verbs.contains("image"))
        #expect(m.groups == m.groups.sorted() && m.groups.contains("image") && m.groups.contains("network"))
        #expect(m.subs.first { $0.group == "image" }?.subs.contains("ls") == true)
        #expect(!m.specs.contains { $0.name.hasPrefix("__") || $0.name == "container cleanup" })
        let run = m.specs.first { $0.name == "run" }!
        #expect(run.valueFlags.contains("-e") && run.valueFlags.contains("--network") && !run.valueFlags.contains("--rm"))
        #expect(!run.interspersed)
        let script = Completion.bash(m)
        for spec in m.specs { #expect(script.contains("    '\(spec.name)')\n"), "bash: no table for \(spec.name)") }
    }

    @Test func roffEscapesAndNeverStartsARequest() {
        #expect(Manpage.escape("a-b\\c") == "a\\-b\\ec")
        #expect(Manpage.text(".hidden") == "\\&.hidden")
        #expect(Manpage.text("'x") == "\\&'x")
        let pages = Manpage.pages()
        #expect(pages.first?.0 == "hive.1")
        #expect(pages.contains { $0.0 == "hive-run.1" && $0.1.contains(".SH EXAMPLES") })
        #expect(pages.contains { $0.0 == "hive-image-ls.1" && $0.1 == ".so man1/hive-images.1\n" })
        for (name, text) in pages where !text.hasPrefix(".so") {
            for line in text.split(separator: "\n") {
                #expect(!line.isEmpty, "\(name): an empty line")
                #expect(line.hasPrefix(".") || !line.hasPrefix("'"), "\(name): \(line)")
            }
        }
    }

    @Test func dockerHelpIsRead() throws {
        let (version, helps) = try DockerHelp.load(Self.repo + "/" + DockerCompat.fixtures)
        #expect(version.hasPrefix("Docker version 28."))
        let run = try #require(helps.first { $0.path == "run" })
        #expect(run.aliases == ["run", "container run"])
        #expect(run.flags.count >= 100)
        let d = try #require(run.flags.first { $0.long == "detach" })
        #expect(d.short == "d" && d.type == nil)
        let h = try #require(run.flags.first { $0.long == "add-host" })
        #expect(h.type == "list" && h.help.contains("host-to-IP mapping (host:ip)"))
        let root = try #require(helps.first { $0.path == "" })
        #expect(root.sections.map(\.title).contains("Swarm Commands"))
        #expect(root.flags.contains { $0.long == "tlsverify" })
        #expect(helps.first { $0.path == "image" }?.isGroup == true)
    }

    @Test func notesAndRefusalsNameWhatDockerHas() throws {
        let (_, helps) = try DockerHelp.load(Self.repo + "/" + DockerCompat.fixtures)
        let spellings = Set(helps.flatMap(\.aliases))
        for key in DockerCompat.notes.keys {
            let parts = key.components(separatedBy: " --")
            if parts.count == 1 {
                #expect(spellings.contains(key), "note for \"\(key)\": docker has no such command")
            } else {
                let path = parts[0] == "docker" ? "" : parts[0]
                let h = helps.first { $0.aliases.contains(path) }
                #expect(h?.flags.contains { $0.long == parts[1] } == true, "note for \"\(key)\": docker has no such flag")
            }
        }
        let run = try #require(helps.first { $0.path == "run" })
        for r in RunRefusals.refused + RunRefusals.ignored {
            let flag = r.flag.split(separator: " ").first.map(String.init) ?? ""
            #expect(run.flags.contains { $0.long == flag }, "refusal of \(r.flag): not a docker run flag")
            #expect(!r.reason.isEmpty)
        }
    }

    @Test func dockerCompatMarkdownIsCurrent() throws {
        let generated = try DockerCompat.markdown(fixtures: Self.repo + "/" + DockerCompat.fixtures)
        let committed = Files.readText(Self.repo + "/docs/docker-compat.md") ?? ""
        if generated != committed {
            let g = generated.split(separator: "\n", omittingEmptySubsequences: false)
            let c = committed.split(separator: "\n", omittingEmptySubsequences: false)
            let i = zip(g, c).prefix { $0 == $1 }.count
            Issue.record("""
                docs/docker-compat.md is stale: regenerate it with `make docs` (hive __docs compat). First difference, line \(i + 1):
                  file:      \(i < c.count ? String(c[i]) : "(end)")
                  generated: \(i < g.count ? String(g[i]) : "(end)")
                """)
        }
        #expect(generated.contains("## run and create flags\n\n"))
        #expect(generated.contains("of \(try DockerHelp.load(Self.repo + "/" + DockerCompat.fixtures).helps.first { $0.path == "run" }!.flags.count) Docker flags supported"))
    }
}
