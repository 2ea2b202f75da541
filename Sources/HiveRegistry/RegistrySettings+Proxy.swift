// Proxies from the environment, as Go's net/http (so Docker and Podman)
// reads them: HTTPS_PROXY for https requests, HTTP_PROXY for http ones
// (upper case first, then lower case), NO_PROXY for the hosts that go
// direct. Loopback never goes through a proxy.
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
        if ProxySettings.isLoopback(host) { return true }
        let ip = IPAddress(host)
        for entry in noProxy {
            if entry == "*" { return true }
            if entry.contains("/") {
                if ProxySettings.inRange(host, entry) { return true }
                continue
            }
            var (eh, ep) = ProxySettings.splitHostPort(entry)
            if ep != nil && ep != port { continue }
            if let eip = IPAddress(eh) {
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

extension ProxySettings {
    /// localhost, 127.0.0.0/8, ::1, ::ffff:127.x.y.z (HivePlatform's IPAddress parses).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        return IPAddress(host)?.isLoopback ?? false
    }

    /// Whether `host` is an address inside the CIDR range `range` (host bits allowed, as Go's).
    static func inRange(_ host: String, _ range: String) -> Bool {
        guard let r = Subnet(masking: range), let ip = IPAddress(host) else { return false }
        return r.contains(ip)
    }
}
