// Published and exposed ports as Docker's CLI prints them: the PORTS column
// of `ps` (docker/cli's DisplayablePorts: sorted, consecutive ports of one
// address collapsed into ranges when host and container ports are equal)
// and the lines of `hive port`.
import HiveEngine

enum PortsText {
    /// `0.0.0.0:8080->80/tcp, :::8080->80/tcp`; exposed ports not published as `80/tcp`.
    static func column(_ published: [NetworkInspect.PublishedPort], exposed: [(port: UInt16, proto: String)] = []) -> String {
        struct Port { var ip: String; var privatePort: UInt16; var publicPort: UInt16; var proto: String }
        var ports = published.map { Port(ip: $0.hostIP, privatePort: $0.containerPort, publicPort: $0.hostPort, proto: $0.proto) }
        for e in exposed where !published.contains(where: { $0.containerPort == e.port && $0.proto == e.proto }) {
            ports.append(Port(ip: "", privatePort: e.port, publicPort: 0, proto: e.proto))
        }
        ports.sort {
            ($0.privatePort, $0.ip, $0.publicPort, $0.proto) < ($1.privatePort, $1.ip, $1.publicPort, $1.proto)
        }
        var groups: [String: (first: UInt16, last: UInt16)] = [:]
        var order: [String] = []
        var result: [String] = []
        var hostMappings: [String] = []
        func form(_ key: String, _ g: (first: UInt16, last: UInt16)) -> String {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            var group = String(g.first)
            if g.first != g.last { group += "-\(g.last)" }
            if parts.count > 1 { group = "\(parts[0]):\(group)->\(group)" }
            return group + "/" + parts[parts.count - 1]
        }
        for p in ports {
            var key = p.proto
            if !p.ip.isEmpty {
                if p.publicPort != p.privatePort {
                    hostMappings.append("\(p.ip):\(p.publicPort)->\(p.privatePort)/\(p.proto)")
                    continue
                }
                key = p.ip + "/" + p.proto
            }
            guard let g = groups[key] else {
                groups[key] = (p.privatePort, p.privatePort)
                order.append(key)
                continue
            }
            if p.privatePort == g.last &+ 1 {
                groups[key] = (g.first, p.privatePort)
                continue
            }
            result.append(form(key, g))
            groups[key] = (p.privatePort, p.privatePort)
        }
        for key in order { result.append(form(key, groups[key]!)) }
        return (result + hostMappings).joined(separator: ", ")
    }

    /// `hive port CTR`: `80/tcp -> 0.0.0.0:8080` (IPv6 hosts in brackets);
    /// with `only` (`80/tcp`), the host side of its mappings alone.
    static func lines(_ published: [NetworkInspect.PublishedPort], only: (port: UInt16, proto: String)? = nil) -> [String] {
        let sorted = published.sorted {
            ($0.containerPort, $0.proto, $0.hostIP.contains(":") ? 1 : 0, $0.hostIP, $0.hostPort)
                < ($1.containerPort, $1.proto, $1.hostIP.contains(":") ? 1 : 0, $1.hostIP, $1.hostPort)
        }
        return sorted.compactMap { p in
            let host = (p.hostIP.contains(":") ? "[\(p.hostIP)]" : p.hostIP) + ":\(p.hostPort)"
            guard let only else { return "\(p.containerPort)/\(p.proto) -> " + host }
            return p.containerPort == only.port && p.proto == only.proto ? host : nil
        }
    }
}
