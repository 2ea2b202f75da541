// The lexer of Go's text/template/parse (lex.go), over the template's bytes:
// text, `{{- ` / ` -}}` trimming, `{{/* comments */}}`, and inside actions
// fields, variables, strings, raw strings, character constants, numbers,
// keywords, `(` `)`, `|`, `:=`, `=`. Positions are byte offsets; each token
// carries the line it starts on, as Go's items do.
extension Template {
    enum TokenKind: Equatable {
        case error, bool, char, charConstant, complex, assign, declare, eof, field, identifier
        case leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen, space, string, text, variable
        // keywords
        case block, breakKeyword, continueKeyword, dot, define, elseKeyword, end, ifKeyword, nilKeyword
        case range, template, with

        var isKeyword: Bool {
            switch self {
            case .block, .breakKeyword, .continueKeyword, .dot, .define, .elseKeyword, .end, .ifKeyword,
                 .nilKeyword, .range, .template, .with: return true
            default: return false
            }
        }
    }

    struct Token {
        let kind: TokenKind
        let pos: Int
        let val: String
        let line: Int

        /// Go's item.String(), as parse errors quote tokens.
        var description: String {
            switch kind {
            case .eof: return "EOF"
            case .error: return val
            default:
                if kind.isKeyword { return "<" + val + ">" }
                if val.unicodeScalars.count > 10 { return GoFormat.quote(String(String.UnicodeScalarView(val.unicodeScalars.prefix(10)))) + "..." }
                return GoFormat.quote(val)
            }
        }
    }

    static let keywords: [String: TokenKind] = [
        ".": .dot, "block": .block, "break": .breakKeyword, "continue": .continueKeyword, "define": .define,
        "else": .elseKeyword, "end": .end, "if": .ifKeyword, "range": .range, "nil": .nilKeyword,
        "template": .template, "with": .with,
    ]

    struct Lexer {
        let input: [UInt8]
        let unescapeText: Bool
        var pos = 0, start = 0, line = 1, startLine = 1
        var parenDepth = 0

        init(_ input: [UInt8], unescapeText: Bool) {
            self.input = input
            self.unescapeText = unescapeText
        }

        /// Every token up to and including EOF or the first error.
        mutating func tokens() -> [Token] {
            var out: [Token] = []
            var inside = false
            while true {
                let t = inside ? insideAction() : text()
                if t.kind == .leftDelim { inside = true }
                if t.kind == .rightDelim { inside = false }
                out.append(t)
                if t.kind == .eof || t.kind == .error { return out }
            }
        }

        // MARK: helpers

        static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 13 || b == 10 }

        func hasPrefix(_ p: String, at i: Int) -> Bool {
            var j = i
            for b in p.utf8 {
                guard j < input.count, input[j] == b else { return false }
                j += 1
            }
            return true
        }

        func hasLeftTrimMarker(at i: Int) -> Bool {
            i + 1 < input.count && input[i] == UInt8(ascii: "-") && Lexer.isSpace(input[i + 1])
        }

        func hasRightTrimMarker(at i: Int) -> Bool {
            i + 1 < input.count && Lexer.isSpace(input[i]) && input[i + 1] == UInt8(ascii: "-")
        }

        /// The scalar at `i` and its length in bytes (a bad byte counts as one, U+FFFD).
        func scalar(at i: Int) -> (Unicode.Scalar, Int)? {
            guard i < input.count else { return nil }
            let b = input[i]
            if b < 0x80 { return (Unicode.Scalar(b), 1) }
            var it = input[i...].makeIterator()
            var dec = UTF8()
            if case .scalarValue(let s) = dec.decode(&it) { return (s, UTF8.width(s)) }
            return ("\u{FFFD}", 1)
        }

        mutating func next() -> Unicode.Scalar? {
            guard let (s, n) = scalar(at: pos) else { return nil }
            pos += n
            if s == "\n" { line += 1 }
            return s
        }

        func peek() -> Unicode.Scalar? { scalar(at: pos)?.0 }

        mutating func backup(_ s: Unicode.Scalar?) {
            guard let s else { return }
            pos -= UTF8.width(s)
            if s == "\n" { line -= 1 }
        }

        func newlines(_ from: Int, _ to: Int) -> Int {
            var n = 0
            for i in from..<to where input[i] == 10 { n += 1 }
            return n
        }

        mutating func take(_ kind: TokenKind) -> Token {
            let t = Token(kind: kind, pos: start, val: String(decoding: input[start..<pos], as: UTF8.self), line: startLine)
            start = pos
            startLine = line
            return t
        }

        mutating func ignore() {
            line += newlines(start, pos)
            start = pos
            startLine = line
        }

        mutating func error(_ message: String) -> Token {
            Token(kind: .error, pos: start, val: message, line: startLine)
        }

        static func isAlphaNumeric(_ s: Unicode.Scalar) -> Bool {
            if s == "_" { return true }
            if s.isASCII { return (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") }
            return s.properties.isAlphabetic || s.properties.numericType == .decimal
        }

        /// Go's `%#U`: U+0023 '#'.
        static func describe(_ s: Unicode.Scalar?) -> String {
            guard let s else { return "U+FFFFFFFFFFFFFFFF" }
            var hex = String(s.value, radix: 16, uppercase: true)
            while hex.count < 4 { hex = "0" + hex }
            return "U+" + hex + (GoFormat.isPrint(s) ? " '" + String(Character(s)) + "'" : "")
        }

        // MARK: text

        /// The length of the spaces (and, unescaping, `\t` `\n`) starting at `i`.
        func leftTrimLength(_ i: Int) -> Int {
            var j = i
            while j < input.count {
                if Lexer.isSpace(input[j]) { j += 1; continue }
                if unescapeText, input[j] == UInt8(ascii: "\\"), j + 1 < input.count,
                   input[j + 1] == UInt8(ascii: "t") || input[j + 1] == UInt8(ascii: "n") { j += 2; continue }
                break
            }
            return j - i
        }

        mutating func text() -> Token {
            while true {
                guard let x = find("{{", from: pos) else {
                    pos = input.count
                    if pos > start { return textToken(trimRight: false) }
                    return take(.eof)
                }
                pos = x
                if pos > start {
                    let t = textToken(trimRight: hasLeftTrimMarker(at: pos + 2))
                    if !t.val.isEmpty { return t }
                }
                if let t = leftDelim() { return t }
            }
        }

        func find(_ needle: String, from: Int) -> Int? {
            let n = Array(needle.utf8)
            var i = from
            while i + n.count <= input.count {
                if input[i] == n[0] && hasPrefix(needle, at: i) { return i }
                i += 1
            }
            return nil
        }

        /// The text from `start` to `pos`, unescaped and right-trimmed as asked.
        mutating func textToken(trimRight: Bool) -> Token {
            var bytes = Array(input[start..<pos])
            if unescapeText { bytes = Lexer.unescape(bytes) }
            if trimRight { while let b = bytes.last, Lexer.isSpace(b) { bytes.removeLast() } }
            let t = Token(kind: .text, pos: start, val: String(decoding: bytes, as: UTF8.self), line: startLine)
            ignore()
            return t
        }

        static func unescape(_ b: [UInt8]) -> [UInt8] {
            guard b.contains(UInt8(ascii: "\\")) else { return b }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var i = 0
            while i < b.count {
                if b[i] == UInt8(ascii: "\\"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "t") || b[i + 1] == UInt8(ascii: "n") {
                    out.append(b[i + 1] == UInt8(ascii: "t") ? 9 : 10)
                    i += 2
                } else {
                    out.append(b[i])
                    i += 1
                }
            }
            return out
        }

        /// At `{{`: the left delimiter, or nil after skipping a comment.
        mutating func leftDelim() -> Token? {
            pos += 2
            let trim = hasLeftTrimMarker(at: pos)
            let after = trim ? 2 : 0
            if hasPrefix("/*", at: pos + after) {
                pos += after
                ignore()
                return comment()
            }
            let t = take(.leftDelim)
            pos += after
            ignore()
            parenDepth = 0
            return t
        }

        mutating func comment() -> Token? {
            pos += 2
            guard let x = find("*/", from: pos) else { return error("unclosed comment") }
            pos = x + 2
            let (delim, trim) = atRightDelim()
            guard delim else { return error("comment ends before closing delimiter") }
            pos += (trim ? 2 : 0) + 2
            if trim { pos += leftTrimLength(pos) }
            ignore()
            return nil
        }

        func atRightDelim() -> (delim: Bool, trim: Bool) {
            if hasRightTrimMarker(at: pos) && hasPrefix("}}", at: pos + 2) { return (true, true) }
            return (hasPrefix("}}", at: pos), false)
        }

        mutating func rightDelim() -> Token {
            let trim = atRightDelim().trim
            if trim {
                pos += 2
                ignore()
            }
            pos += 2
            let t = take(.rightDelim)
            if trim {
                pos += leftTrimLength(pos)
                ignore()
            }
            return t
        }
    }
}
