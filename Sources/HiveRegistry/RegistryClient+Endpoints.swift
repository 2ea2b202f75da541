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
    /// (http first once it was found to speak only http in this command).
    func endpoints(for domain: String, pull: Bool) -> [RegistryEndpoint] {
        var out: [RegistryEndpoint] = []
        if pull {
            for m in settings.mirrors[domain] ?? [] {
                out += candidates(m, isMirror: true)
            }
        }
        out += candidates(domain == "docker.io" ? "registry-1.docker.io" : domain, isMirror: false)
        return out
    }

    private func candidates(_ location: String, isMirror: Bool) -> [RegistryEndpoint] {
        var rest = Substring(location)
        var scheme: String?
        if let r = rest.firstRange(of: "://") {
            scheme = String(rest[..<r.lowerBound]).lowercased()
            rest = rest[r.upperBound...]
        }
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            while prefix.hasSuffix("/") { prefix.removeLast() }
            if prefix.hasSuffix("/v2") { prefix.removeLast(3) }
            rest = rest[..<slash]
        }
        let host = String(rest)
        let insecure = isInsecure(host)
        if let scheme { return [RegistryEndpoint(host: host, scheme: scheme, pathPrefix: prefix, skipVerify: insecure && scheme == "https", isMirror: isMirror)] }
        let https = RegistryEndpoint(host: host, scheme: "https", pathPrefix: prefix, skipVerify: false, isMirror: isMirror)
        guard insecure || RegistryClient.isLoopback(RegistryClient.splitHostPort(host).host) else { return [https] }
        let http = RegistryEndpoint(host: host, scheme: "http", pathPrefix: prefix, skipVerify: false, isMirror: isMirror)
        // An insecure (listed) host over https is not verified either (Docker's rule).
        let httpsInsecure = insecure ? RegistryEndpoint(host: host, scheme: "https", pathPrefix: prefix, skipVerify: true, isMirror: isMirror) : https
        return state.withLock { $0.plainHTTP.contains(host) } ? [http, httpsInsecure] : [httpsInsecure, http]
    }

    /// Listed in `settings.insecure` (by host:port or by host).
    func isInsecure(_ hostPort: String) -> Bool {
        let host = RegistryClient.splitHostPort(hostPort).host
        return settings.insecure.contains { $0 == hostPort || $0 == host }
    }

    /// Runs `body` on each endpoint in turn until one succeeds: a mirror that
    /// fails falls through to the next; the origin's https falls back to http
    /// (where allowed) only when it could not speak TLS or connect.
    func onEndpoints<T>(_ domain: String, pull: Bool, _ body: (RegistryEndpoint) throws(HiveError) -> T) throws(HiveError) -> T {
        let eps = endpoints(for: domain, pull: pull)
        var skipMirror: String?
        var httpsError: HiveError?
        for (i, ep) in eps.enumerated() where !(ep.isMirror && ep.host == skipMirror) {
            do {
                let v = try body(ep)
                if ep.scheme == "http" { state.withLock { _ = $0.plainHTTP.insert(ep.host) } }
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

    /// "127.0.0.1", "::1", "localhost" and 127.0.0.0/8.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// ("https", "host:port") of an absolute URL.
    static func schemeAndHost(_ url: String) -> (scheme: String, host: String) {
        guard let r = url.firstRange(of: "://") else { return ("", "") }
        let rest = url[r.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return (String(url[..<r.lowerBound]).lowercased(), String(rest[..<end]))
    }

    /// ("host", port) of "host[:port]" or "[v6]:port".
    static func splitHostPort(_ hp: String) -> (host: String, port: Int?) {
        if hp.hasPrefix("["), let close = hp.firstIndex(of: "]") {
            let host = String(hp[hp.index(after: hp.startIndex)..<close])
            let after = hp[hp.index(after: close)...]
            return (host, after.hasPrefix(":") ? Int(after.dropFirst()) : nil)
        }
        if let colon = hp.lastIndex(of: ":"), hp.firstIndex(of: ":") == colon {
            return (String(hp[..<colon]), Int(hp[hp.index(after: colon)...]))
        }
        return (hp, nil)
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

    /// certs.d for `hostPort`: the first of `settings.certsDirs` that has a
    /// `HOST[:PORT]/` directory gives its `*.crt` CAs and `client.cert`/`client.key`.
    func certsDFiles(_ hostPort: String) -> RegistryTLSFiles {
        var files = RegistryTLSFiles()
        for root in settings.certsDirs {
            let dir = root + "/" + hostPort
            guard let d = opendir(dir) else { continue }
            defer { closedir(d) }
            var names: [String] = []
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                names.append(name)
            }
            for n in names.sorted() {
                if n.hasSuffix(".crt") { files.caFiles.append(dir + "/" + n) }
                if n == "client.cert" { files.clientCertificate = dir + "/" + n }
                if n == "client.key" { files.clientKey = dir + "/" + n }
            }
            break
        }
        return files
    }
}
