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
}
