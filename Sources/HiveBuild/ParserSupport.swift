// The parser's helpers: parser directives and the escape token, the line
// scanner, byte trimming as BuildKit does it, and Go's strconv.Quote for dumps.

/// Parser directives and the escape token (BuildKit's `directives`).
struct Directives {
    var escape: Unicode.Scalar = "\\"
    var values: [String: String] = [:]
    var done = false
    static let allowed: Set<String> = ["syntax", "escape", "check"]

    struct DirectiveError: Error { var message: String }

    /// trimNewline, optional left strip, the directive check, then comments removed.
    mutating func processLine(_ raw: [UInt8], stripLeftWhitespace: Bool) throws(DirectiveError) -> [UInt8] {
        var token = Bytes.trimNewline(raw)
        if stripLeftWhitespace { token = Bytes.trimLeadingWhitespace(token) }
        try possibleDirective(token)
        return DockerfileParser.isComment(token) ? [] : token
    }

    /// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` on the lines at the top.
    mutating func possibleDirective(_ line: [UInt8]) throws(DirectiveError) {
        if done { return }
        func isWS(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }
        var i = 0
        guard line.first == UInt8(ascii: "#") else { done = true; return }
        i = 1
        while i < line.count, isWS(line[i]) { i += 1 }
        let keyStart = i
        guard i < line.count, (line[i] >= 65 && line[i] <= 90) || (line[i] >= 97 && line[i] <= 122) else { done = true; return }
        while i < line.count, (line[i] >= 65 && line[i] <= 90) || (line[i] >= 97 && line[i] <= 122) || (line[i] >= 48 && line[i] <= 57) { i += 1 }
        let key = Bytes.string(Array(line[keyStart..<i])).lowercased()
        while i < line.count, isWS(line[i]) { i += 1 }
        guard i < line.count, line[i] == UInt8(ascii: "=") else { done = true; return }
        i += 1
        while i < line.count, isWS(line[i]) { i += 1 }
        var end = line.count
        while end > i, isWS(line[end - 1]) { end -= 1 }
        guard end > i else { done = true; return }
        let value = Bytes.string(Array(line[i..<end]))
        guard Directives.allowed.contains(key) else { done = true; return }
        guard values[key] == nil else { throw DirectiveError(message: "only one \(key) parser directive can be used") }
        values[key] = value
        if key == "escape" {
            guard value == "`" || value == "\\" else {
                throw DirectiveError(message: "invalid escape token '\(value)' does not match ` or \\")
            }
            escape = value.unicodeScalars.first!
        }
    }

    /// A line ending in the escape token (and optional blanks) continues on the
    /// next, unless that token is itself escaped (`\\` at the end: for-win#5254).
    func trimContinuation(_ line: String) -> (String, Bool) {
        var s = Array(line.unicodeScalars)
        var end = s.count
        while end > 0, s[end - 1] == " " || s[end - 1] == "\t" { end -= 1 }
        guard end > 0, s[end - 1] == escape, end == 1 || s[end - 2] != escape else { return (line, true) }
        s.removeSubrange((end - 1)...)
        return (String(String.UnicodeScalarView(s)), false)
    }
}

/// Lines as bufio.Scanner with BuildKit's scanLines gives them: each with its newline.
struct LineScanner {
    let bytes: [UInt8]
    var pos = 0
    init(_ text: String) { bytes = Array(text.utf8) }

    mutating func next() -> [UInt8]? {
        guard pos < bytes.count else { return nil }
        var end = pos
        while end < bytes.count, bytes[end] != 10 { end += 1 }
        if end < bytes.count { end += 1 }
        defer { pos = end }
        return Array(bytes[pos..<end])
    }
}

enum Bytes {
    static func string(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
    static func trimNewline(_ b: [UInt8]) -> [UInt8] {
        var end = b.count
        while end > 0, b[end - 1] == 10 || b[end - 1] == 13 { end -= 1 }
        return Array(b[..<end])
    }
    static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
    /// Left trim of Unicode spaces (ASCII ones, U+0085 and U+00A0 as UTF-8).
    static func trimLeadingWhitespace(_ b: [UInt8]) -> [UInt8] {
        var i = 0
        while i < b.count {
            if isSpace(b[i]) { i += 1; continue }
            if b[i] == 0xC2, i + 1 < b.count, b[i + 1] == 0x85 || b[i + 1] == 0xA0 { i += 2; continue }
            break
        }
        return Array(b[i...])
    }
    static func trimSpace(_ b: [UInt8]) -> [UInt8] {
        var end = b.count
        while end > 0, isSpace(b[end - 1]) { end -= 1 }
        return trimLeadingWhitespace(Array(b[..<end]))
    }
}

/// Go's strconv.Quote (QuoteToASCII with `ascii`; QuoteRune's with `quote: "'"`).
public enum GoQuote {
    public static func quote(_ s: String) -> String { quote(s, quote: "\"", ascii: false) }

    public static func quote(_ s: String, quote q: Unicode.Scalar, ascii: Bool) -> String {
        var out = String(q)
        for u in s.unicodeScalars {
            switch u {
            case q, "\\": out += "\\" + String(u)
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if ascii ? u.isASCII && isPrint(u) : isPrint(u) {
                    out.unicodeScalars.append(u)
                } else if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + hex(u.value, 2)
                } else if u.value == 0xFFFD && !ascii {
                    out.unicodeScalars.append(u)
                } else if u.value < 0x10000 {
                    out += "\\u" + hex(u.value, 4)
                } else {
                    out += "\\U" + hex(u.value, 8)
                }
            }
        }
        return out + String(q)
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    public static func isPrint(_ u: Unicode.Scalar) -> Bool {
        if u == " " { return true }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
