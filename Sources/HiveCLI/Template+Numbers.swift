// Go's fmt for numbers and quoting: integers in bases 2, 8, 10, 16 with
// signs, zero padding and precision, characters (%c %q %U), floats as
// strconv formats them (%e %f %g with shortest digits for %v, %x, %b), and
// strconv.Quote.
import Glibc
import HiveBuild
import HivePlatform

extension GoFormat.Printer {
    mutating func fmtInteger(_ n: Int64, _ verb: Unicode.Scalar) {
        switch verb {
        case "v", "d": integer(n, base: 10, verb: verb, upper: false)
        case "b": integer(n, base: 2, verb: verb, upper: false)
        case "o", "O": integer(n, base: 8, verb: verb, upper: false)
        case "x": integer(n, base: 16, verb: verb, upper: false)
        case "X": integer(n, base: 16, verb: verb, upper: true)
        case "c": pad(Array(String(Character(GoFormat.rune(n))).utf8))
        case "q": pad(Array(GoFormat.quoteRune(GoFormat.rune(n), ascii: plus).utf8))
        case "U": unicode(n)
        default: badVerb(verb, .int(n))
        }
    }

    mutating func integer(_ n: Int64, base: UInt64, verb: Unicode.Scalar, upper: Bool) {
        let negative = n < 0
        var u = n.magnitude
        var prec = 0
        if precPresent {
            prec = self.prec
            if prec == 0 && u == 0 {  // %.0d of 0 prints nothing but padding
                let oldZero = zero
                zero = false
                writePadding(wid)
                zero = oldZero
                return
            }
        } else if zero && !minus && widPresent {
            prec = wid
            if negative || plus || space { prec -= 1 }  // room for the sign
        }
        let digits = Array((upper ? "0123456789ABCDEFX" : "0123456789abcdefx").utf8)
        var out: [UInt8] = []
        repeat {
            out.append(digits[Int(u % base)])
            u /= base
        } while u > 0
        while out.count < prec { out.append(UInt8(ascii: "0")) }
        if sharp {
            switch base {
            case 2: out += [UInt8(ascii: "b"), UInt8(ascii: "0")]
            case 8: if out.last != UInt8(ascii: "0") { out.append(UInt8(ascii: "0")) }
            case 16: out += [digits[16], UInt8(ascii: "0")]
            default: break
            }
        }
        if verb == "O" { out += [UInt8(ascii: "o"), UInt8(ascii: "0")] }
        if negative { out.append(UInt8(ascii: "-")) } else if plus { out.append(UInt8(ascii: "+")) } else if space { out.append(32) }
        let oldZero = zero
        zero = false
        pad(out.reversed())
        zero = oldZero
    }

    mutating func unicode(_ n: Int64) {
        var u = UInt64(bitPattern: n)
        var prec = 4
        if precPresent && self.prec > 4 { prec = self.prec }
        var hex: [UInt8] = []
        let digits = Array("0123456789ABCDEF".utf8)
        repeat {
            hex.append(digits[Int(u & 0xF)])
            u >>= 4
        } while u > 0
        while hex.count < prec { hex.append(UInt8(ascii: "0")) }
        var out = Array("U+".utf8) + hex.reversed()
        if sharp, n >= 0, n <= 0x10FFFF, let s = Unicode.Scalar(UInt32(n)), GoFormat.isPrint(s) {
            out += Array(" '\(Character(s))'".utf8)
        }
        let oldZero = zero
        zero = false
        pad(out)
        zero = oldZero
    }

    mutating func fmtFloat(_ v: Double, _ verb: Unicode.Scalar) {
        switch verb {
        case "v": float(v, "g", -1)
        case "b", "g", "G", "x", "X": float(v, verb, -1)
        case "f", "e", "E", "F": float(v, verb, 6)
        default: badVerb(verb, .double(v))
        }
    }

    mutating func float(_ v: Double, _ verb: Unicode.Scalar, _ defaultPrec: Int) {
        let prec = precPresent ? self.prec : defaultPrec
        var num = [v.sign == .minus ? UInt8(ascii: "-") : UInt8(ascii: "+")] + GoFormat.formatFloat(abs(v), verb, prec)
        if space && num[0] == UInt8(ascii: "+") && !plus { num[0] = 32 }
        if num[1] == UInt8(ascii: "I") || num[1] == UInt8(ascii: "N") {  // Inf and NaN: no zero padding
            let oldZero = zero
            zero = false
            if num[1] == UInt8(ascii: "N") && !space && !plus { num.removeFirst() }
            pad(num)
            zero = oldZero
            return
        }
        if sharp && verb != "b" { num = forcedPoint(num, verb, prec) }
        if plus || num[0] != UInt8(ascii: "+") {
            if zero && !minus && widPresent && wid > num.count {
                buf.append(num[0])
                writePadding(wid - num.count)
                buf += num.dropFirst()
                return
            }
            pad(num)
            return
        }
        pad(Array(num.dropFirst()))
    }

    /// `%#g` and friends: a decimal point always, and %g's trailing zeros kept.
    func forcedPoint(_ number: [UInt8], _ verb: Unicode.Scalar, _ prec: Int) -> [UInt8] {
        var num = number
        var digits = 0
        if verb == "v" || verb == "g" || verb == "G" || verb == "x" { digits = prec == -1 ? 6 : prec }
        var tail: [UInt8] = []
        var hasPoint = false, sawNonzero = false
        var i = 1
        while i < num.count {
            let c = num[i]
            if c == UInt8(ascii: ".") {
                hasPoint = true
            } else if c == UInt8(ascii: "p") || c == UInt8(ascii: "P")
                        || ((c == UInt8(ascii: "e") || c == UInt8(ascii: "E")) && verb != "x" && verb != "X") {
                tail = Array(num[i...])
                num = Array(num[..<i])
                break
            } else {
                if c != UInt8(ascii: "0") { sawNonzero = true }
                if sawNonzero { digits -= 1 }
            }
            i += 1
        }
        if !hasPoint {
            if num.count == 2 && num[1] == UInt8(ascii: "0") { digits -= 1 }
            num.append(UInt8(ascii: "."))
        }
        while digits > 0 {
            num.append(UInt8(ascii: "0"))
            digits -= 1
        }
        return num + tail
    }
}

extension GoFormat {
    static func rune(_ n: Int64) -> Unicode.Scalar {
        guard n >= 0, n <= 0x10FFFF, let s = Unicode.Scalar(UInt32(n)) else { return "\u{FFFD}" }
        return s
    }

    /// strconv.AppendFloat of a non-negative `v`, without a sign.
    static func formatFloat(_ v: Double, _ verb: Unicode.Scalar, _ prec: Int) -> [UInt8] {
        if v.isNaN { return Array("NaN".utf8) }
        if v.isInfinite { return Array("Inf".utf8) }
        switch verb {
        case "b":
            let exp = v == 0 ? 0 : Int(v.exponentBitPattern) - 1075
            let mant = v.significandBitPattern | (v.exponentBitPattern == 0 ? 0 : 1 << 52)
            return Array("\(mant)p\(exp < 0 ? "-" : "+")\(abs(v.exponentBitPattern == 0 ? -1074 : exp))".utf8)
        case "x", "X":
            var s = c(prec < 0 ? "%a" : "%.*a", prec, v)
            // Go writes at least two exponent digits: 0x1.8p+01
            if let p = s.firstIndex(of: UInt8(ascii: "p")), s.count - p == 3 { s.insert(UInt8(ascii: "0"), at: p + 2) }
            return verb == "X" ? s.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 } : s
        default: break
        }
        let upper = verb == "E" || verb == "G"
        if prec >= 0 {
            let spec = verb == "e" || verb == "E" ? "%.*e" : verb == "g" || verb == "G" ? "%.*g" : "%.*f"
            let s = c(spec, prec, v)
            return upper ? s.map { $0 == UInt8(ascii: "e") ? UInt8(ascii: "E") : $0 } : s
        }
        // the shortest digits that read back as v
        let (d, dp) = shortest(v)
        var style = verb
        if verb == "g" || verb == "G" {
            let exp = dp - 1
            style = d.isEmpty || !(exp < -4 || exp >= 6) ? "f" : "e"  // Go's eprec of 6 for the shortest %g
        }
        if style == "e" || style == "E" {
            var out: [UInt8] = [d.first ?? UInt8(ascii: "0")]
            if d.count > 1 { out += [UInt8(ascii: ".")] + d[1...] }
            out.append(upper ? UInt8(ascii: "E") : UInt8(ascii: "e"))
            var exp = d.isEmpty ? 0 : dp - 1
            out.append(exp < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            exp = abs(exp)
            if exp < 10 { out.append(UInt8(ascii: "0")) }
            out += Array(String(exp).utf8)
            return out
        }
        var out: [UInt8] = []
        if dp > 0 {
            out += d.prefix(dp)
            if d.count < dp { out += repeatElement(UInt8(ascii: "0"), count: dp - d.count) }
        } else {
            out.append(UInt8(ascii: "0"))
        }
        let frac = max(d.count - dp, 0)
        if frac > 0 {
            out.append(UInt8(ascii: "."))
            for k in 0..<frac {
                let j = dp + k
                out.append(j >= 0 && j < d.count ? d[j] : UInt8(ascii: "0"))
            }
        }
        return out
    }

    /// The shortest decimal digits of a non-negative finite `v` and the
    /// position of the decimal point (Swift's description is shortest too).
    static func shortest(_ v: Double) -> ([UInt8], Int) {
        if v == 0 { return ([], 0) }
        let s = Array(v.description.utf8)
        var mantissa = s[...], exp = 0
        if let e = s.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = s[..<e]
            exp = Int(String(decoding: s[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var dp = 0
        var seenPoint = false
        for b in mantissa {
            if b == UInt8(ascii: ".") { seenPoint = true; continue }
            digits.append(b)
            if !seenPoint { dp += 1 }
        }
        dp += exp
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            dp -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, dp)
    }

    /// C's printf of one double with a precision.
    static func c(_ spec: String, _ prec: Int, _ v: Double) -> [UInt8] {
        var buf = [CChar](repeating: 0, count: 512)
        let n = spec.contains("*")
            ? withVaList([Int32(clamping: prec), v]) { vsnprintf(&buf, buf.count, spec, $0) }
            : withVaList([v]) { vsnprintf(&buf, buf.count, spec, $0) }
        if Int(n) >= buf.count {
            buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = spec.contains("*")
                ? withVaList([Int32(clamping: prec), v]) { vsnprintf(&buf, buf.count, spec, $0) }
                : withVaList([v]) { vsnprintf(&buf, buf.count, spec, $0) }
        }
        return buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
    }

    // MARK: quoting

    static func isPrint(_ s: Unicode.Scalar) -> Bool { GoQuote.isPrint(s) }

    static func canBackquote(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0 != "`" && $0.value != 0x7F && $0 != "\u{FEFF}") }
    }

    /// strconv.Quote (QuoteToASCII with `ascii`).
    static func quote(_ s: String, ascii: Bool = false) -> String { GoQuote.quote(s, quote: "\"", ascii: ascii) }

    /// strconv.QuoteRune: 'x'.
    static func quoteRune(_ r: Unicode.Scalar, ascii: Bool) -> String { GoQuote.quote(String(r), quote: "'", ascii: ascii) }
}
