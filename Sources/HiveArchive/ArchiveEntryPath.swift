// Validation of names taken from a tar entry: they must stay inside the
// directory being extracted (STYLE.md 13, security-cases.md "layer tars").
import HiveOCI
import HivePlatform

public enum EntryPath {
    /// Splits a tar entry name into components relative to the extraction root.
    /// Rejects absolute paths, `..`, NUL and invalid UTF-8; drops `.` and empty
    /// components. An empty result is the root itself.
    public static func components(_ raw: [UInt8], entry: String) throws(HiveError) -> [String] {
        guard !raw.isEmpty else {
            throw HiveError(.unsafeContent, "unsafe archive entry \"\": empty name")
        }
        guard !raw.contains(0) else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): name contains a NUL byte")
        }
        guard let name = String(validating: raw, as: UTF8.self) else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): name is not valid UTF-8")
        }
        if name.hasPrefix("/") {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): absolute path")
        }
        var out: [String] = []
        for comp in name.split(separator: "/", omittingEmptySubsequences: true) {
            if comp == "." { continue }
            if comp == ".." {
                throw HiveError(.unsafeContent, "unsafe archive entry \(entry): path climbs out with \"..\"")
            }
            out.append(String(comp))
        }
        return out
    }

    /// A printable form of a raw entry name (invalid bytes escaped as \xNN).
    public static func printable(_ raw: [UInt8]) -> String {
        var s = "\""
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b >= 0x20 && b < 0x7f && b != 0x22 && b != 0x5c {
                s.unicodeScalars.append(Unicode.Scalar(b))
            } else if b >= 0x80, let (scalar, len) = decodeOne(raw, i) {
                s.unicodeScalars.append(scalar)
                i += len
                continue
            } else {
                let h = String(b, radix: 16)
                s += "\\x" + (h.count == 1 ? "0" + h : h)
            }
            i += 1
        }
        return s + "\""
    }

    private static func decodeOne(_ raw: [UInt8], _ i: Int) -> (Unicode.Scalar, Int)? {
        let b = raw[i]
        let len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0
        guard len > 0, i + len <= raw.count, let s = String(validating: raw[i..<(i + len)], as: UTF8.self),
              let scalar = s.unicodeScalars.first else { return nil }
        return (scalar, len)
    }
}
