// Proxies from the environment, as Go's net/http (so Docker and Podman)
// reads them: HTTPS_PROXY for https requests, HTTP_PROXY for http ones
// (upper case first, then lower case), NO_PROXY for the hosts that go
// direct. Loopback never goes through a proxy.
import Glibc
import HivePlatform

/// Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lower-case forms).
public struct ProxySettings: Sendable, Equatable {
    public var httpsProxy: String?
    public var httpProxy: String?
    /// NO_PROXY's entries, lower case: `*`, `example.com` (and its
    /// subdomains), `.example.com` or `*.example.com` (subdomains only), any
    /// of these with `:port`, an IP, a CIDR range.
    public var noProxy: [String] = []
    public init() {}

    public init(environment env: [String: String]) {
        func get(_ name: String) -> String? {
            for n in [name, name.lowercased()] { if let v = env[n], !v.isEmpty { return v } }
            return nil
        }
        httpsProxy = get("HTTPS_PROXY")
        httpProxy = get("HTTP_PROXY")
        noProxy = (get("NO_PROXY") ?? "").split(separator: ",").map { $0.trimmed.lowercased() }.filter { !$0.isEmpty }
    }

    /// The proxy for a request to `hostPort` over `scheme`, or nil to go direct.
    public func proxy(scheme: String, hostPort: String) -> String? {
        guard let p = scheme == "http" ? httpProxy : httpsProxy else { return nil }
        return bypass(hostPort, defaultPort: scheme == "http" ? "80" : "443") ? nil : p
    }

    /// `hostPort` goes direct: loopback, or NO_PROXY names it.
    public func bypass(_ hostPort: String, defaultPort: String = "443") -> Bool {
        let (h, p) = ProxySettings.splitHostPort(hostPort.lowercased())
        let host = h.hasSuffix(".") ? String(h.dropLast()) : h
        let port = p ?? defaultPort
        if IPAddress.isLoopback(host) { return true }
        let ip = IPAddress.parse(host)
        for entry in noProxy {
            if entry == "*" { return true }
            if entry.contains("/") {
                if let range = IPAddress.cidr(entry), range.contains(host) { return true }
                continue
            }
            var (eh, ep) = ProxySettings.splitHostPort(entry)
            if ep != nil && ep != port { continue }
            if let eip = IPAddress.parse(eh) {
                if let ip, ip == eip { return true }
                continue
            }
            if eh.hasPrefix("*.") { eh.removeFirst() }
            if eh.hasSuffix(".") { eh.removeLast() }
            if eh.hasPrefix(".") {
                if host.hasSuffix(eh) { return true }
            } else if host == eh || host.hasSuffix("." + eh) {
                return true
            }
        }
        return false
    }

    /// `host:port`, `[v6]:port`, `host`, `[v6]`, `v6` -> host (no brackets) and port.
    static func splitHostPort(_ s: String) -> (host: String, port: String?) {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            return (host, after.hasPrefix(":") ? String(after.dropFirst()) : nil)
        }
        let colons = s.filter { $0 == ":" }.count
        if colons == 1, let c = s.firstIndex(of: ":") { return (String(s[..<c]), String(s[s.index(after: c)...])) }
        return (s, nil)
    }
}

/// IPv4 and IPv6 addresses as bytes (inet_pton), CIDR ranges, loopback.
enum IPAddress {
    /// 4 or 16 bytes, or nil if `s` is not an address.
    static func parse(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    struct Range {
        var base: [UInt8]
        var bits: Int
        func contains(_ host: String) -> Bool {
            guard let ip = IPAddress.parse(host), ip.count == base.count else { return false }
            var left = bits
            for i in 0..<ip.count where left > 0 {
                let n = min(8, left)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - n))
                if ip[i] & mask != base[i] & mask { return false }
                left -= n
            }
            return true
        }
    }

    /// `10.0.0.0/8`, `fd00::/8`; nil if malformed.
    static func cidr(_ s: String) -> Range? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let base = parse(String(parts[0])), let bits = Int(parts[1]),
              (0...(base.count * 8)).contains(bits) else { return nil }
        return Range(base: base, bits: bits)
    }

    /// localhost, 127.0.0.0/8, ::1, ::ffff:127.x.y.z.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        guard let ip = parse(host) else { return false }
        if ip.count == 4 { return ip[0] == 127 }
        if ip == [UInt8](repeating: 0, count: 15) + [1] { return true }
        return ip[0..<10].allSatisfy { $0 == 0 } && ip[10] == 0xFF && ip[11] == 0xFF && ip[12] == 127
    }
}
