// rtnetlink through CHiveNet: links (bridge, veth pairs), addresses, routes,
// in the host's namespace or in a container's (a socket opened inside it).
//
// Measured (kernel 6.18, 2 vCPUs, bench in a scratch namespace, see the
// netlink report in bench/): veth pair with the peer in the container's
// namespace + master + up + address + default route ≈ 1.2-2.5 ms; deleting a
// veth ≈ 28 ms (the kernel waits for an RCU grace period), while unpinning its
// namespace ≈ 1 ms and the kernel then deletes the pair on its own, ~35 ms
// later. So a container's exit should unpin its namespace (NetNamespace.remove)
// rather than deleteLink, and host-side names should be unique per endpoint.
import CHiveNet
import HivePlatform
#if canImport(Glibc)
import Glibc
#endif

public enum Netlink {
    /// A link as the kernel lists it.
    public struct Link: Sendable, Equatable {
        public var index: Int32
        public var name: String
        /// The bridge it is a port of (nil: none).
        public var master: Int32?
        /// "bridge", "veth", "" for a link of no kind (lo, a physical one).
        public var kind: String
        public var isUp: Bool
        public var mtu: UInt32
        /// nil for a link without one (lo's is all zero).
        public var mac: MACAddress?
    }

    /// One NETLINK_ROUTE socket, bound to the namespace it was opened in.
    public final class Socket {
        let fd: Int32

        /// A socket in the caller's namespace, or in the namespace `netnsFD` refers to.
        public init(netnsFD: Int32? = nil) throws(HiveError) {
            let rc = hive_rtnl_open(netnsFD ?? -1)
            if rc < 0 {
                throw Netlink.error(rc, netnsFD.map { "cannot open a netlink socket in network namespace fd \($0)" }
                                    ?? "cannot open a netlink socket")
            }
            fd = rc
        }

        /// Takes over a NETLINK_ROUTE socket CHiveNet opened.
        init(fd: Int32) { self.fd = fd }

        deinit { Glibc.close(fd) }

        /// A link's index by name; nil if there is none.
        public func index(of name: String) -> Int32? {
            let rc = hive_link_index(fd, name)
            return rc > 0 ? rc : nil
        }

        /// Makes a bridge (an existing one of that name is fine).
        public func addBridge(_ name: String, mtu: UInt32?) throws(HiveError) {
            try Netlink.check("cannot create bridge \(name)", ok: [EEXIST]) { e, n in
                hive_link_add_bridge(fd, name, mtu ?? 0, e, n)
            }
        }

        /// Makes a veth pair: `name` here, `peer` created directly in the namespace `peerNetnsFD`, with `peerMAC`.
        public func addVeth(_ name: String, peer: String, peerNetnsFD: Int32, peerMAC: MACAddress?, mtu: UInt32?) throws(HiveError) {
            try addVeth(name, peer: peer, peerNetnsFD: peerNetnsFD, peerMAC: peerMAC, mtu: mtu, noIPv6: false)
        }

        /// The same; with `noIPv6` the host end makes no IPv6 link-local address
        /// (addr_gen_mode none; the peer's is set by `setLink(_:up:master:ipv6Auto:)`
        /// in its namespace). A name in use is `.conflict`.
        public func addVeth(_ name: String, peer: String, peerNetnsFD: Int32, peerMAC: MACAddress?, mtu: UInt32?,
                            noIPv6: Bool) throws(HiveError) {
            let mac = peerMAC?.bytes ?? []
            try Netlink.check("cannot create veth pair \(name) (peer \(peer))") { e, n in
                mac.withUnsafeBufferPointer { m in
                    hive_link_add_veth(fd, name, peer, peerNetnsFD, mac.isEmpty ? nil : m.baseAddress, mtu ?? 0,
                                       noIPv6 ? 1 : 0, e, n)
                }
            }
        }

        /// Sets a link up (or down) and, with `master`, enslaves it to that link.
        public func setLink(_ index: Int32, up: Bool, master: Int32? = nil) throws(HiveError) {
            try setLink(index, up: up, master: master, ipv6Auto: nil)
        }

        /// The same, and with `ipv6Auto` whether the kernel makes IPv6 link-local
        /// addresses on it (false: addr_gen_mode none, for a network without IPv6).
        public func setLink(_ index: Int32, up: Bool, master: Int32?, ipv6Auto: Bool?) throws(HiveError) {
            try Netlink.check("cannot set link \(name(of: index)) \(up ? "up" : "down")"
                              + (master.map { " on \(name(of: $0))" } ?? "")) { e, n in
                hive_link_set(fd, index, up ? 1 : 0, master ?? 0, ipv6Auto.map { $0 ? 1 : 0 } ?? -1, e, n)
            }
        }

        /// Deletes a link by name; a missing one is fine. Slow (~28 ms, an RCU
        /// grace period): see the top of this file.
        public func deleteLink(_ name: String) throws(HiveError) {
            try Netlink.check("cannot delete link \(name)", ok: [ENODEV]) { e, n in hive_link_del(fd, name, e, n) }
        }

        /// Adds an address (an existing one is fine).
        public func addAddress(_ index: Int32, _ ip: IPAddress, prefix: Int) throws(HiveError) {
            let family: Int32 = ip.family == .v4 ? 4 : 6
            try Netlink.check("cannot add address \(ip)/\(prefix) to \(name(of: index))", ok: [EEXIST]) { e, n in
                ip.bytes.withUnsafeBufferPointer { hive_addr_add(fd, index, family, $0.baseAddress, Int32(prefix), e, n) }
            }
        }

        /// Adds a route (nil destination: the default route).
        public func addRoute(to destination: Subnet?, via gateway: IPAddress?, index: Int32) throws(HiveError) {
            guard let family = (destination?.family ?? gateway?.family) else {
                throw HiveError(.invalidArgument, "a route needs a destination or a gateway")
            }
            if let d = destination, let g = gateway, d.family != g.family {
                throw HiveError(.invalidArgument, "a route's destination and gateway are of different families")
            }
            let dst = destination?.address.bytes ?? [], gw = gateway?.bytes ?? []
            try Netlink.check("cannot add the " + (destination.map { "route to \($0)" } ?? "default route")
                              + (gateway.map { " via \($0)" } ?? "") + " on \(name(of: index))", ok: [EEXIST]) { e, n in
                dst.withUnsafeBufferPointer { d in
                    gw.withUnsafeBufferPointer { g in
                        hive_route_add(fd, family == .v4 ? 4 : 6, dst.isEmpty ? nil : d.baseAddress,
                                       Int32(destination?.prefix ?? 0), gw.isEmpty ? nil : g.baseAddress, index, e, n)
                    }
                }
            }
        }

        /// The destinations of the namespace's routes of `family` (for subnet overlap checks):
        /// the main table's unicast routes, default routes left out.
        public func routes(_ family: IPFamily) throws(HiveError) -> [Subnet] {
            let all = try Netlink.dump("routes", hive_route.self) { out, max, e, n in
                hive_route_dump(fd, family == .v4 ? 4 : 6, out, max, e, n)
            }
            let len = family == .v4 ? 4 : 16
            return all.filter { $0.prefix > 0 }.map { r in
                var dst = r.dst
                let bytes = withUnsafeBytes(of: &dst) { Array($0.prefix(len)) }
                // the kernel refuses a destination with host bits set: masking changes nothing
                return Subnet(address: IPAddress(bytes: bytes), prefix: Int(r.prefix))
            }
        }

        /// Every link: index and name.
        public func links() throws(HiveError) -> [(index: Int32, name: String)] {
            try linkDetails().map { ($0.index, $0.name) }
        }

        /// Every link with its master, kind, state and MTU.
        public func linkDetails() throws(HiveError) -> [Link] {
            try Netlink.dump("links", hive_link_info.self) { out, max, e, n in hive_link_dump(fd, out, max, e, n) }.map { l in
                var l = l
                let name = Netlink.string(&l.name), kind = Netlink.string(&l.kind)
                return Link(index: l.index, name: name, master: l.master > 0 ? l.master : nil, kind: kind,
                            isUp: l.flags & UInt32(IFF_UP) != 0, mtu: l.mtu,
                            mac: withUnsafeBytes(of: &l.mac) { raw in raw.allSatisfy { $0 == 0 } ? nil : MACAddress(bytes: Array(raw)) })
            }
        }

        /// A link's name for messages (only on error paths: it dumps the links) ("link 7" if it has none now).
        func name(of index: Int32) -> String {
            // The index is of this socket's namespace: ask it, not if_indextoname (the caller's).
            (try? linkDetails().first(where: { $0.index == index }))?.name ?? "link \(index)"
        }
    }

    /// Writes a sysctl of the caller's network namespace (`net.ipv4.ip_forward`, ...), by fd, no subprocess.
    public static func setSysctl(_ key: String, _ value: String) throws(HiveError) {
        try setSysctl(key, value, netnsFD: nil)
    }

    /// The same in the namespace `netnsFD` (a short-lived thread joins it), e.g.
    /// `net.ipv6.conf.eth0.disable_ipv6` in a container's.
    public static func setSysctl(_ key: String, _ value: String, netnsFD: Int32?) throws(HiveError) {
        let rc = hive_sysctl_set_in(netnsFD ?? -1, key, value)
        if rc < 0 { throw error(rc, "cannot set sysctl \(key) to \(value)") }
    }

    public static func sysctl(_ key: String) -> String? { sysctl(key, netnsFD: nil) }

    /// A sysctl's value in the namespace `netnsFD` (nil: the caller's); nil if it cannot be read.
    public static func sysctl(_ key: String, netnsFD: Int32?) -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        let rc = buf.withUnsafeMutableBufferPointer { hive_sysctl_get_in(netnsFD ?? -1, key, $0.baseAddress, $0.count) }
        return rc < 0 ? nil : String(cString: buf)
    }

    /// Whether `port` can be bound on `ip` (nil: any address) for `proto` right now.
    /// Any address: both 0.0.0.0 and [::] (where the host has IPv6) must be free.
    public static func portIsFree(_ proto: PortProtocol, ip: IPAddress?, port: UInt16) -> Bool {
        let p: Int32 = proto == .tcp ? 6 : 17
        guard let ip else {
            let v6 = hive_port_free(p, 6, nil, port)
            return hive_port_free(p, 4, nil, port) == 1 && (v6 == 1 || v6 == -EAFNOSUPPORT)
        }
        return ip.bytes.withUnsafeBufferPointer { hive_port_free(p, ip.family == .v4 ? 4 : 6, $0.baseAddress, port) } == 1
    }
}

extension Netlink {
    /// A failed call as a HiveError: what failed, errno's text, the kernel's own words if any.
    static func error(_ rc: Int32, _ what: String, kernel: String = "") -> HiveError {
        let code: HiveError.Code = switch -rc {
        case EEXIST, EBUSY: .conflict
        case ENODEV, ENOENT: .notFound
        case EPERM, EACCES: .denied
        case EINVAL: .invalidArgument
        default: .io
        }
        let text = String(cString: strerror(-rc))
        return HiveError(code, what, cause: kernel.isEmpty ? text : "\(text) (\(kernel))")
    }

    /// Runs a C call with an error buffer; throws unless it returned >= 0 or one of `ok` (as -errno).
    static func check(_ what: @autoclosure () -> String, ok: [Int32] = [],
                      _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(HiveError) {
        var buf = [CChar](repeating: 0, count: 256)
        let rc = buf.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if rc >= 0 || ok.contains(-rc) { return }
        throw error(rc, what(), kernel: String(cString: buf))
    }

    /// A dump into a buffer that grows until everything fits.
    static func dump<T>(_ what: String, _ type: T.Type,
                        _ body: (UnsafeMutablePointer<T>, Int32, UnsafeMutablePointer<CChar>, Int) -> Int32) throws(HiveError) -> [T] {
        var capacity = 64
        while true {
            var err = [CChar](repeating: 0, count: 256)
            let out = UnsafeMutablePointer<T>.allocate(capacity: capacity)
            defer { out.deallocate() }
            let rc = err.withUnsafeMutableBufferPointer { body(out, Int32(capacity), $0.baseAddress!, $0.count) }
            if rc < 0 { throw error(rc, "cannot list the \(what)", kernel: String(cString: err)) }
            if Int(rc) <= capacity { return Array(UnsafeBufferPointer(start: out, count: Int(rc))) }
            capacity = Int(rc) + 16
        }
    }

    /// A fixed C char array as a String.
    static func string<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

