// Published ports: `-p [IP:][HOSTPORT:]CPORT[/tcp|udp]` with ranges, as Docker
// parses them, and EXPOSE entries for `-P`.
import HivePlatform

public enum PortProtocol: String, Sendable, Hashable { case tcp, udp }

/// One published port (a range is expanded into one mapping per port).
public struct PortMapping: Hashable, Sendable {
    public var proto: PortProtocol
    /// nil: every host address (Docker's 0.0.0.0).
    public var hostIP: IPAddress?
    /// 0: not chosen yet (`-p CPORT`, `-P`): the engine picks a free one.
    public var hostPort: UInt16
    public var containerPort: UInt16
    public init(proto: PortProtocol, hostIP: IPAddress?, hostPort: UInt16, containerPort: UInt16) {
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerPort = containerPort
    }
}

public enum PortSpec {
    /// Parses one `-p` value; throws a one-line error naming it.
    public static func parse(_ spec: String) throws(HiveError) -> [PortMapping] { fatalError("groundwork (helper ipam)") }
    /// Parses an EXPOSE entry (`80`, `80/tcp`, `53/udp`, `8000-8002`).
    public static func parseExposed(_ spec: String) throws(HiveError) -> [(port: UInt16, proto: PortProtocol)] {
        fatalError("groundwork (helper ipam)")
    }
    /// `80/tcp -> 0.0.0.0:8080` (as `docker port` prints).
    public static func describe(_ m: PortMapping) -> String { fatalError("groundwork (helper ipam)") }
}
