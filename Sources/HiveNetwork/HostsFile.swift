// /etc/hosts as Docker writes it: localhost lines, the container's own
// address and hostname, `--add-host` entries, and (user networks) the other
// containers by name and alias, kept current as they come and go.
import HivePlatform

public enum HostsFile {
    public struct Entry: Sendable, Equatable {
        public var ip: IPAddress
        public var names: [String]
        public init(ip: IPAddress, names: [String]) { self.ip = ip; self.names = names }
    }
    /// The whole file: `base` (the planner's: localhost, hostname, --add-host)
    /// then `own` and `peers` entries, one line each, in the order given.
    public static func render(base: String, own: [Entry], peers: [Entry]) -> String { fatalError("groundwork (helper ipam)") }
}
