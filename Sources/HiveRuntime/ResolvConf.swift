// A container's /etc/resolv.conf on its own network (Docker's rules): the
// host's nameservers that work from another namespace (no loopback: a
// 127.0.0.53 stub is not there), systemd-resolved's upstream servers when the
// host only has its stub, Docker's fallback servers when nothing is left, the
// host's search and options; `--dns`, `--dns-search`, `--dns-option` replace
// their parts. Pure text in, text out (the caller reads the files). With
// `--network host` the host's file is used as is (ContainerPlanner).
import Glibc
import HivePlatform

public struct ResolvConf: Sendable, Equatable {
    public var nameservers: [String] = []
    public var search: [String] = []
    public var options: [String] = []
    public init(nameservers: [String] = [], search: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.search = search
        self.options = options
    }

    /// Docker's fallback when no usable server is left.
    public static let fallbackV4 = ["8.8.8.8", "8.8.4.4"]
    public static let fallbackV6 = ["2001:4860:4860::8888", "2001:4860:4860::8844"]
    /// systemd-resolved's stub address and the file listing its upstream servers.
    public static let resolvedStub = "127.0.0.53"
    public static let resolvedUpstream = "/run/systemd/resolve/resolv.conf"

    /// Reads resolv.conf(5) text: `nameserver` lines in order, the last `search` or
    /// `domain` line, every `options` line; comments (`#`, `;`) and other keywords skipped.
    public init(parsing text: String) {
        for raw in text.split(separator: "\n") {
            let f = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let key = f.first, !key.hasPrefix("#"), !key.hasPrefix(";") else { continue }
            let args = Array(f.dropFirst().prefix { !$0.hasPrefix("#") && !$0.hasPrefix(";") })
            switch key {
            case "nameserver": if let a = args.first { nameservers.append(a) }
            case "search", "domain": search = args
            case "options": options += args
            default: continue
            }
        }
    }

    /// The file's text: nameserver lines, then search and options if any.
    public var text: String {
        var out = nameservers.map { "nameserver \($0)\n" }.joined()
        if !search.isEmpty { out += "search " + search.joined(separator: " ") + "\n" }
        if !options.isEmpty { out += "options " + options.joined(separator: " ") + "\n" }
        return out
    }

    /// The resolv.conf for a container on a bridge or user network.
    /// - host: the host's resolv.conf text; resolved: systemd-resolved's upstream file's
    ///   text (`resolvedUpstream`), used only when the host's file has nothing but its stub.
    /// - ipv6: the network has IPv6 (IPv6 servers are kept and the IPv6 fallback added).
    /// - dns, dnsSearch, dnsOptions: `--dns` (replaces the servers), `--dns-search`
    ///   (replaces the search list; `.` alone clears it), `--dns-option` (replaces the options).
    /// The values are checked before (NetworkRequest.check: the planner's resolvConf).
    /// `nameservers` of the result: the servers the container uses.
    public static func forContainer(host: String, resolved: String? = nil, ipv6: Bool, dns: [String] = [],
                                    dnsSearch: [String] = [], dnsOptions: [String] = []) -> ResolvConf {
        let h = ResolvConf(parsing: host)
        var out = ResolvConf(nameservers: usable(h.nameservers, ipv6: ipv6), search: h.search, options: h.options)
        if out.nameservers.isEmpty, h.nameservers.contains(resolvedStub), let resolved {
            out.nameservers = usable(ResolvConf(parsing: resolved).nameservers, ipv6: ipv6)
        }
        if out.nameservers.isEmpty { out.nameservers = fallbackV4 + (ipv6 ? fallbackV6 : []) }
        if !dns.isEmpty { out.nameservers = dns }
        if !dnsSearch.isEmpty { out.search = dnsSearch == ["."] ? [] : dnsSearch.filter { $0 != "." } }
        if !dnsOptions.isEmpty { out.options = dnsOptions }
        return out
    }

    /// The servers reachable from a container's namespace: not loopback, IPv6 only with IPv6.
    static func usable(_ servers: [String], ipv6: Bool) -> [String] {
        servers.filter { s in
            guard let ip = address(s), !ip.isLoopback else { return false }
            return ip.family == .v4 || ipv6
        }
    }

    /// An address with an optional `%zone` (a host's link-local server), by HivePlatform's parser.
    private static func address(_ s: String) -> IPAddress? {
        let parts = s.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 && (parts[1].isEmpty || !parts[1].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })) { return nil }
        guard let ip = IPAddress(String(parts[0])), parts.count == 1 || ip.family == .v6 else { return nil }
        return ip
    }
}
