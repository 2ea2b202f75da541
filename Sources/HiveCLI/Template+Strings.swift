// The text functions of templates: Go's html, js and urlquery escapers and
// Docker's json (without HTML escaping), split and title.
import HivePlatform

extension Template {
    /// Go's evalArgs: one string as it is, else fmt.Sprint with a missing value printed as "<no value>".
    static func printed(_ a: [JSONValue?]) -> String {
        if a.count == 1, case .string(let s)? = a[0] { return s }
        return GoFormat.sprint(a.map { isNil($0) ? .string("<no value>") : $0 })
    }

    static func htmlEscape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0 || $0 == 0x22 || $0 == 0x27 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E }) else { return s }
        var out = ""
        for r in s.unicodeScalars {
            switch r {
            case "\0": out += "\u{FFFD}"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(r)
            }
        }
        return out
    }

    static func jsEscape(_ s: String) -> String {
        var out = ""
        for r in s.unicodeScalars {
            switch r {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if r.value < 0x20 {
                    out += "\\u00" + (r.value < 0x10 ? "0" : "") + String(r.value, radix: 16, uppercase: true)
                } else if !r.isASCII && !GoFormat.isPrint(r) {
                    let h = String(r.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
                } else {
                    out.unicodeScalars.append(r)
                }
            }
        }
        return out
    }

    /// url.QueryEscape.
    static func queryEscape(_ s: String) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: " "): out.append(UInt8(ascii: "+"))
            default: out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Docker's json: Go's encoder with SetEscapeHTML(false).
    static func json(_ v: JSONValue?) -> String {
        guard let v else { return "null" }
        return unescapeHTML(v.serialized())
    }

    /// Undoes the \u003c \u003e \u0026 escapes of HTML-safe JSON (JSONValue writes Go's default).
    static func unescapeHTML(_ s: String) -> String {
        guard s.contains("\\u00") else { return s }
        let b = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 1 < b.count {
                if b[i + 1] == UInt8(ascii: "u"), i + 5 < b.count, b[i + 2] == UInt8(ascii: "0"), b[i + 3] == UInt8(ascii: "0") {
                    switch (b[i + 4], b[i + 5]) {
                    case (UInt8(ascii: "3"), UInt8(ascii: "c")): out.append(UInt8(ascii: "<")); i += 6; continue
                    case (UInt8(ascii: "3"), UInt8(ascii: "e")): out.append(UInt8(ascii: ">")); i += 6; continue
                    case (UInt8(ascii: "2"), UInt8(ascii: "6")): out.append(UInt8(ascii: "&")); i += 6; continue
                    default: break
                    }
                }
                out += [b[i], b[i + 1]]  // any other escape, kept whole
                i += 2
                continue
            }
            out.append(b[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// strings.Split: an empty separator splits after each character (rune).
    static func split(_ s: String, _ sep: String) -> [String] {
        if sep.isEmpty { return s.unicodeScalars.map { String($0) } }
        return s.components(separatedBy: sep)
    }

    /// strings.Title: the first letter of each word in title case.
    static func title(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var prev: Unicode.Scalar = " "
        for r in s.unicodeScalars {
            if isSeparator(prev) {
                out.append(contentsOf: r.properties.titlecaseMapping.unicodeScalars)
            } else {
                out.append(r)
            }
            prev = r
        }
        return String(out)
    }

    static func isSeparator(_ r: Unicode.Scalar) -> Bool {
        if r.isASCII {
            return !((r >= "0" && r <= "9") || (r >= "a" && r <= "z") || (r >= "A" && r <= "Z") || r == "_")
        }
        if r.properties.isAlphabetic || r.properties.numericType == .decimal { return false }
        return r.properties.isWhitespace
    }
}
