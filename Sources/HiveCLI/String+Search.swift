// Substring search and replacement without Foundation (used by the CLI's text helpers).
extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    func components(separatedBy sep: String) -> [String] {
        guard !sep.isEmpty else { return [self] }
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension StringProtocol {
    /// Substring search without Foundation.
    func range(of needle: String) -> Range<Index>? {
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].utf8.starts(with: n) {
                let end = self.utf8.index(i, offsetBy: n.count)
                return i..<end
            }
            i = index(after: i)
        }
        return nil
    }
}
