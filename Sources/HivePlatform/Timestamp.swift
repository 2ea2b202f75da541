// RFC 3339 times, as Go formats them (time.RFC3339Nano).
#if canImport(Glibc)
import Glibc
#endif

public struct Timestamp: Sendable, Equatable, Comparable, Hashable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Nanoseconds since the epoch (fits Int64 until 2262).
    public var unixNanos: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }
    public init(unixNanos: Int64) {
        seconds = unixNanos / 1_000_000_000
        nanoseconds = Int32(unixNanos % 1_000_000_000)
    }

    /// `2024-01-02T03:04:05.123456789Z`, trailing zeros of the fraction dropped.
    public var rfc3339: String {
        var t = time_t(seconds)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        var s = "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2))"
        if nanoseconds > 0 {
            var frac = pad(nanoseconds, 9)
            while frac.hasSuffix("0") { frac.removeLast() }
            s += "." + frac
        }
        return s + "Z"
    }

    /// Parses RFC 3339 (`Z` or `±hh:mm` offsets, optional fraction).
    public init?(rfc3339 text: String) {
        let u = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int32? {
            guard from + len <= u.count else { return nil }
            var v: Int32 = 0
            for i in from..<(from + len) {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                v = v * 10 + Int32(u[i] - 48)
            }
            return v
        }
        guard u.count >= 20, let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
              u[10] == 84 || u[10] == 116 || u[10] == 32, let h = num(11, 2), u[13] == 58, let mi = num(14, 2),
              u[16] == 58, let sec = num(17, 2) else { return nil }
        var i = 19
        var nanos: Int32 = 0
        if i < u.count && u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count && u[i] >= 48 && u[i] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int32(u[i] - 48); digits += 1 }
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        guard i < u.count else { return nil }
        var offset: Int64 = 0
        if u[i] == 90 || u[i] == 122 {
            i += 1
        } else if u[i] == 43 || u[i] == 45 {
            guard let oh = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = Int64(oh) * 3600 + Int64(om) * 60
            if u[i] == 45 { offset = -offset }
            i += 6
        } else { return nil }
        guard i == u.count else { return nil }
        var tmv = tm()
        tmv.tm_year = y - 1900
        tmv.tm_mon = mo - 1
        tmv.tm_mday = d
        tmv.tm_hour = h
        tmv.tm_min = mi
        tmv.tm_sec = sec
        let epoch = Int64(timegm(&tmv))
        self.init(seconds: epoch - offset, nanoseconds: nanos)
    }
}
