// The Dockerfile parser, one instruction: a line split into its command,
// flags and arguments, each instruction's argument form (words, name=value
// pairs, JSON or shell, HEALTHCHECK's options) as BuildKit's
// frontend/dockerfile/parser/line_parsers.go reads it.
import HiveOCI
import HivePlatform

extension DockerfileParser {
    struct LineError: Error { var message: String }

    static func newNode(_ line: String, d: Directives, comments: [String]) throws(LineError) -> Node {
        let (cmd, flags, args) = try splitCommand(line)
        let node: Node
        let key = cmd.lowercased()
        switch key {
        case "add", "copy", "volume": node = try parseMaybeJSONToList(args)
        case "arg": node = Node(value: cmd, next: chain(parseWords(args, d: d)))
        case "cmd", "entrypoint", "run", "shell": node = try parseMaybeJSON(args)
        case "env", "label": node = Node(value: "", next: try parseNameVal(args, key: key.uppercased(), d: d))
        case "expose", "from": node = Node(value: "", next: chain(whitespaceSplit(args)))
        case "healthcheck": node = try parseHealthConfig(args)
        case "maintainer", "stopsignal", "user", "workdir": node = Node(value: "", next: args.isEmpty ? nil : Node(value: args))
        case "onbuild":
            node = Node(value: "")
            if !args.isEmpty {
                let child = try newNode(args, d: d, comments: [])
                let holder = Node(value: "")
                holder.children = [child]
                node.next = holder
            }
        default:
            node = Node(value: "")  // unknown instructions are reported when the build reads them
        }
        node.value = cmd
        node.original = line
        node.flags = flags
        node.comments = comments
        return node
    }

    static func chain(_ values: [String]) -> Node? {
        var head: Node? = nil
        var tail: Node? = nil
        for v in values {
            let n = Node(value: v)
            if let t = tail { t.next = n } else { head = n }
            tail = n
        }
        return head
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    /// `[\t\v\f\r ]+` splitting, as Go's regexp.Split does it (`limit` parts at most).
    static func whitespaceSplit(_ s: String, limit: Int = -1) -> [String] {
        if s.isEmpty { return [] }
        func ws(_ c: Unicode.Scalar) -> Bool { c == "\t" || c == "\u{0B}" || c == "\u{0C}" || c == "\r" || c == " " }
        let a = Array(s.unicodeScalars)
        var out: [String] = []
        var cur = String.UnicodeScalarView()
        var i = 0
        while i < a.count {
            if ws(a[i]) {
                out.append(String(cur))
                cur = String.UnicodeScalarView()
                while i < a.count, ws(a[i]) { i += 1 }
                if limit > 0 && out.count == limit - 1 {
                    out.append(String(String.UnicodeScalarView(a[i...])))
                    return out
                }
                continue
            }
            cur.append(a[i])
            i += 1
        }
        out.append(String(cur))
        return out
    }

    static func splitCommand(_ line: String) throws(LineError) -> (String, [String], String) {
        let parts = whitespaceSplit(line.trimmed, limit: 2)
        guard let cmd = parts.first else { return ("", [], "") }
        var args = ""
        var flags: [String] = []
        if parts.count == 2 { (args, flags) = extractBuilderFlags(parts[1]) }
        return (cmd, flags, args.trimmed)
    }

    /// Leading `--name=value` words (quotes and `\` as BuildKit takes them); the rest of the line.
    static func extractBuilderFlags(_ line: String) -> (String, [String]) {
        let s = Array(line.utf8)
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var word: [UInt8] = []
        var quote: UInt8 = 0
        var blankOK = false
        var pos = 0
        func isSpaceByte(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) || b == 0x85 || b == 0xA0 }
        while pos <= s.count {
            let ch: UInt8 = pos < s.count ? s[pos] : 0
            if phase == .spaces {
                if pos == s.count { break }
                if isSpaceByte(ch) { pos += 1; continue }
                if ch != UInt8(ascii: "-") || pos + 1 == s.count || s[pos + 1] != UInt8(ascii: "-") {
                    return (Bytes.string(Array(s[pos...])), words)
                }
                phase = .word
            }
            if (phase == .word || phase == .quote) && pos == s.count {
                if word != Array("--".utf8) && (blankOK || !word.isEmpty) { words.append(Bytes.string(word)) }
                break
            }
            if phase == .word {
                if isSpaceByte(ch) {
                    phase = .spaces
                    if word == Array("--".utf8) { return (Bytes.string(Array(s[pos...])), words) }
                    if blankOK || !word.isEmpty { words.append(Bytes.string(word)) }
                    word = []
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == UInt8(ascii: "'") || ch == UInt8(ascii: "\"") {
                    quote = ch
                    blankOK = true
                    phase = .quote
                    pos += 1
                    continue
                }
                var c = ch
                if c == UInt8(ascii: "\\") {
                    if pos + 1 == s.count { pos += 1; continue }
                    pos += 1
                    c = s[pos]
                }
                word.append(c)
                pos += 1
                continue
            }
            // in a quote
            if ch == quote {
                phase = .word
                pos += 1
                continue
            }
            var c = ch
            if c == UInt8(ascii: "\\") {
                if pos + 1 == s.count {
                    phase = .word
                    pos += 1
                    continue
                }
                pos += 1
                c = s[pos]
            }
            word.append(c)
            pos += 1
        }
        return ("", words)
    }

    /// Words as BuildKit's parseWords splits them: quotes and escapes kept.
    static func parseWords(_ rest: String, d: Directives) -> [String] {
        let s = Array(rest.unicodeScalars)
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var word = String.UnicodeScalarView()
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var pos = 0
        /// An escape and the character after it, both kept; an escape that
        /// ends the line is dropped (false).
        func takeEscaped() -> Bool {
            guard pos + 1 < s.count else { pos += 1; return false }
            word.append(s[pos])
            word.append(s[pos + 1])
            pos += 2
            return true
        }
        while pos <= s.count {
            let ch: Unicode.Scalar = pos < s.count ? s[pos] : "\0"
            if phase == .spaces {
                if pos == s.count { break }
                if isSpace(ch) { pos += 1; continue }
                phase = .word
            }
            if (phase == .word || phase == .quote) && pos == s.count {
                if blankOK || !word.isEmpty { words.append(String(word)) }
                break
            }
            if phase == .word {
                if isSpace(ch) {
                    phase = .spaces
                    if blankOK || !word.isEmpty { words.append(String(word)) }
                    word = String.UnicodeScalarView()
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == "'" || ch == "\"" {
                    quote = ch
                    blankOK = true
                    phase = .quote
                }
                if ch == d.escape {
                    _ = takeEscaped()
                    continue
                }
                word.append(ch)
                pos += 1
                continue
            }
            // in a quote
            if ch == quote { phase = .word }
            if ch == d.escape && quote != "'" {
                if !takeEscaped() { phase = .word }
                continue
            }
            word.append(ch)
            pos += 1
        }
        return words
    }

    /// ENV and LABEL: `KEY value` (old form) or `k=v k2="v 2"`; a chain of key, value, separator.
    static func parseNameVal(_ rest: String, key: String, d: Directives) throws(LineError) -> Node? {
        let words = parseWords(rest, d: d)
        guard let first = words.first else { return nil }
        if !first.contains("=") {
            let parts = whitespaceSplit(rest, limit: 2)
            guard parts.count == 2 else { throw LineError(message: "\(key) must have two arguments") }
            return chain([parts[0], parts[1], ""])
        }
        var values: [String] = []
        for w in words {
            guard let eq = w.firstIndex(of: "=") else {
                throw LineError(message: "Syntax error - can't find = in \(GoQuote.quote(w)). Must be of the form: name=value")
            }
            values += [String(w[..<eq]), String(w[w.index(after: eq)...]), "="]
        }
        return chain(values)
    }

    static let notStringArray = "when using JSON array syntax, arrays must be comprised of strings only"

    /// A JSON array of strings, or nil when `rest` is not a valid JSON array.
    static func parseJSON(_ rest: String) throws(LineError) -> [String]? {
        let t = String(String.UnicodeScalarView(rest.unicodeScalars.drop(while: { isSpace($0) })))
        guard t.hasPrefix("[") else { return nil }
        guard let v = try? JSONCoding.decode(JSONValue.self, from: Array(t.utf8)), case .array(let a) = v else { return nil }
        var out: [String] = []
        for e in a {
            guard case .string(let s) = e else { throw LineError(message: notStringArray) }
            out.append(s)
        }
        return out
    }

    static func parseMaybeJSON(_ rest: String) throws(LineError) -> Node {
        if rest.isEmpty { return Node(value: "") }
        if let a = try parseJSON(rest) {
            let n = Node(value: "", next: chain(a))
            n.isJSON = true
            return n
        }
        return Node(value: "", next: Node(value: rest))
    }

    static func parseMaybeJSONToList(_ rest: String) throws(LineError) -> Node {
        if let a = try parseJSON(rest) {
            let n = Node(value: "", next: chain(a))
            n.isJSON = true
            return n
        }
        return Node(value: "", next: chain(whitespaceSplit(rest)))
    }

    static func parseHealthConfig(_ rest: String) throws(LineError) -> Node {
        let s = Array(rest.unicodeScalars)
        var sep = 0
        while sep < s.count, !isSpace(s[sep]) { sep += 1 }
        var next = sep
        while next < s.count, isSpace(s[next]) { next += 1 }
        if sep == 0 { return Node(value: "") }
        let typ = String(String.UnicodeScalarView(s[0..<sep]))
        let cmd = try parseMaybeJSON(String(String.UnicodeScalarView(s[next...])))
        let n = Node(value: "", next: Node(value: typ, next: cmd.next))
        n.isJSON = cmd.isJSON
        return n
    }
}
