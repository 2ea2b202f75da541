// TOML's scalars: strings (basic, literal, multi-line, escapes), integers
// (decimal, hex, octal, binary, 64-bit), floats, booleans, dates and times;
// and the byte classes the reader needs (UTF-8, control characters, bare keys).

extension Toml.Parser {
    mutating func basicString() throws(HiveError) -> String { try string(quote: UInt8(ascii: "\"")) }
    mutating func literalString() throws(HiveError) -> String { try string(quote: UInt8(ascii: "'")) }

    /// A basic (`"`, escapes) or literal (`'`) string, single- or multi-line
    /// (tripled quote; a newline right after the opening quotes is dropped;
    /// one or two quotes may end its content).
    mutating func string(quote q: UInt8) throws(HiveError) -> String {
        let basic = q == UInt8(ascii: "\"")
        let multi = at(1) == q && at(2) == q
        i += multi ? 3 : 1
        if multi && (peek == UInt8(ascii: "\n") || peek == UInt8(ascii: "\r")) { try newline() }
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated string") }
            switch c {
            case q:
                guard multi else {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                var n = 1
                while at(n) == q { n += 1 }
                i += n
                if n < 3 { out.append(contentsOf: repeatElement(q, count: n)); continue }
                guard n <= 5 else { throw fail("too many quotes at the end of a multi-line string") }
                out.append(contentsOf: repeatElement(q, count: n - 3))
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\") where basic:
                try escape(into: &out, multi: multi)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                guard multi else { throw fail("unterminated string") }
                let crlf = c == UInt8(ascii: "\r")
                try newline()
                if crlf { out.append(UInt8(ascii: "\r")) }
                out.append(UInt8(ascii: "\n"))
            default:
                if Toml.isControl(c) { throw fail("control character \(Toml.scalarName(c)) in a string (escape it)") }
                out.append(c)
                i += 1
            }
        }
    }

    /// After a backslash in a basic string.
    mutating func escape(into out: inout [UInt8], multi: Bool) throws(HiveError) {
        i += 1
        guard let e = peek else { throw fail("unterminated string") }
        i += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let c = peek, let d = Toml.hexDigit(c) else { throw fail("\\\(Character(Unicode.Scalar(e))) needs \(n) hexadecimal digits") }
                v = v << 4 | UInt32(d)
                i += 1
            }
            guard let s = Unicode.Scalar(v) else { throw fail("\\\(Character(Unicode.Scalar(e))) escape of \(String(v, radix: 16, uppercase: true)): not a Unicode scalar value") }
            out.append(contentsOf: UTF8.encode(s)!)
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            guard multi else { throw fail("invalid escape \\\(Toml.scalarName(e))") }
            // a line-ending backslash: spaces up to the newline, then every blank is dropped
            i -= 1
            skipSpace()
            guard peek == UInt8(ascii: "\n") || peek == UInt8(ascii: "\r") else { throw fail("invalid escape: a backslash followed by spaces must end the line") }
            while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 } else { try newline() }
            }
        default:
            throw fail("invalid escape \\\(e < 0x80 && !Toml.isControl(e) ? String(Character(Unicode.Scalar(e))) : Toml.scalarName(e))")
        }
    }

    /// A value that is not a string, an array or an inline table: a boolean,
    /// a number, a date or a time.
    mutating func scalar() throws(HiveError) -> TomlValue {
        if Toml.isDigits(b, i, 4) && at(4) == UInt8(ascii: "-") || Toml.isDigits(b, i, 2) && at(2) == UInt8(ascii: ":") {
            return .datetime(try dateTime())
        }
        let start = i
        while let c = peek, !Toml.endsValue(c) { i += 1 }
        let token = b[start..<i]
        if token.elementsEqual("true".utf8) { return .bool(true) }
        if token.elementsEqual("false".utf8) { return .bool(false) }
        if let v = try number(token, at: start) { return v }
        let text = Toml.printable(token)
        let looksNumeric = token.first.map { Toml.isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") } ?? false
        throw fail(looksNumeric ? "invalid number \(text)" : "invalid value \(text) (strings need quotes)", at: start)
    }

    /// An integer or a float, or nil if `t` is neither; an integer beyond 64 bits is an error.
    func number(_ t: ArraySlice<UInt8>, at pos: Int) throws(HiveError) -> TomlValue? {
        var s = t
        var negative = false
        let signed = s.first == UInt8(ascii: "+") || s.first == UInt8(ascii: "-")
        if signed { negative = s.removeFirst() == UInt8(ascii: "-") }
        if s.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if s.elementsEqual("nan".utf8) { return .float(negative ? -.nan : .nan) }
        func outOfRange() -> HiveError { fail("integer \(Toml.printable(t)) does not fit in 64 bits", at: pos) }
        if !signed, s.count > 2, s.first == UInt8(ascii: "0") {
            let radix: UInt64
            switch s[s.startIndex + 1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: radix = 0
            }
            if radix != 0 {
                let digits = s.dropFirst(2)
                guard Toml.digitRun(digits, digits.startIndex, radix: radix) == digits.endIndex else { return nil }
                var v: UInt64 = 0
                for c in digits where c != UInt8(ascii: "_") {
                    let (m, o1) = v.multipliedReportingOverflow(by: radix)
                    let (a, o2) = m.addingReportingOverflow(UInt64(Toml.hexDigit(c)!))
                    guard !o1 && !o2 && a <= UInt64(Int64.max) else { throw outOfRange() }
                    v = a
                }
                return .integer(Int64(v))
            }
        }
        // decimal: an integer part without leading zeros, then .fraction and/or e[+-]exponent
        guard let intEnd = Toml.digitRun(s, s.startIndex, radix: 10) else { return nil }
        if s[s.startIndex] == UInt8(ascii: "0") && intEnd - s.startIndex > 1 { return nil }
        var k = intEnd
        var isFloat = false
        if k < s.endIndex && s[k] == UInt8(ascii: ".") {
            guard let e = Toml.digitRun(s, k + 1, radix: 10) else { return nil }
            k = e
            isFloat = true
        }
        if k < s.endIndex && (s[k] == UInt8(ascii: "e") || s[k] == UInt8(ascii: "E")) {
            k += 1
            if k < s.endIndex && (s[k] == UInt8(ascii: "+") || s[k] == UInt8(ascii: "-")) { k += 1 }
            guard let e = Toml.digitRun(s, k, radix: 10) else { return nil }
            k = e
            isFloat = true
        }
        guard k == s.endIndex else { return nil }
        if isFloat {
            // an Array, not a lazy filter: String(decoding:) of a generic collection costs a runtime cast
            var plain: [UInt8] = []
            plain.reserveCapacity(t.count)
            for c in t where c != UInt8(ascii: "_") { plain.append(c) }
            return Double(String(decoding: plain, as: UTF8.self)).map { .float($0) }
        }
        var magnitude: UInt64 = 0
        for c in s where c != UInt8(ascii: "_") {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c - 48))
            guard !o1 && !o2 else { throw outOfRange() }
            magnitude = a
        }
        guard magnitude <= (negative ? Int64.min.magnitude : UInt64(Int64.max)) else { throw outOfRange() }
        return .integer(negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude))
    }

    /// `YYYY-MM-DD`, `HH:MM:SS[.frac]`, or both joined by `T`, `t` or a
    /// space, with an optional offset (`Z` or `+HH:MM`).
    mutating func dateTime() throws(HiveError) -> TomlDateTime {
        let start = i
        var text: [UInt8] = []
        func bad() -> HiveError {
            var end = i
            while end < b.count && !Toml.endsValue(b[end]) { end += 1 }
            return fail("invalid date or time \(Toml.printable(b[start..<end]))", at: start)
        }
        func field(_ n: Int, _ range: ClosedRange<Int>, then sep: UInt8?) throws(HiveError) -> Int {
            guard Toml.isDigits(b, i, n) else { throw bad() }
            var v = 0
            for k in 0..<n { v = v * 10 + Int(b[i + k] - 48) }
            guard range.contains(v) else { throw bad() }
            text.append(contentsOf: b[i..<(i + n)])
            i += n
            if let sep {
                guard peek == sep else { throw bad() }
                text.append(sep)
                i += 1
            }
            return v
        }
        func time() throws(HiveError) {
            _ = try field(2, 0...23, then: UInt8(ascii: ":"))
            _ = try field(2, 0...59, then: UInt8(ascii: ":"))
            _ = try field(2, 0...60, then: nil)
            guard peek == UInt8(ascii: ".") else { return }
            text.append(UInt8(ascii: "."))
            i += 1
            guard let c = peek, Toml.isDigit(c) else { throw bad() }
            while let c = peek, Toml.isDigit(c) { text.append(c); i += 1 }
        }
        if at(2) == UInt8(ascii: ":") {
            try time()
            return TomlDateTime(kind: .localTime, text: String(decoding: text, as: UTF8.self))
        }
        let year = try field(4, 0...9999, then: UInt8(ascii: "-"))
        let month = try field(2, 1...12, then: UInt8(ascii: "-"))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        _ = try field(2, 1...days, then: nil)
        let sep = peek
        let timeFollows = sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t")
            || sep == UInt8(ascii: " ") && Toml.isDigits(b, i + 1, 2) && at(3) == UInt8(ascii: ":")
        guard timeFollows else { return TomlDateTime(kind: .localDate, text: String(decoding: text, as: UTF8.self)) }
        text.append(UInt8(ascii: "T"))
        i += 1
        try time()
        switch peek {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            text.append(UInt8(ascii: "Z"))
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            text.append(b[i])
            i += 1
            _ = try field(2, 0...23, then: UInt8(ascii: ":"))
            _ = try field(2, 0...59, then: nil)
        default:
            return TomlDateTime(kind: .localDateTime, text: String(decoding: text, as: UTF8.self))
        }
        return TomlDateTime(kind: .offsetDateTime, text: String(decoding: text, as: UTF8.self))
    }
}

extension Toml {
    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    static func isDigits(_ b: [UInt8], _ from: Int, _ n: Int) -> Bool {
        guard from >= 0, from + n <= b.count else { return false }
        return b[from..<(from + n)].allSatisfy(isDigit)
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    /// Digits of `radix` from `k`, single underscores between digits; the end
    /// of the run, or nil if it does not start with a digit or an underscore
    /// is not between two digits.
    static func digitRun(_ s: ArraySlice<UInt8>, _ k: Int, radix: UInt64) -> Int? {
        func ok(_ c: UInt8) -> Bool { hexDigit(c).map { UInt64($0) < radix } ?? false }
        var k = k
        guard k < s.endIndex, ok(s[k]) else { return nil }
        k += 1
        while k < s.endIndex {
            if ok(s[k]) { k += 1; continue }
            guard s[k] == UInt8(ascii: "_") else { break }
            guard k + 1 < s.endIndex, ok(s[k + 1]) else { return nil }
            k += 2
        }
        return k
    }

    /// Where a bare value (number, boolean, date) ends.
    static func endsValue(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
             UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#"): return true
        default: return false
        }
    }

    /// A-Z a-z 0-9 - _
    static func isBareKey(_ c: UInt8) -> Bool {
        isDigit(c) || (c | 0x20 >= 97 && c | 0x20 <= 122) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }

    /// Control characters TOML refuses in strings and comments (tab is allowed).
    static func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != 0x09) || c == 0x7F }

    static func scalarName(_ c: UInt8) -> String {
        let h = String(c, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - h.count) + h
    }

    /// Text for a message: control characters as U+XXXX.
    static func printable(_ s: ArraySlice<UInt8>) -> String {
        guard s.contains(where: isControl) else { return String(decoding: s, as: UTF8.self) }
        var out: [UInt8] = []
        for c in s { if isControl(c) { out += scalarName(c).utf8 } else { out.append(c) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// The offset of the first byte that is not well-formed UTF-8 (overlong
    /// forms, surrogates and values past U+10FFFF included), or nil.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            var n = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: n = 1
            case 0xE0: n = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: n = 2
            case 0xED: n = 2; hi = 0x9F
            case 0xF0: n = 3; lo = 0x90
            case 0xF1...0xF3: n = 3
            case 0xF4: n = 3; hi = 0x8F
            default: return i
            }
            guard i + n < b.count, (lo...hi).contains(b[i + 1]) else { return i }
            for k in stride(from: 2, through: n, by: 1) where !(0x80...0xBF).contains(b[i + k]) { return i }
            i += n + 1
        }
        return nil
    }
}
