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
    /// `-p 8000-8010:80` (a host range for one container port): hostPort is 0 and the
    /// engine picks one free host port inside this range (Docker's behaviour); nil otherwise.
    public var hostRange: ClosedRange<UInt16>?
    public init(proto: PortProtocol, hostIP: IPAddress?, hostPort: UInt16, containerPort: UInt16) {
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerPort = containerPort
    }
    public init(proto: PortProtocol, hostIP: IPAddress?, hostRange: ClosedRange<UInt16>, containerPort: UInt16) {
        self.init(proto: proto, hostIP: hostIP, hostPort: 0, containerPort: containerPort)
        self.hostRange = hostRange
    }

    /// Whether both would take the same host port: same protocol and port, and the
    /// same address or either on every address (nil, 0.0.0.0 or ::).
    public func clashes(with o: PortMapping) -> Bool {
        guard proto == o.proto, hostPort != 0, hostPort == o.hostPort else { return false }
        guard let a = hostIP, !a.isUnspecified, let b = o.hostIP, !b.isUnspecified else {
            // "every address" clashes with anything of its family (nil: both families)
            let fa = hostIP.map { [$0.family] } ?? [.v4, .v6]
            let fb = o.hostIP.map { [$0.family] } ?? [.v4, .v6]
            return fa.contains(where: fb.contains)
        }
        return a == b
    }
}

public enum PortSpec {
    /// Parses one `-p` value; throws a one-line error naming it.
    public static func parse(_ spec: String) throws(HiveError) -> [PortMapping] {
        func bad(_ why: String) -> HiveError {
            HiveError(.invalidArgument, "invalid port specification \"\(spec)\": \(why)")
        }
        let (rest, proto) = try splitProto(spec, bad)
        // IP, host port, container port (Docker's splitParts; an IPv6 address in brackets)
        var ipText = "", hostText = "", containerText = ""
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("missing \"]\" after the IPv6 address") }
            ipText = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            let parts = after.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].isEmpty else { throw bad("expected [IPv6]:HOSTPORT:CONTAINERPORT") }
            hostText = String(parts[1])
            containerText = String(parts[2])
        } else {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1: containerText = parts[0]
            case 2: hostText = parts[0]; containerText = parts[1]
            case 3: ipText = parts[0]; hostText = parts[1]; containerText = parts[2]
            default:  // an IPv6 address without brackets, as Docker takes it
                ipText = parts[0..<(parts.count - 2)].joined(separator: ":")
                hostText = parts[parts.count - 2]
                containerText = parts[parts.count - 1]
            }
        }
        var hostIP: IPAddress?
        if !ipText.isEmpty {
            guard let ip = IPAddress(ipText) else { throw bad("\"\(ipText)\" is not an IP address") }
            hostIP = ip
        }
        guard !containerText.isEmpty else { throw bad("no container port given") }
        guard let cr = range(containerText) else { throw bad("container port \"\(containerText)\" is not a port or range of ports 1-65535") }
        var hr: ClosedRange<UInt16>?
        if !hostText.isEmpty {
            guard let r = range(hostText) else { throw bad("host port \"\(hostText)\" is not a port or range of ports 1-65535") }
            hr = r
        }
        if let hr, hr.count != cr.count {
            guard cr.count == 1 else {
                throw bad("the host range \(hostText) and the container range \(containerText) have different lengths")
            }
            return [PortMapping(proto: proto, hostIP: hostIP, hostRange: hr, containerPort: cr.lowerBound)]
        }
        return cr.enumerated().map { i, c in
            PortMapping(proto: proto, hostIP: hostIP, hostPort: hr.map { $0.lowerBound + UInt16(i) } ?? 0, containerPort: c)
        }
    }

    /// Parses an EXPOSE entry (`80`, `80/tcp`, `53/udp`, `8000-8002`).
    public static func parseExposed(_ spec: String) throws(HiveError) -> [(port: UInt16, proto: PortProtocol)] {
        func bad(_ why: String) -> HiveError {
            HiveError(.invalidArgument, "invalid exposed port \"\(spec)\": \(why)")
        }
        let (rest, proto) = try splitProto(spec, bad)
        guard let r = range(rest) else { throw bad("\"\(rest)\" is not a port or range of ports 1-65535") }
        return r.map { (port: $0, proto: proto) }
    }

    // parts

    private static func splitProto(_ spec: String, _ bad: (String) -> HiveError) throws(HiveError) -> (String, PortProtocol) {
        guard !spec.isEmpty else { throw bad("empty") }
        guard let slash = spec.lastIndex(of: "/") else { return (spec, .tcp) }
        let name = spec[spec.index(after: slash)...].lowercased()
        let rest = String(spec[..<slash])
        switch name {
        case "", "tcp": return (rest, .tcp)
        case "udp": return (rest, .udp)
        case "sctp": throw bad("protocol sctp is not supported (use tcp or udp)")
        default: throw bad("unknown protocol \"\(name)\" (use tcp or udp)")
        }
    }

    /// `80` or `8000-8002` (1-65535, start <= end).
    static func range(_ text: String) -> ClosedRange<UInt16>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let a = port(parts[0]) else { return nil }
        guard parts.count == 2 else { return a...a }
        guard let b = port(parts[1]), a <= b else { return nil }
        return a...b
    }

    private static func port(_ s: Substring) -> UInt16? {
        guard !s.isEmpty, s.count <= 5, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let v = Int(s), v >= 1, v <= 65535 else { return nil }
        return UInt16(v)
    }
}
