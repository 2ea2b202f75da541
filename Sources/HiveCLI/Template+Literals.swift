// Go's literals inside actions: numbers as text/template/parse's newNumber
// reads them (strconv's base-prefixed integers, floats, character constants)
// and strconv.Unquote for "..." and `...` strings.
import Glibc

extension Template {
    enum Literal {
        struct Failure: Error { let message: String }

        static func number(_ text: String, kind: TokenKind) throws -> Number {
            var n = Number(text: text)
            if kind == .charConstant {
                var s = Substring(text.dropFirst())
                guard let r = unquoteChar(&s, quote: "'") else { throw Failure(message: "invalid syntax") }
                guard s == "'" else { throw Failure(message: "malformed character constant: \(text)") }
                n.int = Int64(r.value)
                n.float = Double(r.value)
                n.isRune = true
                return n
            }
            if kind == .complex || text.hasSuffix("i") {
                let imaginary = String(text.dropLast())
                if kind == .complex || integer(imaginary) != nil || float(imaginary) != nil {
                    throw Failure(message: "complex constant \(text) is not supported")
                }
                throw Failure(message: "illegal number syntax: \(GoFormat.quote(text))")
            }
            if let i = integer(text) {
                n.int = i
                n.float = Double(i)
            } else if let u = unsigned(text) {
                n.float = Double(u)  // too large for an int: only a float
                n.overflows = true
            } else if let f = float(text) {
                if !text.contains(where: { ".eEpP".contains($0) }) { throw Failure(message: "integer overflow: \(GoFormat.quote(text))") }
                n.float = f
                if f == f.rounded(), abs(f) < 9.2e18 { n.int = Int64(f) }
            } else {
                throw Failure(message: "illegal number syntax: \(GoFormat.quote(text))")
            }
            return n
        }

        /// The base and the digits of an integer literal (Go's base-0 rules), without the sign.
        static func digits(_ s: Substring) -> (base: Int, digits: Substring, prefixed: Bool)? {
            let b = Array(s.utf8)
            if b.count >= 2 && b[0] == UInt8(ascii: "0") {
                switch b[1] | 0x20 {
                case UInt8(ascii: "x"): return (16, s.dropFirst(2), true)
                case UInt8(ascii: "o"): return (8, s.dropFirst(2), true)
                case UInt8(ascii: "b"): return (2, s.dropFirst(2), true)
                default: return (8, s.dropFirst(1), true)
                }
            }
            return (10, s, false)
        }

        /// Underscores only between digits, or after a base prefix (strconv's underscoreOK).
        static func underscoresOK(_ d: Substring, prefixed: Bool) -> Bool {
            var prevDigit = prefixed
            for c in d {
                if c == "_" {
                    if !prevDigit { return false }
                    prevDigit = false
                } else {
                    prevDigit = true
                }
            }
            return prevDigit || d.isEmpty
        }

        static func unsigned(_ text: String) -> UInt64? {
            guard let (base, d, prefixed) = digits(Substring(text)), !d.isEmpty, underscoresOK(d, prefixed: prefixed) else {
                return text == "0" ? 0 : nil
            }
            return UInt64(d.filter { $0 != "_" }, radix: base)
        }

        static func integer(_ text: String) -> Int64? {
            var s = Substring(text)
            var negative = false
            if s.first == "+" || s.first == "-" {
                negative = s.first == "-"
                s = s.dropFirst()
            }
            if s == "0" { return 0 }
            guard let (base, d, prefixed) = digits(s), !d.isEmpty, underscoresOK(d, prefixed: prefixed),
                  let u = UInt64(d.filter { $0 != "_" }, radix: base) else { return nil }
            if negative { return u <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- u) : nil }
            return u <= UInt64(Int64.max) ? Int64(u) : nil
        }

        /// strconv.ParseFloat's syntax: decimal with an exponent, or hex with a p exponent.
        static func float(_ text: String) -> Double? {
            var body = Substring(text)
            if body.first == "+" || body.first == "-" { body = body.dropFirst() }
            let lower = body.lowercased()
            let hex = lower.hasPrefix("0x")
            if hex && !lower.contains("p") { return nil }
            guard underscoresOK(hex ? body.dropFirst(2) : body, prefixed: hex) || !body.contains("_") else { return nil }
            let clean = text.filter { $0 != "_" }
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = clean.withCString { p -> Double? in
                let v = strtod(p, &end)
                return end.map { $0 - UnsafeMutablePointer(mutating: p) } == clean.utf8.count ? v : nil
            }
            guard let value, value.isFinite else { return nil }
            return value
        }

        /// strconv.Unquote of a "..." or `...` literal; nil if it is not valid.
        static func unquote(_ text: String) -> String? {
            guard let q = text.first, text.count >= 2, text.last == q else { return nil }
            var body = Substring(text.dropFirst().dropLast())
            if q == "`" {
                guard !body.contains("`") else { return nil }
                return String(body.filter { $0 != "\r" })
            }
            guard q == "\"" else { return nil }
            var out = String.UnicodeScalarView()
            var bytes: [UInt8] = []  // \x and octal escapes are bytes, as in Go
            func flush() {
                if !bytes.isEmpty {
                    out.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
                    bytes.removeAll()
                }
            }
            while !body.isEmpty {
                if body.unicodeScalars.first == "\"" { return nil }
                let wasByteEscape = body.hasPrefix("\\x") || (body.hasPrefix("\\") && body.dropFirst().first.map { $0 >= "0" && $0 <= "7" } == true)
                guard let r = unquoteChar(&body, quote: "\"") else { return nil }
                if wasByteEscape { bytes.append(UInt8(r.value)) } else {
                    flush()
                    out.append(r)
                }
            }
            flush()
            return String(out)
        }

        /// strconv.UnquoteChar: one character or escape from the front of `s`.
        static func unquoteChar(_ s: inout Substring, quote: Unicode.Scalar) -> Unicode.Scalar? {
            guard let c = s.unicodeScalars.first else { return nil }
            if c == quote && (quote == "'" || quote == "\"") { return nil }
            if c != "\\" {
                s = Substring(s.unicodeScalars.dropFirst())
                return c
            }
            var rest = s.unicodeScalars.dropFirst()
            guard let e = rest.first else { return nil }
            rest = rest.dropFirst()
            var value: UInt32
            switch e {
            case "a": value = 7
            case "b": value = 8
            case "f": value = 12
            case "n": value = 10
            case "r": value = 13
            case "t": value = 9
            case "v": value = 11
            case "\\": value = 92
            case "'", "\"":
                guard e == quote else { return nil }
                value = e.value
            case "x", "u", "U":
                let n = e == "x" ? 2 : e == "u" ? 4 : 8
                guard rest.count >= n, let v = UInt32(String(String.UnicodeScalarView(rest.prefix(n))), radix: 16) else { return nil }
                rest = rest.dropFirst(n)
                if e != "x" && Unicode.Scalar(v) == nil { return nil }
                value = v
            case "0"..."7":
                guard rest.count >= 2, let v = UInt32(String(e) + String(String.UnicodeScalarView(rest.prefix(2))), radix: 8), v <= 255 else { return nil }
                rest = rest.dropFirst(2)
                value = v
            default: return nil
            }
            s = Substring(String(String.UnicodeScalarView(rest)))
            return Unicode.Scalar(value)
        }
    }
}
