// Inputs fuzz-shell (Fuzz/, `make fuzz`) once hung on, kept in
// Fuzz/regressions/fuzz-shell/ (byte 0: the options, as the target reads them).
import Glibc
import HiveOCI
import HivePlatform
import Testing

@testable import HiveBuild

@Suite struct ShellFuzzRegressionTests {
    static func inputs() -> [(String, [UInt8])] {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        let dir = parts.joined(separator: "/") + "/Fuzz/regressions/fuzz-shell"
        return Files.names(in: dir).sorted().compactMap { n in Files.read(dir + "/" + n).map { (n, $0) } }
    }

    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    @Test func regressionInputsFinishQuickly() {
        let env: [(String, String)] = [("PWD", "/home"), ("SHELL", "bash"), ("KOREAN", "한국어"), ("NULL", ""),
                                       ("A", "a b  c"), ("EMPTY", ""), ("X", "${Y}"), ("Y", "$X")]
        let inputs = ShellFuzzRegressionTests.inputs()
        #expect(!inputs.isEmpty)
        for (name, b) in inputs {
            let opts = b.first ?? 0
            var lex = ShellLex(escape: opts & 1 == 0 ? "\\" : "`")
            lex.rawQuotes = opts & 2 != 0
            lex.rawEscapes = opts & 4 != 0
            lex.skipProcessQuotes = opts & 8 != 0
            lex.skipUnsetEnv = opts & 16 != 0
            let word = String(decoding: b.dropFirst(), as: UTF8.self)
            let t0 = ShellFuzzRegressionTests.seconds()
            _ = try? lex.processWord(word, env: env)
            _ = try? lex.processWords(word, env: env)
            #expect(ShellFuzzRegressionTests.seconds() - t0 < 10, "\(name)")  // it ran for minutes
        }
    }

    /// ${X///r} puts r at every position of X; nested, the word grows by
    /// |X|+1 per level. Three levels over 100 characters would be 2 million.
    @Test func nestedReplaceAllIsBounded() throws {
        let env = [("X", String(repeating: "a", count: 100))]
        do {
            _ = try ShellLex().processWord("${X///${X///${X///b}}}", env: env)
            Issue.record("a 2-million-character expansion was accepted")
        } catch {
            #expect(error.message.contains("expands to more than \(ShellLex.maxExpansion) characters"))
        }
        #expect((try? ShellLex().processWord("${X///${X///b}}", env: env))?.unicodeScalars.count == 20401)
    }

    @Test func starPatternsStillMatch() throws {
        let env = [("V", "a.b.c.tar.gz")]
        #expect(try ShellLex().processWord("${V%.*}", env: env) == "a.b.c.tar")
        #expect(try ShellLex().processWord("${V%%.*}", env: env) == "a")
        #expect(try ShellLex().processWord("${V#*.}", env: env) == "b.c.tar.gz")
        #expect(try ShellLex().processWord("${V##*.}", env: env) == "gz")
        #expect(try ShellLex().processWord("${V//.*./-}", env: env) == "a-gz")
        #expect(try ShellLex().processWord("${V/*/x}", env: env) == "x")
    }
}
