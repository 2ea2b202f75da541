// Where a registry's requests go (Docker's rules): docker.io is served by
// registry-1.docker.io; mirrors (`settings.mirrors[domain]`) are tried in
// order for pulls before the origin, pushes go to the origin only; https
// first, and plain http only for loopback (127.0.0.0/8, ::1, localhost) and
// hosts listed insecure. Also the URL helpers the client needs (no
// Foundation): host and port, Location resolution, query encoding, redaction.
import HiveOCI
import HivePlatform
#if canImport(Glibc)
import Glibc
#endif

extension RegistryEndpoint {
    /// `https://host[:port]/prefix`.
    var base: String { scheme + "://" + host + pathPrefix }
}

extension RegistryClient {
    /// The endpoints to try for `domain`, in order: mirrors (pulls only), then
    /// the origin; a host that may be plain HTTP appears twice, https first
    /// (Docker's rule; `dialOrder` may ask http first, with the same outcome).
    func endpoints(for domain: String, pull: Bool) -> [RegistryEndpoint] {
        var out: [RegistryEndpoint] = []
        if pull {
            for var m in settings.mirrors(for: domain) {
                if m.pathPrefix.hasSuffix("/v2") { m.pathPrefix.removeLast(3) }
                out += withPlainHTTP(m)
            }
        }
        let host = domain == Reference.defaultDomain ? "registry-1.docker.io" : domain
        out += withPlainHTTP(RegistryEndpoint(host: host, scheme: "https", skipVerify: settings.isInsecure(host)))
        return out
    }

    /// `ep`, and where plain http is allowed the same over http, in the order they are tried.
    private func withPlainHTTP(_ ep: RegistryEndpoint) -> [RegistryEndpoint] {
        guard ep.scheme == "https", settings.mayUsePlainHTTP(ep.host) else { return [ep] }
        var http = ep
        http.scheme = "http"
        http.skipVerify = false
        return [ep, http]
    }

    /// The order endpoints are dialled in: as listed, except that a host
    /// whose scheme is unknown and which `httpFirst` names is asked over http
    /// before https. A port speaks one protocol, so this picks https exactly
    /// when the registry speaks TLS, as the listed order does.
    func dialOrder(_ eps: [RegistryEndpoint]) -> [RegistryEndpoint] {
        var out = eps
        var i = 0
        while i + 1 < out.count {
            if out[i].host == out[i + 1].host, out[i].isMirror == out[i + 1].isMirror,
               out[i].scheme == "https", out[i + 1].scheme == "http", httpFirst(out[i].host) {
                out.swapAt(i, i + 1)
                i += 1
            }
            i += 1
        }
        return out
    }

    /// Loopback is asked over http first: a TLS handshake sent to a plain
    /// registry may hang until the connect timeout (Go's server waits for a
    /// request line), while plain http to a TLS port gets an immediate 400
    /// (see `perform`), so the probe costs nothing either way. Listed
    /// insecure hosts are asked over https first (Docker's rule).
    func httpFirst(_ host: String) -> Bool {
        if state.withLock({ $0.plainHTTP.contains(host) }) { return true }
        return ProxySettings.isLoopback(ProxySettings.splitHostPort(host.lowercased()).host) && !state.withLock { $0.tlsHosts.contains(host) }
    }

    /// The first scheme tried on a host that has two: a failure there moves to the other at once, without retries.
    func isProbe(_ ep: RegistryEndpoint) -> Bool {
        settings.mayUsePlainHTTP(ep.host) && ep.scheme == (httpFirst(ep.host) ? "http" : "https")
    }

    /// Runs `body` on each endpoint in turn until one succeeds: a mirror that
    /// fails falls through to the next; the origin's https falls back to http
    /// (where allowed) only when it could not speak TLS or connect.
    func onEndpoints<T>(_ domain: String, pull: Bool, _ body: (RegistryEndpoint) throws(HiveError) -> T) throws(HiveError) -> T {
        let eps = dialOrder(endpoints(for: domain, pull: pull))
        var skipMirror: String?
        var httpsError: HiveError?
        for (i, ep) in eps.enumerated() where !(ep.isMirror && ep.host == skipMirror) {
            do {
                let v = try body(ep)
                if settings.mayUsePlainHTTP(ep.host) {
                    state.withLock { s in
                        if ep.scheme == "http" { s.plainHTTP.insert(ep.host) } else { s.tlsHosts.insert(ep.host) }
                    }
                }
                return v
            } catch {
                let next = i + 1 < eps.count ? eps[i + 1] : nil
                let sameHostNext = next.map { $0.host == ep.host && $0.isMirror == ep.isMirror } ?? false
                if sameHostNext, let f = error.cause as? TransportFailure {
                    if f.text.contains("CERTIFICATE") || f.text.lowercased().contains("certificate") { httpsError = error }
                    logger.debug("registry: \(ep.base): \(error.description); trying \(next!.scheme)")
                    continue
                }
                if ep.isMirror {
                    logger.warn("mirror \(ep.host) failed for \(domain): \(error.description); trying the next")
                    skipMirror = ep.host
                    continue
                }
                // A TLS server whose certificate is not trusted: that, not what it said to plain http.
                throw ep.scheme == "http" ? httpsError ?? error : error
            }
        }
        throw HiveError(.unavailable, "no endpoint answered for \(domain)")
    }

    // MARK: URL helpers

    /// ("https", "host:port") of an absolute URL.
    static func schemeAndHost(_ url: String) -> (scheme: String, host: String) {
        guard let r = url.firstRange(of: "://") else { return ("", "") }
        let rest = url[r.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return (String(url[..<r.lowerBound]).lowercased(), String(rest[..<end]))
    }

    /// A Location (absolute, host-relative or path-relative) against the URL it came from.
    static func resolve(_ location: String, against url: String) -> String {
        if location.contains("://") { return location }
        let (scheme, host) = schemeAndHost(url)
        if location.hasPrefix("//") { return scheme + ":" + location }
        if location.hasPrefix("/") { return scheme + "://" + host + location }
        var path = url
        if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
        if let slash = path.lastIndex(of: "/"), slash > path.index(path.startIndex, offsetBy: scheme.count + 3) {
            path = String(path[...slash])
        } else {
            path += "/"
        }
        return path + location
    }

    /// A URL without its query (pre-signed URLs carry secrets there).
    static func redact(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return url }
        return String(url[..<q]) + "?..."
    }

    /// A query component: unreserved characters kept, everything else %XX.
    static func queryEscape(_ s: String) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            let alnum = (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)
            if alnum || b == 0x2d || b == 0x5f || b == 0x2e || b == 0x7e {  // - _ . ~
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    static func percentDecode(_ s: String) -> String {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                it = it.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
