// Quantities users type: durations (`10m`, `1h30m`, `2d`) and sizes (`512m`, `1g`).
public enum Quantity {
    /// Go-style durations: 10m, 1h30m, 1.5h, 500ms (and d for days).
    public static func duration(_ text: String) -> Int64? {
        guard !text.isEmpty else { return nil }
        var total: Double = 0
        var num = ""
        var chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isNumber || c == "." { num.append(c); i += 1; continue }
            var unit = String(c)
            if c == "m" && i + 1 < chars.count && chars[i + 1] == "s" { unit = "ms"; i += 1 }
            i += 1
            guard let v = Double(num) else { return nil }
            num = ""
            switch unit {
            case "ms": total += v / 1000
            case "s": total += v
            case "m": total += v * 60
            case "h": total += v * 3600
            case "d": total += v * 86400
            default: return nil
            }
        }
        chars.removeAll()
        guard num.isEmpty else { return nil }
        // Int64(x) traps past Int64.max: a duration of 300 years is not one
        let nanos = total * 1_000_000_000
        guard nanos.isFinite, nanos < Double(Int64.max) else { return nil }
        return Int64(nanos)
    }

    /// `512m`, `1g`, `100k`, `1048576` (Docker's RAMInBytes, binary units).
    public static func bytes(_ text: String) throws(HiveError) -> Int64 {
        let t = text.lowercased()
        var num = t
        var mult: Int64 = 1
        for (suffix, m) in [("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("tb", 1 << 40), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("b", 1)] as [(String, Int64)] {
            if t.hasSuffix(suffix) { num = String(t.dropLast(suffix.count)); mult = m; break }
        }
        guard let v = Double(num), v >= 0, v * Double(mult) < Double(Int64.max) else {
            throw HiveError(.invalidArgument, "invalid size \"\(text)\" (e.g. 512m, 1g)")
        }
        return Int64(v * Double(mult))
    }
}
