// The Dockerfile parser: BuildKit's frontend/dockerfile/parser, line for
// line in behaviour — parser directives, comments, continuation lines with
// either escape token, empty continuation lines, JSON and shell forms (with
// the fall-back for invalid JSON), heredocs, and flags on any instruction.
// The result is an AST of Nodes; `Node.dump()` prints BuildKit's test format.
import HiveOCI
import HivePlatform

/// One instruction (or, in `next` chains, one argument).
public final class Node {
    /// The instruction as written (`RUN`), or an argument's value.
    public var value: String
    /// The whole logical line, continuations joined.
    public var original = ""
    /// `--flag=value` words before the arguments, as written.
    public var flags: [String] = []
    /// The arguments, as a chain.
    public var next: Node?
    /// ONBUILD's instruction.
    public var children: [Node] = []
    /// `json` when the arguments were a JSON array.
    public var isJSON = false
    public var heredocs: [Heredoc] = []
    public var startLine = 0
    public var endLine = 0
    /// Comments right above the instruction.
    public var comments: [String] = []

    init(value: String, next: Node? = nil) {
        self.value = value
        self.next = next
    }

    /// The argument values of the chain.
    public var arguments: [String] {
        var out: [String] = []
        var n = next
        while let c = n {
            out.append(c.value)
            n = c.next
        }
        return out
    }

    /// BuildKit's Node.Dump: `(run "--flag" "args")`.
    public func dump() -> String {
        var s = value.lowercased()
        if !flags.isEmpty { s += " [" + flags.map(GoQuote.quote).joined(separator: " ") + "]" }
        for c in children { s += "(" + c.dump() + ")\n" }
        var n = next
        while let c = n {
            s += " " + (c.children.isEmpty ? GoQuote.quote(c.value) : c.dump())
            n = c.next
        }
        return s.trimmed
    }
}

public struct Heredoc: Sendable, Equatable {
    public var name: String
    public var content: String
    /// Expand variables in the content (the delimiter was not quoted).
    public var expand: Bool
    /// `<<-`: leading tabs are stripped.
    public var chomp: Bool
    public var fileDescriptor: Int
}

/// A parse error: the message and the lines it concerns.
public struct ParseError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var startLine: Int
    public var endLine: Int
    public var description: String { "line \(startLine): \(message)" }
}

public struct ParseResult {
    public var root: Node
    public var escape: Unicode.Scalar
    public var warnings: [String]
    /// Parser directives found at the top (`syntax`, `escape`, `check`).
    public var directives: [String: String]
}

public enum DockerfileParser {
    static let heredocInstructions: Set<String> = ["add", "copy", "run"]

    public static func parse(_ text: String) throws(ParseError) -> ParseResult {
        var p = LineScanner(text)
        var d = Directives()
        let root = Node(value: "")
        root.startLine = -1
        var warnings: [String] = []
        var comments: [String] = []
        var currentLine = 0

        while var raw = p.next() {
            if currentLine == 0, raw.starts(with: [0xEF, 0xBB, 0xBF]) { raw.removeFirst(3) }
            if isComment(raw) {
                let comment = Bytes.trimSpace(Array(Bytes.trimLeadingWhitespace(Bytes.trimNewline(raw)).dropFirst()))
                if comment.isEmpty { comments = [] } else { comments.append(Bytes.string(comment)) }
            }
            let processed: [UInt8]
            do { processed = try d.processLine(raw, stripLeftWhitespace: true) } catch {
                throw ParseError(message: error.message, startLine: currentLine + 1, endLine: currentLine + 1)
            }
            currentLine += 1
            let startLine = currentLine
            var (line, isEnd) = d.trimContinuation(Bytes.string(processed))
            if isEnd && line.isEmpty { continue }

            var hasEmptyContinuation = false
            while !isEnd, let more = p.next() {
                let processedMore: [UInt8]
                do { processedMore = try d.processLine(more, stripLeftWhitespace: false) } catch {
                    throw ParseError(message: error.message, startLine: currentLine + 1, endLine: currentLine + 1)
                }
                currentLine += 1
                if isComment(more) { continue }
                if Bytes.trimLeadingWhitespace(Bytes.trimNewline(processedMore)).isEmpty {
                    hasEmptyContinuation = true
                    continue
                }
                let (cont, end) = d.trimContinuation(Bytes.string(processedMore))
                line += cont
                isEnd = end
            }
            if hasEmptyContinuation {
                warnings.append("line \(startLine): empty continuation lines will become errors in a future release")
            }

            let child: Node
            do { child = try newNode(line, d: d, comments: comments) } catch {
                throw ParseError(message: error.message, startLine: startLine, endLine: currentLine)
            }

            if canContainHeredoc(child) && line.contains("<<") {
                let docs: [Heredoc]
                do { docs = try heredocs(in: line) } catch {
                    throw ParseError(message: error.message, startLine: startLine, endLine: currentLine)
                }
                for var doc in docs {
                    let terminator = Array(doc.name.utf8)
                    var terminated = false
                    var content: [UInt8] = []
                    while let body = p.next() {
                        currentLine += 1
                        var possible = Bytes.trimNewline(body)
                        if doc.chomp { possible = Array(possible.drop(while: { $0 == 9 })) }
                        if possible == terminator {
                            terminated = true
                            break
                        }
                        content += body
                    }
                    if !terminated {
                        throw ParseError(message: "unterminated heredoc", startLine: startLine, endLine: currentLine)
                    }
                    doc.content = Bytes.string(content)
                    child.heredocs.append(doc)
                }
            }
            child.startLine = startLine
            child.endLine = currentLine
            if root.startLine < 0 { root.startLine = startLine }
            root.endLine = currentLine
            root.children.append(child)
            comments = []
        }
        if root.startLine < 0 {
            throw ParseError(message: "file with no instructions", startLine: currentLine, endLine: 0)
        }
        return ParseResult(root: root, escape: d.escape, warnings: warnings, directives: d.values)
    }

    static func isComment(_ line: [UInt8]) -> Bool {
        Bytes.trimLeadingWhitespace(Bytes.trimNewline(line)).first == UInt8(ascii: "#")
    }

    static func canContainHeredoc(_ n: Node) -> Bool {
        var node = n
        if node.value.lowercased() == "onbuild", let inner = node.next?.children.first { node = inner }
        return heredocInstructions.contains(node.value.lowercased()) && !node.isJSON
    }

    /// `<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF` among the line's words.
    static func heredocs(in line: String) throws(ShellLex.Error) -> [Heredoc] {
        var lex = ShellLex(escape: "\\")
        lex.rawQuotes = true
        lex.rawEscapes = true
        let words = (try? lex.processWords(line, env: [])) ?? []
        var out: [Heredoc] = []
        for w in words {
            if let h = try parseHeredoc(w) { out.append(h) }
        }
        return out
    }

    /// BuildKit's ParseHeredoc: `^(\d*)<<(-?)([^<]*)$`.
    public static func parseHeredoc(_ src: String) throws(ShellLex.Error) -> Heredoc? {
        let s = Array(src.unicodeScalars)
        var i = 0
        while i < s.count, ShellWord.isDigit(s[i]) { i += 1 }
        let fd = Int(String(String.UnicodeScalarView(s[0..<i])))
        guard i + 1 < s.count, s[i] == "<", s[i + 1] == "<" else { return nil }
        i += 2
        let chomp = i < s.count && s[i] == "-"
        if chomp { i += 1 }
        let rest = String(String.UnicodeScalarView(s[i...]))
        guard !rest.isEmpty, !rest.contains("<") else { return nil }
        var lex = ShellLex(escape: "\\")
        lex.rawEscapes = false
        let words = try lex.processWords(rest, env: [])
        guard words.count == 1 else { return nil }
        return Heredoc(name: words[0], content: "", expand: words[0] == rest, chomp: chomp, fileDescriptor: fd ?? 0)
    }

    // MARK: - One instruction

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
