// What every fuzz target shares: the input as bytes or text, and a check
// that turns a broken invariant into a crash libFuzzer records.
import Glibc

public enum Fuzz {
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The input as text: invalid UTF-8 is repaired, as hive repairs files it reads.
    public static func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
        String(decoding: bytes(data, size), as: UTF8.self)
    }

    /// Splits the input at the first NUL: (before, after or nil).
    public static func split(_ b: [UInt8]) -> ([UInt8], [UInt8]?) {
        guard let i = b.firstIndex(of: 0) else { return (b, nil) }
        return (Array(b[..<i]), Array(b[(i + 1)...]))
    }

    /// A broken invariant: prints it and aborts, so libFuzzer keeps the input.
    public static func check(_ ok: Bool, _ what: @autoclosure () -> String) {
        if ok { return }
        let m = "fuzz invariant broken: " + what() + "\n"
        _ = m.withCString { write(2, $0, strlen($0)) }
        abort()
    }
}
