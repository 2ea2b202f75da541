// Dockerfile word expansion, as BuildKit's frontend/dockerfile/shell does it:
// quotes, escapes (with `\` or the `escape` directive's token), $VAR and
// ${VAR} with the modifiers :- - :+ + :? ? # ## % %% / //, and word
// splitting of unquoted expansions.
import HiveOCI
import HivePlatform

public struct ShellLex: Sendable {
    public var escape: Unicode.Scalar
    /// Keep quote characters in the result (heredoc detection).
    public var rawQuotes = false
    /// Keep escape characters in the result (heredoc detection).
    public var rawEscapes = false
    /// Leave quotes alone (SHELL-less contexts like RUN's exec form are not expanded at all).
    public var skipProcessQuotes = false
    /// Leave unset variables as written ($X stays $X).
    public var skipUnsetEnv = false

    public init(escape: Unicode.Scalar = "\\") { self.escape = escape }

    /// The longest a word may expand to (characters): ${V//p/r} nests to
    /// exponential sizes, and expansions side by side add up.
    public static let maxExpansion = 1 << 18

    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// One word: quotes removed, variables expanded, no splitting.
    public func processWord(_ word: String, env: [(String, String)]) throws(Error) -> String {
        try process(word, env: env).word
    }

    /// Words: like processWord, but split on unquoted whitespace (including expanded values).
    public func processWords(_ word: String, env: [(String, String)]) throws(Error) -> [String] {
        try process(word, env: env).words
    }

    func process(_ source: String, env: [(String, String)]) throws(Error) -> (word: String, words: [String]) {
        var w = ShellWord(chars: Array(source.unicodeScalars), env: env, lex: self)
        do {
            return try w.processStopOnAny([], rawEscapes: false)
        } catch {
            throw Error(message: "failed to process \"\(source)\": \(error.message)")
        }
    }
}

/// Accumulates words as characters arrive (unquoted whitespace separates).
struct WordsBuilder {
    var word: [Unicode.Scalar] = []
    var words: [String] = []
    var inWord = false

    mutating func addChar(_ ch: Unicode.Scalar) {
        if ch.properties.isWhitespace && inWord {
            if !word.isEmpty {
                words.append(String(String.UnicodeScalarView(word)))
                word = []
                inWord = false
            }
        } else if !ch.properties.isWhitespace {
            addRawChar(ch)
        }
    }

    mutating func addRawChar(_ ch: Unicode.Scalar) {
        word.append(ch)
        inWord = true
    }

    mutating func addString(_ s: String) {
        for ch in s.unicodeScalars { addChar(ch) }
    }

    mutating func addRawString(_ s: String) {
        word.append(contentsOf: s.unicodeScalars)
        inWord = true
    }

    mutating func finish() -> [String] {
        if !word.isEmpty {
            words.append(String(String.UnicodeScalarView(word)))
            word = []
            inWord = false
        }
        return words
    }
}

struct ShellWord {
    let chars: [Unicode.Scalar]
    var pos = 0
    let env: [(String, String)]
    let lex: ShellLex
    var rawEscapes: Bool

    init(chars: [Unicode.Scalar], env: [(String, String)], lex: ShellLex) {
        self.chars = chars
        self.env = env
        self.lex = lex
        self.rawEscapes = lex.rawEscapes
    }

    var peek: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

    mutating func next() -> Unicode.Scalar? {
        guard pos < chars.count else { return nil }
        defer { pos += 1 }
        return chars[pos]
    }

    static func fail(_ m: String) -> ShellLex.Error { ShellLex.Error(message: m) }

    /// Processes until one of `stops` (consumed) or the end (only allowed when `stops` is empty).
    mutating func processStopOnAny(_ stops: [Unicode.Scalar], rawEscapes raw: Bool) throws(ShellLex.Error) -> (word: String, words: [String]) {
        var result = String.UnicodeScalarView()
        var expanded = 0  // characters expansions and quotes added (result.count would walk the view)
        var words = WordsBuilder()
        let saved = rawEscapes
        if raw { rawEscapes = true }
        defer { rawEscapes = saved }
        while let ch = peek {
            if stops.contains(ch) {
                pos += 1
                return (String(result), words.finish())
            }
            if ch == "$" {
                let tmp = try processDollar()
                result.append(contentsOf: tmp.unicodeScalars)
                // expansions side by side add up: the word as a whole is bounded too
                expanded += tmp.unicodeScalars.count
                if expanded > ShellLex.maxExpansion { throw ShellWord.fail("the word expands to more than \(ShellLex.maxExpansion) characters") }
                words.addString(tmp)
                continue
            }
            if !lex.skipProcessQuotes && (ch == "'" || ch == "\"") {
                let tmp = ch == "'" ? try processSingleQuote() : try processDoubleQuote()
                result.append(contentsOf: tmp.unicodeScalars)
                expanded += tmp.unicodeScalars.count
                if expanded > ShellLex.maxExpansion { throw ShellWord.fail("the word expands to more than \(ShellLex.maxExpansion) characters") }
                words.addRawString(tmp)
                continue
            }
            var c = next()!
            if c == lex.escape {
                if rawEscapes {
                    words.addRawChar(c)
                    result.append(c)
                }
                guard let escaped = next() else { break }
                c = escaped
                words.addRawChar(c)
            } else {
                words.addChar(c)
            }
            result.append(c)
        }
        if !stops.isEmpty {
            throw ShellWord.fail("unexpected end of statement while looking for matching \(String(String.UnicodeScalarView(stops)))")
        }
        return (String(result), words.finish())
    }

    mutating func processSingleQuote() throws(ShellLex.Error) -> String {
        var result = String.UnicodeScalarView()
        let open = next()!
        if lex.rawQuotes { result.append(open) }
        while true {
            guard let ch = next() else { throw ShellWord.fail("unexpected end of statement while looking for matching single-quote") }
            if ch == "'" {
                if lex.rawQuotes { result.append(ch) }
                return String(result)
            }
            result.append(ch)
        }
    }

    mutating func processDoubleQuote() throws(ShellLex.Error) -> String {
        var result = String.UnicodeScalarView()
        let open = next()!
        if lex.rawQuotes { result.append(open) }
        while true {
            guard let p = peek else { throw ShellWord.fail("unexpected end of statement while looking for matching double-quote") }
            if p == "\"" {
                let ch = next()!
                if lex.rawQuotes { result.append(ch) }
                return String(result)
            }
            if p == "$" {
                result.append(contentsOf: try processDollar().unicodeScalars)
                continue
            }
            var ch = next()!
            if ch == lex.escape {
                if rawEscapes { result.append(ch) }
                guard let after = peek else { continue }  // an escape at the end of the word is dropped
                if after == "\"" || after == "$" || after == lex.escape { ch = next()! }
            }
            result.append(ch)
        }
    }

    static func isSpecialParam(_ c: Unicode.Scalar) -> Bool { "@*#?-$!0".unicodeScalars.contains(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.properties.numericType == .decimal }

    mutating func processName() -> String {
        var name = String.UnicodeScalarView()
        while let ch = peek {
            if name.isEmpty && ShellWord.isDigit(ch) {
                while let d = peek, ShellWord.isDigit(d) { name.append(next()!) }
                return String(name)
            }
            if name.isEmpty && ShellWord.isSpecialParam(ch) {
                return String(next()!)
            }
            if !ch.properties.isAlphabetic && !ShellWord.isDigit(ch) && ch != "_" { break }
            name.append(next()!)
        }
        return String(name)
    }

    func getEnv(_ name: String) -> String? {
        env.first(where: { $0.0 == name })?.1
    }

    mutating func processDollar() throws(ShellLex.Error) -> String {
        _ = next()  // $
        if peek != "{" {
            let name = processName()
            if name.isEmpty { return "$" }
            guard let v = getEnv(name) else { return lex.skipUnsetEnv ? "$" + name : "" }
            return v
        }
        _ = next()  // {
        guard let p = peek else { throw ShellWord.fail("syntax error: missing '}'") }
        if p == "{" || p == "}" || p == ":" { throw ShellWord.fail("syntax error: bad substitution") }
        let name = processName()
        guard var ch = next() else { throw ShellWord.fail("syntax error: missing '}'") }
        var chs = String(ch)
        var nullIsUnset = false
        switch ch {
        case "}":
            guard let v = getEnv(name) else { return lex.skipUnsetEnv ? "${\(name)}" : "" }
            return v
        case ":", "+", "-", "?", "#", "%":
            if ch == ":" {
                nullIsUnset = true
                guard let c2 = next() else { throw ShellWord.fail("syntax error: missing '}'") }
                ch = c2
                chs += String(c2)
            }
            let raw = ch == "#" || ch == "%"
            let word: String
            do { word = try processStopOnAny(["}"], rawEscapes: raw).word } catch {
                if peek == nil { throw ShellWord.fail("syntax error: missing '}'") }
                throw error
            }
            let value = getEnv(name)
            if lex.skipUnsetEnv && value == nil { return "${\(name)\(chs)\(word)}" }
            switch ch {
            case "-":
                if value == nil || (nullIsUnset && value == "") { return word }
                return value!
            case "+":
                if value == nil || (nullIsUnset && value == "") { return "" }
                return word
            case "?":
                guard let value else { throw ShellWord.fail("\(name): \(word.isEmpty ? "is not allowed to be unset" : word)") }
                if nullIsUnset && value.isEmpty { throw ShellWord.fail("\(name): \(word.isEmpty ? "is not allowed to be empty" : word)") }
                return value
            case "#", "%":
                if nullIsUnset { throw ShellWord.fail("unsupported modifier (\(chs)) in substitution") }
                var pattern = word
                var greedy = false
                if pattern.unicodeScalars.first == ch {
                    greedy = true
                    pattern = String(pattern.unicodeScalars.dropFirst())
                }
                let tokens = try ShellPattern(pattern)
                let v = Array((value ?? "").unicodeScalars)
                let out = ch == "#" ? tokens.trimPrefix(v, greedy: greedy) : tokens.trimSuffix(v, greedy: greedy)
                return String(String.UnicodeScalarView(out))
            default:
                throw ShellWord.fail("unsupported modifier (\(chs)) in substitution")
            }
        case "/":
            let all = peek == "/"
            if all { pos += 1 }
            let pattern: String, replacement: String
            do { pattern = try processStopOnAny(["/"], rawEscapes: true).word } catch {
                if peek == nil { throw ShellWord.fail("syntax error: missing '/' in ${}") }
                throw error
            }
            do { replacement = try processStopOnAny(["}"], rawEscapes: true).word } catch {
                if peek == nil { throw ShellWord.fail("syntax error: missing '}'") }
                throw error
            }
            let value = getEnv(name)
            if lex.skipUnsetEnv && value == nil { return "${\(name)/\(pattern)/\(replacement)}" }
            let tokens = try ShellPattern(pattern)
            let v = Array((value ?? "").unicodeScalars)
            // ${X//} inserts the replacement at every position, and a replacement
            // may expand another ${X//...}: nesting grows the word exponentially
            // (746 bytes ran for minutes; found by fuzz-shell). Bounded.
            let r = Array(replacement.unicodeScalars)
            guard let out = tokens.replace(v, with: r, all: all, limit: ShellLex.maxExpansion) else {
                throw ShellWord.fail("${\(name)/...} expands to more than \(ShellLex.maxExpansion) characters")
            }
            return String(String.UnicodeScalarView(out))
        default:
            throw ShellWord.fail("unsupported modifier (\(chs)) in substitution")
        }
    }
}

/// A shell pattern for ${V#p}, ${V%p}, ${V/p/r}: `*`, `?`, `\` escapes (no brackets).
struct ShellPattern {
    enum Token: Equatable { case char(Unicode.Scalar), any, star }
    let tokens: [Token]

    init(_ pattern: String) throws(ShellLex.Error) {
        var out: [Token] = []
        let p = Array(pattern.unicodeScalars)
        var i = 0
        while i < p.count {
            let c = p[i]
            i += 1
            switch c {
            case "*": out.append(.star)
            case "?": out.append(.any)
            case "\\":
                // \} and \/ inside ${} are escapes of the expansion, not of the pattern
                if i < p.count && (p[i] == "}" || p[i] == "/") { continue }
                guard i < p.count, p[i] == "*" || p[i] == "?" || p[i] == "\\" else {
                    throw ShellLex.Error(message: "invalid pattern (\(pattern)) in substitution: invalid escape '\\\(i < p.count ? String(p[i]) : "")'")
                }
                out.append(.char(p[i]))
                i += 1
            default: out.append(.char(c))
            }
        }
        tokens = out
    }

    /// Every end index where the pattern matches s[start..<end].
    func ends(_ s: [Unicode.Scalar], from start: Int) -> [Int] {
        var states: Set<Int> = [start]  // positions in s after matching tokens[0..<t]
        for t in tokens {
            // a star matches any run: every position from the earliest state on
            if t == .star, let m = states.min() { states = Set(m...s.count); continue }
            var next = Set<Int>()
            for p in states {
                switch t {
                case .char(let c): if p < s.count && s[p] == c { next.insert(p + 1) }
                case .any: if p < s.count { next.insert(p + 1) }
                case .star: break
                }
            }
            states = next
            if states.isEmpty { break }
        }
        return states.sorted()
    }

    func trimPrefix(_ s: [Unicode.Scalar], greedy: Bool) -> [Unicode.Scalar] {
        let e = ends(s, from: 0)
        guard let cut = greedy ? e.last : e.first else { return s }
        return Array(s[cut...])
    }

    func trimSuffix(_ s: [Unicode.Scalar], greedy: Bool) -> [Unicode.Scalar] {
        // the shortest (or longest) suffix: the latest (or earliest) start that matches to the end
        let starts = (0...s.count).filter { ends(s, from: $0).contains(s.count) }
        guard let cut = greedy ? starts.first : starts.last else { return s }
        return Array(s[..<cut])
    }

    /// nil if the result would be longer than `limit`.
    func replace(_ s: [Unicode.Scalar], with r: [Unicode.Scalar], all: Bool, limit: Int) -> [Unicode.Scalar]? {
        var out: [Unicode.Scalar] = []
        var i = 0
        var replaced = false
        while i <= s.count {
            if out.count > limit { return nil }
            if !(replaced && !all), let end = ends(s, from: i).last {
                out += r
                replaced = true
                if end == i {
                    if i < s.count { out.append(s[i]) }
                    i += 1
                } else {
                    i = end
                }
                continue
            }
            if i < s.count { out.append(s[i]) }
            i += 1
        }
        return out
    }
}
