// Registry auth (distribution's token spec): on a 401 the client reads
// WWW-Authenticate; for Bearer it asks the realm for a token with service and
// scope (Basic auth to the token server when there are credentials,
// anonymous otherwise), for Basic it sends the credentials; the request is
// sent once more with the result. Authorization values are cached for the
// command by (host, scope) and tokens by (realm, service, scope), so later
// requests do not meet the 401 again. Secrets go in headers only, never in a
// log line or an error message.
import AsyncHTTPClient
import HiveOCI
import HivePlatform
import NIOCore
import NIOHTTP1

extension RegistryClient {
    func authKey(_ ep: RegistryEndpoint, _ scope: AuthScope?) -> String { ep.host + "|" + (scope?.text ?? "") }

    func cachedAuthorization(_ ep: RegistryEndpoint, _ scope: AuthScope?) -> String? {
        state.withLock { s in s.authorization[authKey(ep, scope)] ?? s.authorization[ep.host + "|basic"] }
    }

    /// Credentials for `domain`: the ones a login gave, else the credential source's.
    func credentialsFor(_ domain: String) throws(HiveError) -> Credentials? {
        if let c = state.withLock({ $0.loginCredentials[domain] }) { return c }
        return try credentials?.credentials(for: domain)
    }

    /// Answers the challenges of a 401 for `scope`: stores the Authorization to
    /// send (the caller sends its request again). `refused` is the 401's body.
    func authorize(_ challenges: [AuthChallenge], _ ep: RegistryEndpoint, _ scope: AuthScope?, domain: String,
                   refused: [UInt8]) throws(HiveError) {
        let creds = try credentialsFor(domain)
        let key = authKey(ep, scope)
        // A 401 despite a cached token: it expired; ask for a new one.
        let stale = state.withLock { s in
            defer { s.authorization[key] = nil; s.authorization[ep.host + "|basic"] = nil }
            return s.authorization[key] != nil
        }
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer.realm {
            let scopes = scope?.scopes ?? bearer.scope.map { [$0] } ?? []
            let token = try bearerToken(realm: realm, service: bearer.service, scopes: scopes, credentials: creds, domain: domain, fresh: stale)
            state.withLock { $0.authorization[key] = "Bearer " + token }
            return
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            guard let creds else {
                throw HiveError(.auth, "\(domain) requires a login\(scope.map { " for " + $0.repository } ?? "") (hive login \(domain))")
            }
            state.withLock { $0.authorization[ep.host + "|basic"] = RegistryClient.basic(creds) }
            return
        }
        let words = RegistryErrorBody.parse(refused)?.summary ?? "no challenge it understands"
        throw HiveError(.auth, "\(domain) refused the request: \(words) (hive login \(domain))")
    }

    static func basic(_ c: Credentials) -> String {
        "Basic " + base64(Array((c.username + ":" + c.password).utf8))
    }

    /// A token from `realm` for `scope`, cached for the command.
    func bearerToken(realm: String, service: String?, scopes: [String], credentials creds: Credentials?, domain: String, fresh: Bool = false) throws(HiveError) -> String {
        let cacheKey = realm + "|" + (service ?? "") + "|" + scopes.joined(separator: " ") + "|" + (creds?.username ?? "")
        if !fresh, let t = state.withLock({ $0.tokens[cacheKey] }) { return t }
        guard realm.hasPrefix("https://") || realm.hasPrefix("http://") else {
            throw HiveError(.auth, "\(domain) names a token server that is not a URL (\(RegistryClient.redact(realm)))")
        }
        let realmHost = RegistryClient.schemeAndHost(realm).host
        if realm.hasPrefix("http://"), !settings.mayUsePlainHTTP(realmHost) {
            throw HiveError(.auth, "\(domain) sends credentials to a token server over plain http (\(RegistryClient.redact(realm))); list it insecure to allow that")
        }
        var query: [String] = []
        if let service { query.append("service=" + RegistryClient.queryEscape(service)) }
        query += scopes.map { "scope=" + RegistryClient.queryEscape($0) }
        var url = realm
        if !query.isEmpty { url += (realm.contains("?") ? "&" : "?") + query.joined(separator: "&") }
        var headers = HTTPHeaders([("User-Agent", "hive")])
        if let creds, !creds.password.isEmpty || !creds.username.isEmpty {
            headers.add(name: "Authorization", value: RegistryClient.basic(creds))
        }
        var attempt = 0
        while true {
            let r = try send(method: .GET, url: url, headers: headers, body: nil, skipVerify: settings.isInsecure(realmHost))
            let body: [UInt8]
            do throws(HTTPFailure) { body = try r.exchange.body(limit: 1 << 20) } catch { throw transportError(error, url: url) }
            if (r.status >= 500 || r.status == 429), attempt < RegistryClient.retryDelaysMillis.count {
                RegistryClient.sleepMillis(RegistryClient.retryDelaysMillis[attempt])
                attempt += 1
                continue
            }
            guard r.status == 200 else {
                let words = RegistryErrorBody.parse(body)?.summary ?? RegistryClient.printable(body, or: "HTTP \(r.status)")
                if r.status == 401 || r.status == 403 {
                    if creds != nil {
                        throw HiveError(.auth, "authentication to \(domain) failed: \(words) (check the user name and password: hive login \(domain))")
                    }
                    throw HiveError(.auth, "\(domain) refused anonymous access: \(words) (hive login \(domain))")
                }
                throw HiveError(.unavailable, "the token server of \(domain) answered HTTP \(r.status): \(words)")
            }
            guard let doc = try? JSONValue.parse(body),
                  let token = doc["token"]?.stringValue ?? doc["access_token"]?.stringValue, !token.isEmpty else {
                throw HiveError(.auth, "the token server of \(domain) sent no token")
            }
            state.withLock { $0.tokens[cacheKey] = token }
            return token
        }
    }

    /// A short printable excerpt of a non-JSON error body.
    static func printable(_ bytes: [UInt8], or fallback: String) -> String {
        let s = String(decoding: bytes.prefix(200), as: UTF8.self)
            .unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init)
        let t = String(s).trimmingSpacesString()
        return t.isEmpty ? fallback : t
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[((b0 & 3) << 4) | (b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[((b1 & 15) << 2) | (b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[b2 & 63] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
