// rtnetlink through CHiveNet: links (bridge, veth pairs), addresses, routes,
// in the host's namespace or in a container's (a socket opened inside it).
import HivePlatform

public enum Netlink {
    /// One NETLINK_ROUTE socket, bound to the namespace it was opened in.
    public final class Socket {
        /// A socket in the caller's namespace, or in the namespace `netnsFD` refers to.
        public init(netnsFD: Int32? = nil) throws(HiveError) { fatalError("groundwork (helper netlink)") }
        /// A link's index by name; nil if there is none.
        public func index(of name: String) -> Int32? { fatalError("groundwork (helper netlink)") }
        /// Makes a bridge (an existing one of that name is fine).
        public func addBridge(_ name: String, mtu: UInt32?) throws(HiveError) { fatalError("groundwork (helper netlink)") }
        /// Makes a veth pair: `name` here, `peer` created directly in the namespace `peerNetnsFD`, with `peerMAC`.
        public func addVeth(_ name: String, peer: String, peerNetnsFD: Int32, peerMAC: MACAddress?, mtu: UInt32?) throws(HiveError) {
            fatalError("groundwork (helper netlink)")
        }
        /// Sets a link up (or down) and, with `master`, enslaves it to that link.
        public func setLink(_ index: Int32, up: Bool, master: Int32? = nil) throws(HiveError) { fatalError("groundwork (helper netlink)") }
        /// Deletes a link by name; a missing one is fine.
        public func deleteLink(_ name: String) throws(HiveError) { fatalError("groundwork (helper netlink)") }
        /// Adds an address (an existing one is fine).
        public func addAddress(_ index: Int32, _ ip: IPAddress, prefix: Int) throws(HiveError) { fatalError("groundwork (helper netlink)") }
        /// Adds a route (nil destination: the default route).
        public func addRoute(to destination: Subnet?, via gateway: IPAddress?, index: Int32) throws(HiveError) {
            fatalError("groundwork (helper netlink)")
        }
        /// The destinations of the namespace's routes of `family` (for subnet overlap checks).
        public func routes(_ family: IPFamily) throws(HiveError) -> [Subnet] { fatalError("groundwork (helper netlink)") }
        /// Every link: index and name.
        public func links() throws(HiveError) -> [(index: Int32, name: String)] { fatalError("groundwork (helper netlink)") }
    }

    /// Writes a sysctl of the caller's network namespace (`net.ipv4.ip_forward`, ...), by fd, no subprocess.
    public static func setSysctl(_ key: String, _ value: String) throws(HiveError) { fatalError("groundwork (helper netlink)") }
    public static func sysctl(_ key: String) -> String? { fatalError("groundwork (helper netlink)") }
    /// Whether `port` can be bound on `ip` (nil: any address) for `proto` right now.
    public static func portIsFree(_ proto: PortProtocol, ip: IPAddress?, port: UInt16) -> Bool { fatalError("groundwork (helper netlink)") }
}
