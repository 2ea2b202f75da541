// The acceptance tests of the build issue: the corpus from BuildKit and real
// Dockerfiles, read from ../shared/corpus (CI has it at the same place).
import Glibc
import HiveOCI
import HivePlatform
import Testing

@testable import HiveBuild

enum Corpus {
    /// <repo>/../shared/corpus
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)  // Tests/HiveBuildTests/<file>
        return parts.joined(separator: "/") + "/../shared/corpus"
    }()

    static func read(_ rel: String) -> String? { Files.readText(root + "/" + rel) }
    static func list(_ rel: String) -> [String] { Files.names(in: root + "/" + rel).sorted() }
}

@Suite struct ParserCorpusTests {
    @Test func everyBuildKitTestfileGivesItsResult() throws {
        let cases = Corpus.list("buildkit-parser/testfiles")
        #expect(cases.count >= 33)
        for name in cases {
            guard let df = Corpus.read("buildkit-parser/testfiles/\(name)/Dockerfile"),
                  let want = Corpus.read("buildkit-parser/testfiles/\(name)/result") else {
                Issue.record("\(name): missing Dockerfile or result")
                continue
            }
            do {
                let r = try DockerfileParser.parse(df)
                let got = r.root.children.map { "(" + $0.dump() + ")" }.joined(separator: "\n")
                #expect(got == want.trimmingTrailingNewlines, "\(name)")
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
    }

    @Test func negativeTestfilesFailNamingTheLine() {
        let cases = Corpus.list("buildkit-parser/testfiles-negative")
        #expect(cases.count >= 4)
        for name in cases {
            let df = Corpus.read("buildkit-parser/testfiles-negative/\(name)/Dockerfile") ?? ""
            do {
                _ = try DockerfileParser.parse(df)
                Issue.record("\(name) parsed, but must fail")
            } catch {
                #expect(error.startLine >= 0, "\(name): \(error)")
                #expect(error.description.hasPrefix("line "), "\(name): \(error)")
            }
        }
    }

    @Test func testfileLineGivesTheLineRanges() throws {
        let df = try #require(Corpus.read("buildkit-parser/testfile-line/Dockerfile"))
        let r = try DockerfileParser.parse(df)
        #expect(r.root.startLine == 5 && r.root.endLine == 31)
        #expect(r.root.children.map { [$0.startLine, $0.endLine] } == [[5, 5], [11, 12], [17, 31]])
    }

    @Test func realDockerfilesParseToTheirExpectedParse() throws {
        var files: [String] = []
        func walk(_ rel: String) {
            for n in Corpus.list(rel) {
                let p = rel + "/" + n
                var st = stat()
                guard lstat(Corpus.root + "/" + p, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { walk(p) } else if n.hasSuffix(".json") { files.append(p) }
            }
        }
        walk("real-dockerfiles/EXPECTED-parse")
        #expect(files.count == 42)
        for file in files {
            let dfPath = "real-dockerfiles/" + file.dropFirst("real-dockerfiles/EXPECTED-parse/".count).dropLast(5)
            guard let df = Corpus.read(String(dfPath)), let expected = Corpus.read(file),
                  let want = try? JSONCoding.decode(JSONValue.self, from: Array(expected.utf8)) else {
                Issue.record("\(file): unreadable")
                continue
            }
            do {
                let r = try DockerfileParser.parse(df)
                let got = JSONValue.array(r.root.children.map(expectedShape))
                if got != want {
                    let g = got.arrayValue ?? [], w = want.arrayValue ?? []
                    for (i, pair) in zip(g, w).enumerated() where pair.0 != pair.1 {
                        Issue.record("\(file) instruction \(i): got \(pair.0.serialized()) want \(pair.1.serialized())")
                        break
                    }
                    if g.count != w.count { Issue.record("\(file): \(g.count) instructions, want \(w.count)") }
                }
            } catch {
                Issue.record("\(file): \(error)")
            }
        }
    }

    /// The EXPECTED-parse JSON shape: cmd, sub_cmd, json, lines, flags, values (ENV/LABEL as k, v pairs), heredocs.
    func expectedShape(_ n: Node) -> JSONValue {
        var node = n
        var sub: JSONValue = .null
        if n.value.lowercased() == "onbuild", let inner = n.next?.children.first {
            sub = .string(inner.value.uppercased())
            node = inner
        }
        var values = node.arguments
        if ["env", "label"].contains(node.value.lowercased()) {
            values = stride(from: 0, to: values.count, by: 3).flatMap { Array(values[$0..<min($0 + 2, values.count)]) }
        }
        return .object([
            "cmd": .string(n.value.uppercased()), "sub_cmd": sub, "json": .bool(node.isJSON),
            "start_line": .int(Int64(n.startLine)), "end_line": .int(Int64(n.endLine)),
            "flags": .array(node.flags.map(JSONValue.string)), "value": .array(values.map(JSONValue.string)),
            "heredocs": .array(node.heredocs.map { .object(["name": .string($0.name), "content": .string($0.content)]) }),
        ])
    }
}

@Suite struct ShellCorpusTests {
    static let env: [(String, String)] = [("PWD", "/home"), ("SHELL", "bash"), ("KOREAN", "한국어"), ("NULL", "")]

    @Test func envVarTestUnixCases() throws {
        let text = try #require(Corpus.read("buildkit-shell/envVarTest"))
        var checked = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = String(line)
            if l.trimmed.isEmpty || l.hasPrefix("#") { continue }
            let parts = l.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            let platform = parts[0].trimmed
            guard platform == "A" || platform == "U" else { continue }
            let source = parts[1].trimmed, expected = parts[2].trimmed
            let lex = ShellLex(escape: "\\")
            do {
                let got = try lex.processWord(source, env: Self.env)
                #expect(expected != "error", "\(source) should fail, got \(got)")
                if expected != "error" { #expect(got == expected, "\(source)") }
            } catch {
                #expect(expected == "error", "\(source): \(error)")
            }
            checked += 1
        }
        #expect(checked > 150)
    }

    @Test func wordsTestCases() throws {
        let text = try #require(Corpus.read("buildkit-shell/wordsTest"))
        var env: [(String, String)] = []
        var checked = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = String(line)
            if l.hasPrefix("#") || l.trimmed.isEmpty { continue }
            if l.hasPrefix("ENV ") {
                let kv = l.dropFirst(4).split(separator: "=", maxSplits: 1).map(String.init)
                env.removeAll { $0.0 == kv[0] }
                env.append((kv[0], kv.count > 1 ? kv[1] : ""))
                continue
            }
            // `input | words,comma,joined`: trailing spaces of the words matter
            let parts = l.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix(" ") else { continue }
            let source = parts[0].trimmed
            let rest = String(parts[1].dropFirst())
            checked += 1
            if rest == "error" {
                #expect(throws: ShellLex.Error.self, "\(source)") { try ShellLex(escape: "\\").processWords(source, env: env) }
                continue
            }
            let expected = rest.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let got = try ShellLex(escape: "\\").processWords(source, env: env)
            #expect(got == expected, "\(source)")
        }
        #expect(checked > 10)
    }

    @Test func patternModifiers() throws {
        let env = [("V", "path/to/file.tar.gz"), ("E", "")]
        let lex = ShellLex()
        #expect(try lex.processWord("${V#*/}", env: env) == "to/file.tar.gz")
        #expect(try lex.processWord("${V##*/}", env: env) == "file.tar.gz")
        #expect(try lex.processWord("${V%.*}", env: env) == "path/to/file.tar")
        #expect(try lex.processWord("${V%%.*}", env: env) == "path/to/file")
        #expect(try lex.processWord("${V/t/T}", env: env) == "paTh/to/file.tar.gz")
        #expect(try lex.processWord("${V//t/T}", env: env) == "paTh/To/file.Tar.gz")
        #expect(try lex.processWord("${V#nomatch}", env: env) == "path/to/file.tar.gz")
        #expect(try lex.processWord("${E:-d}${E-d}", env: env) == "d")
        #expect(throws: ShellLex.Error.self) { try lex.processWord("${E:?must be set}", env: env) }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
