// Human-readable sizes and durations, as Docker prints them (go-units).
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum Units {
    /// `HumanSizeWithPrecision(size, 3)`: decimal units, 3 significant digits: 4.26MB.
    static func humanSize(_ bytes: Int64) -> String { scaled(bytes, 1000, ["B", "kB", "MB", "GB", "TB", "PB", "EB"], digits: 3) }

    /// go-units `BytesSize`: binary units, 4 significant digits: 1.234MiB (`stats`' memory).
    static func bytesSize(_ bytes: Int64) -> String { scaled(bytes, 1024, ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"], digits: 4) }

    private static func scaled(_ bytes: Int64, _ base: Double, _ units: [String], digits: Int) -> String {
        var size = Double(bytes)
        var i = 0
        while size >= base && i < units.count - 1 {
            size /= base
            i += 1
        }
        return significant(size, digits) + units[i]
    }

    /// Go's `%.Ng`: n significant digits, trailing zeros dropped, scientific
    /// notation when the exponent is < -4 or >= n (so 999999 B is "1e+03kB", as Docker prints).
    static func significant(_ v: Double, _ n: Int) -> String {
        if v == 0 { return "0" }
        var exp = 0
        var x = abs(v)
        while x >= 10 { x /= 10; exp += 1 }
        while x < 1 { x *= 10; exp -= 1 }
        // round the mantissa to n digits; it may carry into a new digit
        var scale = 1.0
        for _ in 0..<(n - 1) { scale *= 10 }
        var m = (x * scale).rounded() / scale
        if m >= 10 { m /= 10; exp += 1 }
        func trim(_ s: String) -> String {
            guard s.contains(".") else { return s }
            var t = s
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
        let sign = v < 0 ? "-" : ""
        if exp < -4 || exp >= n {
            let e = exp < 0 ? "-" : "+"
            let digits = String(abs(exp))
            return sign + trim(fixed(m, n - 1)) + "e" + e + (digits.count < 2 ? "0" + digits : digits)
        }
        return sign + trim(fixed(abs(v), max(0, n - 1 - exp)))
    }

    static func fixed(_ v: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (v * scale).rounded() / scale
        let whole = Int64(r)
        if decimals == 0 { return String(whole) }
        var frac = String(Int64(((r - Double(whole)) * scale).rounded()))
        while frac.count < decimals { frac = "0" + frac }
        return "\(whole).\(frac)"
    }

    /// go-units HumanDuration.
    static func humanDuration(seconds s: Int64) -> String { HumanTime.duration(s) }

    static func since(_ nanos: Int64) -> String {
        let now = Timestamp.now().unixNanos
        return humanDuration(seconds: max(0, (now - nanos) / 1_000_000_000)) + " ago"
    }

    /// Go's time.Time.String() in UTC: `2024-01-02 03:04:05 +0000 UTC`.
    static func goTime(_ nanos: Int64) -> String {
        var t = time_t(nanos / 1_000_000_000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        func put(_ v: Int32, _ w: Int) {
            var digits: [UInt8] = []
            var x = v
            repeat { digits.append(UInt8(48 + x % 10)); x /= 10 } while x > 0
            while digits.count < w { digits.append(48) }
            out += digits.reversed()
        }
        put(tmv.tm_year + 1900, 4); out.append(45); put(tmv.tm_mon + 1, 2); out.append(45); put(tmv.tm_mday, 2)
        out.append(32)
        put(tmv.tm_hour, 2); out.append(58); put(tmv.tm_min, 2); out.append(58); put(tmv.tm_sec, 2)
        out += Array(" +0000 UTC".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
