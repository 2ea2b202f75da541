// The attach protocol's parts the Engine API uses (HiveEngine's
// Engine+AttachWait, HiveAPI's relay): a waiting attach's socket in a
// container's directory, its starter's connection, the frame types.
import CHiveLaunch
import Glibc
import HivePlatform

extension AttachProtocol {
    /// Frame types (hive_attach_proto.h).
    public static let stdoutFrame = Int32(HIVE_ATTACH_STDOUT.rawValue), stderrFrame = Int32(HIVE_ATTACH_STDERR.rawValue)
    public static let exitFrame = Int32(HIVE_ATTACH_EXIT.rawValue), helloFrame = Int32(HIVE_ATTACH_HELLO.rawValue)
    public static let stdinFrame = Int32(HIVE_ATTACH_STDIN.rawValue), resizeFrame = Int32(HIVE_ATTACH_RESIZE.rawValue)
    public static let stdinEOFFrame = Int32(HIVE_ATTACH_STDIN_EOF.rawValue)
    public static let headerSize = Int(HIVE_ATTACH_HEADER), dataMax = Int(HIVE_ATTACH_DATA_MAX)

    /// A connection to the socket `name` in `dir`; -1 (errno: ECONNREFUSED when nobody serves it).
    public static func connect(dir: String, name: String) -> Int32 { hive_attach_connect_name(dir, name) }

    /// A RESIZE frame: rows and columns, each big-endian 16-bit.
    public static func resize(rows: Int, columns: Int) -> [UInt8] {
        let (h, w) = (UInt16(clamping: rows), UInt16(clamping: columns))
        return header(type: resizeFrame, length: 4) + [UInt8(h >> 8), UInt8(h & 0xff), UInt8(w >> 8), UInt8(w & 0xff)]
    }
}

/// An attach waiting for a container's start: a listening socket `name` in
/// the container's directory (removed with this), which the starter connects to.
public final class AttachWaiter {
    let path: String
    /// The listening socket (non-blocking), for a poll.
    public let fd: Int32

    public init(dir: String, name: String) throws(HiveError) {
        path = dir + "/" + name
        fd = hive_attach_listen_in(dir, name)
        guard fd >= 0 else { throw HiveError.errno("cannot make the socket \(path)") }
    }

    deinit {
        unlink(path)
        close(fd)
    }

    /// The starter's connection (blocking), if it has connected.
    public func accept() -> Int32? {
        let c = hive_attach_accept(fd)
        return c >= 0 ? c : nil
    }
}
