// The lexer inside an action (Go's lexInsideAction and the states it leads to).
extension Template.Lexer {
    typealias Token = Template.Token

    mutating func insideAction() -> Token {
        if atRightDelim().delim {
            if parenDepth == 0 { return rightDelim() }
            return error("unclosed left paren")
        }
        guard let r = next() else { return error("unclosed action") }
        switch r {
        case " ", "\t", "\r", "\n":
            backup(r)
            return space()
        case "=": return take(.assign)
        case ":":
            guard next() == "=" else { return error("expected :=") }
            return take(.declare)
        case "|": return take(.pipe)
        case "\"": return quote()
        case "`": return rawQuote()
        case "$": return variable()
        case "'": return charConstant()
        case "(":
            parenDepth += 1
            return take(.leftParen)
        case ")":
            parenDepth -= 1
            if parenDepth < 0 { return error("unexpected right paren") }
            return take(.rightParen)
        default: break
        }
        if r == "." {
            if pos < input.count, input[pos] < UInt8(ascii: "0") || input[pos] > UInt8(ascii: "9") {
                return fieldOrVariable(.field)
            }
        }
        if r == "." || r == "+" || r == "-" || (r >= "0" && r <= "9") {
            backup(r)
            return number()
        }
        if Self.isAlphaNumeric(r) {
            backup(r)
            return identifier()
        }
        if r.isASCII && r.value >= 0x20 && r.value < 0x7F { return take(.char) }
        return error("unrecognized character in action: " + Self.describe(r))
    }

    mutating func space() -> Token {
        var n = 0
        while let r = peek(), r.isASCII, Self.isSpace(UInt8(r.value)) {
            _ = next()
            n += 1
        }
        // a space before " -}}" belongs to the trim marker
        if hasRightTrimMarker(at: pos - 1) && hasPrefix("}}", at: pos + 1) {
            backup(Unicode.Scalar(input[pos - 1]))
            if n == 1 { return rightDelim() }
        }
        return take(.space)
    }

    func atTerminator() -> Bool {
        guard let r = peek() else { return true }
        switch r {
        case " ", "\t", "\r", "\n", ".", ",", "|", ":", ")", "(": return true
        default: return hasPrefix("}}", at: pos)
        }
    }

    mutating func identifier() -> Token {
        while let r = next() {
            if !Self.isAlphaNumeric(r) {
                backup(r)
                break
            }
        }
        guard atTerminator() else { return error("bad character " + Self.describe(peek())) }
        let word = String(decoding: input[start..<pos], as: UTF8.self)
        if let k = Template.keywords[word] { return take(k) }
        return take(word == "true" || word == "false" ? .bool : .identifier)
    }

    mutating func variable() -> Token {
        if atTerminator() { return take(.variable) }
        return fieldOrVariable(.variable)
    }

    /// `.Name` or `$name`: the `.` or `$` has been read.
    mutating func fieldOrVariable(_ kind: Template.TokenKind) -> Token {
        if atTerminator() { return take(kind == .variable ? .variable : .dot) }
        while let r = next() {
            if !Self.isAlphaNumeric(r) {
                backup(r)
                break
            }
        }
        guard atTerminator() else { return error("bad character " + Self.describe(peek())) }
        return take(kind)
    }

    mutating func charConstant() -> Token { quoted("'", .charConstant, "unterminated character constant") }

    mutating func quote() -> Token { quoted("\"", .string, "unterminated quoted string") }

    /// Up to the closing `close`, escapes skipped; no newline inside.
    mutating func quoted(_ close: Unicode.Scalar, _ kind: Template.TokenKind, _ unterminated: String) -> Token {
        while true {
            switch next() {
            case "\\":
                let r = next()
                if r != nil && r != "\n" { continue }
                return error(unterminated)
            case nil, "\n": return error(unterminated)
            case close: return take(kind)
            default: continue
            }
        }
    }

    mutating func rawQuote() -> Token {
        while true {
            switch next() {
            case nil: return error("unterminated raw quoted string")
            case "`": return take(.rawString)
            default: continue
            }
        }
    }

    mutating func number() -> Token {
        guard scanNumber() else { return error("bad number syntax: " + GoFormat.quote(String(decoding: input[start..<pos], as: UTF8.self))) }
        if let sign = peek(), sign == "+" || sign == "-" {
            // complex: 1+2i
            guard scanNumber(), input[pos - 1] == UInt8(ascii: "i") else {
                return error("bad number syntax: " + GoFormat.quote(String(decoding: input[start..<pos], as: UTF8.self)))
            }
            return take(.complex)
        }
        return take(.number)
    }

    mutating func accept(_ valid: String) -> Bool {
        guard let r = next() else { return false }
        if valid.unicodeScalars.contains(r) { return true }
        backup(r)
        return false
    }

    mutating func acceptRun(_ valid: String) {
        while let r = next() {
            if !valid.unicodeScalars.contains(r) {
                backup(r)
                return
            }
        }
    }

    mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") { digits = "0123456789abcdefABCDEF_" }
            else if accept("oO") { digits = "01234567_" }
            else if accept("bB") { digits = "01_" }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if let r = peek(), Self.isAlphaNumeric(r) {
            _ = next()
            return false
        }
        return true
    }
}
