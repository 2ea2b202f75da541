// hive's side of the attach protocol (`hive attach`): the socket hive-monitor
// serves in a detached container's directory, its frames, and the client
// loop, all defined once in C (CHiveLaunch/include/hive_attach_proto.h,
// attach_proto.c, attach_client.c); Docker's detach-key syntax.
import CHiveLaunch
import Glibc
import HivePlatform

public enum AttachProtocol {
    /// Docker's default detach sequence.
    public static let defaultDetachKeys = "ctrl-p,ctrl-q"

    /// How an attach ended.
    public enum Outcome: Equatable, Sendable {
        /// The container exited with this status (128+N for a signal).
        case exited(Int32)
        /// The user typed the detach keys: the container runs on.
        case detached
        /// The connection ended without an exit status (the monitor ended).
        case lost
        /// This client was ended by a signal it did not forward.
        case signalled(Int32)
        /// The monitor sent what is not this protocol (another version's monitor).
        case protocolError
    }

    public struct Options: Sendable {
        public var stdin = true
        public var sigProxy = true
        public var detachKeys: [UInt8] = [16, 17]
        /// The end of this process's stdin ends the container's (a run's attach: Docker's StdinOnce).
        public var stdinOnce = false
        /// Streams not shown here (`run -a` without them).
        public var dropStdout = false
        public var dropStderr = false
        public init() {}
    }

    // MARK: - Detach keys

    /// Docker's `--detach-keys` syntax: comma-separated keys, each a single
    /// character or `ctrl-` with one of a-z @ [ \ ] ^ _ (ctrl-a is 1, ctrl-@ 0).
    public static func detachKeys(_ text: String) throws(HiveError) -> [UInt8] {
        func bad(_ key: String) -> HiveError {
            HiveError(.invalidArgument, "invalid detach keys \"\(text)\": unknown key \"\(key)\" (use comma-separated keys, each one character or ctrl- and one of a-z @ [ \\ ] ^ _, as ctrl-p,ctrl-q)")
        }
        var out: [UInt8] = []
        for key in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let bytes = Array(key.utf8)
            if bytes.count == 1 {
                out.append(bytes[0])
                continue
            }
            guard bytes.count == 6, key.lowercased().hasPrefix("ctrl-") else { throw bad(key) }
            let c = bytes[5] | (bytes[5] >= 65 && bytes[5] <= 90 ? 0x20 : 0)  // ctrl-P as ctrl-p
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): out.append(c - UInt8(ascii: "a") + 1)
            case UInt8(ascii: "@"): out.append(0)
            case UInt8(ascii: "["): out.append(27)
            case UInt8(ascii: "\\"): out.append(28)
            case UInt8(ascii: "]"): out.append(29)
            case UInt8(ascii: "^"): out.append(30)
            case UInt8(ascii: "_"): out.append(31)
            default: throw bad(key)
            }
        }
        guard out.count <= 16 else {
            throw HiveError(.invalidArgument, "invalid detach keys \"\(text)\": at most 16 keys")
        }
        return out
    }

    // MARK: - Frames

    /// A frame's 8-byte header.
    public static func header(type: Int32, length: UInt32) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: Int(HIVE_ATTACH_HEADER))
        hive_attach_header(&h, type, length)
        return h
    }

    /// A header's type and length, if it is a valid one for that direction.
    public static func parseHeader(_ bytes: [UInt8], toMonitor: Bool) -> (type: Int32, length: UInt32)? {
        guard bytes.count == Int(HIVE_ATTACH_HEADER) else { return nil }
        var type: Int32 = 0
        var len: UInt32 = 0
        let dir = toMonitor ? HIVE_ATTACH_TO_MONITOR : HIVE_ATTACH_TO_CLIENT
        return hive_attach_parse_header(bytes, Int32(dir.rawValue), &type, &len) == 0 ? (type, len) : nil
    }

    // MARK: - The client

    /// A connection to the monitor of the container whose directory is `dir`.
    public static func connect(containerDir dir: String, name: String) throws(HiveError) -> Int32 {
        let s = hive_attach_connect(dir)
        if s >= 0 { return s }
        let e = errno
        switch e {
        case ENOENT:
            throw HiveError(.unavailable, "container \(name) has no attach socket: it was started in the foreground, or by an older hive's monitor; restart it (hive restart \(name)) to attach to it")
        case ECONNREFUSED:
            throw HiveError(.unavailable, "the monitor of container \(name) does not answer on its attach socket (it has ended); hive ps shows the container's state")
        default:
            throw HiveError(.io, "cannot connect to the attach socket of container \(name)", cause: String(cString: strerror(e)))
        }
    }

    /// Proxies this process's stdio over the connection `sock` (closed
    /// after) until the container exits, the user detaches or it ends.
    /// Signals (sig-proxy) go to `pid` (0: none) only while it is the
    /// process that started at `pidStart` (/proc/PID/stat field 22): the C
    /// side pins it by a pidfd.
    public static func run(_ sock: Int32, options: Options, pid: pid_t = 0, pidStart: Int64 = 0) -> Outcome {
        defer { close(sock) }
        let r = options.detachKeys.withUnsafeBufferPointer { keys in
            var o = hive_attach_options()
            o.stdin_attached = options.stdin ? 1 : 0
            o.sig_proxy = options.sigProxy ? 1 : 0
            o.pid = pid
            o.pid_start = pidStart
            o.detach_keys = keys.baseAddress
            o.detach_keys_len = keys.count
            o.stdin_once = options.stdinOnce ? 1 : 0
            o.drop_stdout = options.dropStdout ? 1 : 0
            o.drop_stderr = options.dropStderr ? 1 : 0
            return hive_attach_run(sock, &o)
        }
        switch r {
        case 0...: return .exited(r)
        case HIVE_ATTACH_DETACHED: return .detached
        case HIVE_ATTACH_BAD_PEER: return .protocolError
        case ...(-256): return .signalled(-256 - r)
        default: return .lost
        }
    }
}
