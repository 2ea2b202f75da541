// The client's HTTP: AsyncHTTPClient made lazily (only verbs that talk to a
// registry pay for it), one event loop, per-host TLS (system CAs plus
// certs.d), proxies from the environment, and `perform`: one request with
// the registry's auth, redirects followed by hand (Authorization dropped on
// another host, ~10 hops at most) and retries with backoff on connection
// errors, 5xx and 429 for requests that may be repeated.
import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import HiveOCI
import HivePlatform
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One request as the client builds it.
struct RegistryCall {
    var method: HTTPMethod
    /// `/v2/...` under the endpoint, or an absolute URL (a Location).
    var path: String
    var headers: [(String, String)] = []
    var body: [UInt8]? = nil
    /// The token scope asked for on a 401.
    var scope: AuthScope?
    /// May be sent again after a connection error, a 5xx or a 429 (not a POST or PATCH).
    var repeatable: Bool = true
    var followRedirects: Bool = true
}

/// A response whose head arrived; its body is read from `exchange`.
struct RegistryResponse {
    var exchange: HTTPExchange
    var head: HTTPResponseHead
    /// The URL that answered (after redirects).
    var url: String
    var status: Int { Int(head.status.code) }
    func header(_ name: String) -> String? { head.headers.first(name: name) }
}

/// A failure below HTTP (connection, TLS, stall), as a HiveError's cause: it
/// lets the caller fall back from https to http on a host where that is allowed.
struct TransportFailure: Error, CustomStringConvertible {
    var text: String
    var isTLS: Bool
    var description: String { text }
}

extension RegistryClient {
    static let maxRedirects = 10
    static let retryDelaysMillis = [200, 400, 800]

    /// The HTTPClient for requests through `proxy` ("" = direct), made on first use.
    func httpClient(proxy: String) -> HTTPClient {
        state.withLock { s in
            if let c = s.clients[proxy] { return c }
            let group = s.group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
            s.group = group
            var conf = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .nanoseconds(timeouts.connectNanos), read: .nanoseconds(timeouts.stallNanos)),
                proxy: RegistryClient.proxyServer(proxy),
                decompression: .disabled)
            conf.connectionPool.idleTimeout = .seconds(60)
            // Fail a connection at once (refused, unreachable): `perform` retries with its own backoff.
            conf.connectionPool.retryConnectionEstablishment = false
            let c = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: conf)
            s.clients[proxy] = c
            return c
        }
    }

    private static func proxyServer(_ text: String) -> HTTPClient.Configuration.Proxy? {
        guard !text.isEmpty else { return nil }
        var rest = Substring(text)
        if let r = rest.firstRange(of: "://") { rest = rest[r.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var auth: HTTPClient.Authorization?
        if let at = rest.lastIndex(of: "@") {
            let cred = rest[..<at].split(separator: ":", maxSplits: 1).map { percentDecode(String($0)) }
            auth = .basic(username: cred.first ?? "", password: cred.count > 1 ? cred[1] : "")
            rest = rest[rest.index(after: at)...]
        }
        let (host, port) = ProxySettings.splitHostPort(String(rest))
        return .server(host: host, port: port.flatMap { Int($0) } ?? 3128, authorization: auth)
    }

    /// The proxy for `url` ("" for none), by the settings' HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
    func proxy(for url: String) -> String {
        let (scheme, hostPort) = RegistryClient.schemeAndHost(url)
        return settings.proxy.proxy(scheme: scheme, hostPort: hostPort) ?? ""
    }

    /// The TLS configuration for `hostPort` (system CAs, certs.d CAs and client certificate), cached per host.
    func tlsConfiguration(_ hostPort: String, skipVerify: Bool) throws(HiveError) -> TLSConfiguration {
        let key = hostPort + (skipVerify ? " insecure" : "")
        if let t = state.withLock({ $0.tls[key] }) { return t }
        var t = TLSConfiguration.makeClientConfiguration()
        let files = try settings.tlsFiles(for: hostPort)
        t.additionalTrustRoots = files.caFiles.map { .file($0) }
        if let cert = files.clientCertificate, let key = files.clientKey {
            t.certificateChain = [.file(cert)]
            t.privateKey = .file(key)
        }
        if skipVerify { t.certificateVerification = .none }
        state.withLock { $0.tls[key] = t }
        return t
    }

    /// Sends one request and waits for its head; a failure below HTTP is a `TransportFailure`.
    func send(method: HTTPMethod, url: String, headers: HTTPHeaders, body: [UInt8]?, skipVerify: Bool) throws(HiveError) -> RegistryResponse {
        let hostPort = RegistryClient.schemeAndHost(url).host
        let tls = url.hasPrefix("https:") ? try tlsConfiguration(hostPort, skipVerify: skipVerify) : nil
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: method, headers: headers,
                                             body: body.map { .bytes($0) }, tlsConfiguration: tls)
        } catch {
            throw HiveError(.invalid, "cannot make a request to \(url)", cause: "\(error)")
        }
        let exchange = HTTPExchange(url: url, stallNanos: timeouts.stallNanos)
        exchange.attach(httpClient(proxy: proxy(for: url)).execute(request: request, delegate: exchange))
        do {
            let head = try exchange.responseHead(within: timeouts.connectNanos + timeouts.stallNanos)
            return RegistryResponse(exchange: exchange, head: head, url: url)
        } catch {
            throw transportError(error, url: url)
        }
    }

    func transportError(_ f: HTTPFailure, url: String) -> HiveError {
        let host = RegistryClient.schemeAndHost(url).host
        let stall = timeouts.stallNanos >= 1_000_000_000 ? "\(timeouts.stallNanos / 1_000_000_000) s" : "\(timeouts.stallNanos / 1_000_000) ms"
        let stalled = HiveError(.timeout, "\(host) sent nothing for \(stall), timed out (\(RegistryClient.redact(url)))",
                                cause: TransportFailure(text: "stalled", isTLS: false))
        switch f {
        case .stalled:
            return stalled
        case .tooLarge(let n):
            return HiveError(.corrupt, "\(host) sent more than \(n) bytes for \(RegistryClient.redact(url))")
        case .transport(let e):
            if let c = e as? HTTPClientError, c == .readTimeout { return stalled }
            let text = "\(e)"
            let tls = e is NIOSSLError || e is BoringSSLError || text.contains("SSL")
            if tls, text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate") {
                let dir = (settings.certsDirs.first ?? "/etc/hive/certs.d") + "/" + host
                return HiveError(.unavailable, "cannot verify the TLS certificate of \(host): put its CA in \(dir)/ca.crt (certs.d), or list it insecure in hive.toml [registries]",
                                 cause: TransportFailure(text: "certificate verify failed", isTLS: true))
            }
            let words: String
            switch e {
            case let c as HTTPClientError where c == .connectTimeout: words = "connection timed out"
            case let c as HTTPClientError where c == .remoteConnectionClosed: words = "the connection closed"
            case let c as NIOSSLError: words = "TLS: \(c)"
            // the socket layer's own words carry NIO's type names: say what happened
            case _ where text.contains("Connection refused"): words = "connection refused (is a registry listening there?)"
            case _ where text.contains("UnknownHost") || text.contains("Name or service not known"): words = "no such host (the name does not resolve)"
            case _ where text.contains("Network is unreachable"): words = "network unreachable"
            default: words = text
            }
            let code: HiveError.Code = (e as? HTTPClientError) == .connectTimeout ? .timeout : .unavailable
            return HiveError(code, "cannot reach \(host) (\(RegistryClient.redact(url)))", cause: TransportFailure(text: words, isTLS: tls))
        }
    }

    /// One call to endpoint `ep`: auth on a 401, redirects, retries. Returns the
    /// final response whatever its status (the caller reads or maps it).
    func perform(_ call: RegistryCall, on ep: RegistryEndpoint, domain: String) throws(HiveError) -> RegistryResponse {
        var url = call.path.hasPrefix("http://") || call.path.hasPrefix("https://") ? call.path : ep.base + call.path
        let origin = ep.host
        var method = call.method
        var hops = 0, attempt = 0
        var authTried = false
        while true {
            let onOrigin = RegistryClient.schemeAndHost(url).host == origin
            var headers = HTTPHeaders(call.headers)
            if onOrigin, let a = cachedAuthorization(ep, call.scope) { headers.replaceOrAdd(name: "Authorization", value: a) }
            if headers["User-Agent"].isEmpty { headers.add(name: "User-Agent", value: "hive") }
            let r: RegistryResponse
            do throws(HiveError) {
                r = try send(method: method, url: url, headers: headers, body: call.body, skipVerify: ep.skipVerify)
            } catch {
                let f = error.cause as? TransportFailure
                // https to a host that may be plain http: no retries, the http endpoint is next.
                let probing = onOrigin && isProbe(ep)
                if call.repeatable, let f, !f.isTLS, !probing, attempt < RegistryClient.retryDelaysMillis.count {
                    logger.debug("registry: \(RegistryClient.redact(url)): \(f.text); retrying")
                    RegistryClient.sleepMillis(RegistryClient.retryDelaysMillis[attempt])
                    attempt += 1
                    continue
                }
                throw error
            }
            let status = r.status
            if status == 400, onOrigin, ep.scheme == "http", settings.mayUsePlainHTTP(ep.host) {
                // A TLS port answering plain http says so in words, not in the registry's error JSON.
                let body = (try? r.exchange.body(limit: 64 << 10)) ?? []
                if RegistryErrorBody.parse(body) == nil {
                    throw HiveError(.unavailable, "\(ep.host) does not speak plain http", cause: TransportFailure(text: "a TLS port", isTLS: true))
                }
                r.exchange.unread(body)
            }
            if status == 401, onOrigin, !authTried {
                authTried = true
                let challenges = r.head.headers["WWW-Authenticate"].flatMap(AuthChallenge.parse)
                let body = (try? r.exchange.body(limit: 64 << 10)) ?? []
                try authorize(challenges, ep, call.scope, domain: domain, refused: body)
                continue
            }
            if call.followRedirects, [301, 302, 303, 307, 308].contains(status), let loc = r.header("Location") {
                r.exchange.drain()
                hops += 1
                let next = RegistryClient.resolve(loc, against: url)
                guard hops <= RegistryClient.maxRedirects else {
                    throw HiveError(.unavailable, "\(domain) redirected \(RegistryClient.redact(call.path)) in a loop (\(hops) hops, last to \(RegistryClient.redact(next)))")
                }
                if status == 303 { method = method == .HEAD ? .HEAD : .GET }
                url = next
                continue
            }
            if call.repeatable, status >= 500 || status == 429, attempt < RegistryClient.retryDelaysMillis.count {
                var delay = RegistryClient.retryDelaysMillis[attempt]
                if let ra = r.header("Retry-After").flatMap({ Int($0) }), ra >= 0, ra <= 10 { delay = max(delay, ra * 1000) }
                r.exchange.drain()
                logger.debug("registry: \(RegistryClient.redact(url)): HTTP \(status); retrying in \(delay) ms")
                RegistryClient.sleepMillis(delay)
                attempt += 1
                continue
            }
            return r
        }
    }

    static func sleepMillis(_ ms: Int) {
        var ts = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var left = timespec()
        while nanosleep(&ts, &left) == -1 && errno == EINTR { ts = left }
    }
}

extension String {
    func trimmingSpacesString() -> String { String(Substring(self).trimmingSpaces()) }
}
