// Firewall's side of CHiveNet's nftables calls: its nfnetlink socket (shared
// by a Firewall's copies), the kernel's errno turned
// into a one-line HiveError naming what it refused, and published ports as
// the C side's elements.
import CHiveNet
import Glibc
import HivePlatform

extension Firewall {
    /// A Firewall's socket, shared by its copies, used by one caller at a time.
    final class Connection {
        var session: Session?
        private var mutex = pthread_mutex_t()
        init() { pthread_mutex_init(&mutex, nil) }
        deinit { pthread_mutex_destroy(&mutex) }
        func lock() { pthread_mutex_lock(&mutex) }
        func unlock() { pthread_mutex_unlock(&mutex) }
    }

    /// An open nfnetlink socket (closed when released).
    final class Session {
        let handle: OpaquePointer
        let table: String
        init(handle: OpaquePointer, table: String) {
            self.handle = handle
            self.table = table
        }
        deinit { hive_nft_close(handle) }

        struct Result {
            var rc: Int32
            var what: String
        }

        /// Calls `body` with the handle and a buffer for what the kernel refused.
        func call(_ body: (OpaquePointer, UnsafeMutablePointer<CChar>, Int) -> Int32) -> Result {
            var buf = [CChar](repeating: 0, count: 128)
            let rc = buf.withUnsafeMutableBufferPointer { body(handle, $0.baseAddress!, $0.count) }
            return Result(rc: rc, what: rc < 0 ? String(cString: buf) : "")
        }

        func check(_ r: Result, _ action: String) throws(HiveError) {
            if r.rc < 0 { throw failure(r.rc, action, r.what) }
        }

        /// `nftables: cannot ACTION table inet T (WHAT): errno's text`, with what to do where that is known.
        func failure(_ rc: Int32, _ action: String, _ what: String) -> HiveError {
            let detail = what.isEmpty || what == "table inet \(table)" ? "" : " (\(what))"
            return Session.error(rc, "nftables: cannot \(action) table inet \(table)\(detail)", what: what)
        }

        static func error(_ rc: Int32, _ message: String, what: String) -> HiveError {
            let err = -rc, text = String(cString: strerror(err))
            switch err {
            case EPERM, EACCES:
                return HiveError(.denied, message + " (hive needs CAP_NET_ADMIN for its network: run it as root)", cause: text)
            case EOPNOTSUPP, EPROTONOSUPPORT, EAFNOSUPPORT:
                return HiveError(.unavailable, message + " (the kernel has no nf_tables: load it with `modprobe nf_tables`)",
                                 cause: text)
            case ENOENT where what.hasPrefix("chain") || what.hasPrefix("rule"):
                return HiveError(.unavailable, message + " (a kernel module is missing: modprobe nft_chain_nat nft_nat"
                                 + " nft_masq nft_fib_inet nft_ct)", cause: text)
            default:
                return HiveError(.io, message, cause: text)
            }
        }
    }

    /// The C element for mapping `m` to `target`.
    static func element(_ m: PortMapping, _ target: IPAddress) throws(HiveError) -> hive_nft_port {
        guard m.hostPort != 0 else {
            throw HiveError(.invalidArgument, "port \(m.containerPort)/\(m.proto.rawValue) has no host port chosen to publish it on")
        }
        var p = hive_nft_port()
        p.family = target.family == .v4 ? 4 : 6
        p.proto = UInt8(m.proto == .tcp ? IPPROTO_TCP : IPPROTO_UDP)
        p.host_port = m.hostPort
        p.port = m.containerPort
        withUnsafeMutableBytes(of: &p.addr) { $0.copyBytes(from: target.bytes) }
        if let host = m.hostIP, !host.isUnspecified {
            guard host.family == target.family else {
                throw HiveError(.invalidArgument, "cannot publish \(describe(m)) to \(target): the addresses are of different families")
            }
            guard host.bytes != [UInt8](repeating: 0, count: 15) + [1] else {
                throw HiveError(.invalidArgument, "cannot publish on ::1 (IPv6 loopback cannot be forwarded to a container):"
                                + " publish on [::] or 127.0.0.1")
            }
            p.has_host = 1
            withUnsafeMutableBytes(of: &p.host_addr) { $0.copyBytes(from: host.bytes) }
        }
        return p
    }

    /// A C element as a mapping and its target.
    static func mapping(_ p: hive_nft_port) -> (mapping: PortMapping, target: IPAddress) {
        let n = p.family == 4 ? 4 : 16
        let addr = withUnsafeBytes(of: p.addr) { IPAddress(bytes: Array($0.prefix(n))) }
        let host = p.has_host == 0 ? nil : withUnsafeBytes(of: p.host_addr) { IPAddress(bytes: Array($0.prefix(n))) }
        let m = PortMapping(proto: Int32(p.proto) == IPPROTO_UDP ? .udp : .tcp, hostIP: host, hostPort: p.host_port,
                            containerPort: p.port)
        return (m, addr)
    }

    /// `127.0.0.1:8080/tcp`, `[::]:8080/udp`, `8080/tcp` (every address).
    static func describe(_ m: PortMapping) -> String {
        let port = "\(m.hostPort)/\(m.proto.rawValue)"
        guard let ip = m.hostIP, !ip.isUnspecified else { return port }
        return ip.family == .v6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
