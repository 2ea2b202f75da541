// Go's path.Match: `*` and `?` never match `/`, `[a-z]` / `[^a-z]` classes, `\` escapes.
public enum Glob {
    public static func match(_ pattern: String, _ name: String) -> Bool {
        match(Array(pattern.unicodeScalars), 0, Array(name.unicodeScalars), 0)
    }

    private static func match(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool {
        var pi = pi, si = si
        while pi < p.count {
            switch p[pi] {
            case "*":
                var next = pi
                while next < p.count && p[next] == "*" { next += 1 }
                if next == p.count { return !s[si...].contains("/") }
                var k = si
                while k <= s.count {
                    if match(p, next, s, k) { return true }
                    if k < s.count && s[k] == "/" { break }
                    k += 1
                }
                return false
            case "?":
                guard si < s.count, s[si] != "/" else { return false }
                pi += 1; si += 1
            case "[":
                guard si < s.count, s[si] != "/" else { return false }
                var j = pi + 1
                var negate = false
                if j < p.count && p[j] == "^" { negate = true; j += 1 }
                var matched = false
                var first = true
                while j < p.count && (p[j] != "]" || first) {
                    first = false
                    var lo = p[j]
                    if lo == "\\" && j + 1 < p.count { j += 1; lo = p[j] }
                    var hi = lo
                    if j + 2 < p.count && p[j + 1] == "-" && p[j + 2] != "]" {
                        hi = p[j + 2]
                        if hi == "\\" && j + 3 < p.count { j += 1; hi = p[j + 2] }
                        j += 2
                    }
                    if lo <= s[si] && s[si] <= hi { matched = true }
                    j += 1
                }
                guard j < p.count else { return false }  // unterminated class
                if matched == negate { return false }
                pi = j + 1; si += 1
            case "\\":
                guard pi + 1 < p.count, si < s.count, p[pi + 1] == s[si] else { return false }
                pi += 2; si += 1
            default:
                guard si < s.count, p[pi] == s[si] else { return false }
                pi += 1; si += 1
            }
        }
        return si == s.count
    }
}
