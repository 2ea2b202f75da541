// The word expander (BuildKit's shell lexer: quotes, escapes, ${var...}
// modifiers) with the environment of BuildKit's envVarTest. The first byte
// picks the escape character and the lexer's options; the rest is the word.
import FuzzSupport
import HiveBuild

let env: [(String, String)] = [("PWD", "/home"), ("SHELL", "bash"), ("KOREAN", "한국어"), ("NULL", ""),
                               ("A", "a b  c"), ("EMPTY", ""), ("X", "${Y}"), ("Y", "$X")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShell(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var b = Fuzz.bytes(data, size)
    let opts: UInt8 = b.isEmpty ? 0 : b.removeFirst()
    var lex = ShellLex(escape: opts & 1 == 0 ? "\\" : "`")
    lex.rawQuotes = opts & 2 != 0
    lex.rawEscapes = opts & 4 != 0
    lex.skipProcessQuotes = opts & 8 != 0
    lex.skipUnsetEnv = opts & 16 != 0
    let word = String(decoding: b, as: UTF8.self)
    _ = try? lex.processWord(word, env: env)
    _ = try? lex.processWords(word, env: env)
    return 0
}
