// Builds ustar archives byte by byte, so tests control every header field.
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    enum Kind: UInt8 {
        case file = 48, hardlink = 49, symlink = 50, char = 51, dir = 53, fifo = 54, pax = 120
    }

    mutating func add(_ name: String, _ kind: Kind = .file, data: [UInt8] = [], mode: Int = 0o644, uid: Int = 0, gid: Int = 0,
                      link: String = "", mtime: Int = 1_700_000_000) {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: [UInt8], _ at: Int, _ len: Int) { for (i, b) in s.prefix(len).enumerated() { h[at + i] = b } }
        func octal(_ v: Int, _ at: Int, _ len: Int) {
            var s = String(v, radix: 8)
            s = String(repeating: "0", count: max(0, len - 1 - s.count)) + s
            put(Array(s.utf8), at, len - 1)
        }
        put(Array(name.utf8), 0, 100)
        octal(mode, 100, 8)
        octal(uid, 108, 8)
        octal(gid, 116, 8)
        octal(kind == .file || kind == .pax ? data.count : 0, 124, 12)
        octal(mtime, 136, 12)
        h[156] = kind.rawValue
        put(Array(link.utf8), 157, 100)
        put(Array("ustar\u{0}00".utf8), 257, 8)
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        octal(sum, 148, 7)
        h[155] = 32
        bytes += h
        if (kind == .file || kind == .pax) && !data.isEmpty {
            bytes += data
            bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
    }

    func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
}
