// Buffered output through write(2) (stdout/stderr globals are not
// concurrency-safe in Swift 6, platform-notes.md).
import Glibc

public final class Output: @unchecked Sendable {
    private var buffer: [UInt8] = []
    private let fd: Int32

    init(fd: Int32) { self.fd = fd }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ s: String) { write(s); write("\n") }

    func flush() {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static let out = Output(fd: 1)
    static let err = Output(fd: 2)
}
