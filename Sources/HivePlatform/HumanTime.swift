// Durations as people read them: what Docker prints for "Up 2 minutes" and
// "3 weeks ago" (go-units HumanDuration).

public enum HumanTime {
    public static func duration(_ s: Int64) -> String {
        if s < 1 { return "Less than a second" }
        if s == 1 { return "1 second" }
        if s < 60 { return "\(s) seconds" }
        let minutes = s / 60
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        let hours = (Double(s) / 3600).rounded()
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(Int(hours)) hours" }
        if hours < 24 * 7 * 2 { return "\(Int(hours / 24)) days" }
        if hours < 24 * 30 * 2 { return "\(Int(hours / 24 / 7)) weeks" }
        if hours < 24 * 365 * 2 { return "\(Int(hours / 24 / 30)) months" }
        return "\(Int(hours / 24 / 365)) years"
    }

    /// A time filter (`until=`, `--since`): an RFC 3339 time, a unix timestamp
    /// or a duration before now (`10m`, `24h`); unix nanoseconds.
    public static func parseFilter(_ text: String) throws -> Int64 {
        if let ts = Timestamp(rfc3339: text) { return ts.unixNanos }
        if let secs = Double(text), (secs * 1e9).magnitude < Double(Int64.max) { return Int64(secs * 1e9) }
        if let d = Quantity.duration(text) { return Timestamp.now().unixNanos - d }
        throw HiveError(.invalidArgument, "invalid time \"\(text)\" (use an RFC 3339 time, a unix timestamp or a duration like 24h)")
    }
}
