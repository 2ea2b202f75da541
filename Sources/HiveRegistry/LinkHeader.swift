// The Link header of a paginated listing (tags/list, RFC 8288):
// `</v2/a/tags/list?last=b&n=100>; rel="next"`. Pure.

enum LinkHeader {
    /// The target of the `rel="next"` link in `header`, if there is one.
    static func next(_ header: String) -> String? {
        for part in splitOutsideBrackets(header) {
            let p = part.drop(while: { $0 == " " })
            guard p.first == "<", let close = p.firstIndex(of: ">") else { continue }
            let target = String(p[p.index(after: p.startIndex)..<close])
            let params = p[p.index(after: close)...].split(separator: ";")
            for param in params {
                let kv = param.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0].trimmingSpaces().lowercased() == "rel" else { continue }
                let rels = kv[1].trimmingSpaces().filter { $0 != "\"" }.split(separator: " ")
                if rels.contains(where: { $0.lowercased() == "next" }) { return target }
            }
        }
        return nil
    }

    /// Splits at commas that are not inside `<...>` (a URL may hold commas).
    private static func splitOutsideBrackets(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var depth = 0
        var start = s.startIndex
        for i in s.indices {
            switch s[i] {
            case "<": depth += 1
            case ">": depth = max(0, depth - 1)
            case "," where depth == 0:
                out.append(s[start..<i])
                start = s.index(after: i)
            default: break
            }
        }
        out.append(s[start...])
        return out
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
