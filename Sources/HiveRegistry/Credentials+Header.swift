// The Engine API's `X-Registry-Auth` header (pull, push) and
// `X-Registry-Config` (build): base64url JSON of Docker's AuthConfig
// (`username`, `password`, `auth`, `identitytoken`, `serveraddress`), the
// credentials a client sends for one request. `{}` (`e30=`) is none.
import HivePlatform

extension Credentials {
    /// One AuthConfig object: its server (nil when it names none) and credentials (nil when it has none).
    public static func fromAuthConfig(_ o: [String: JSONValue]) throws(HiveError) -> (server: String?, credentials: Credentials?) {
        let server = o["serveraddress"]?.stringValue.flatMap { $0.isEmpty ? nil : registryKey($0) }
        var user = o["username"]?.stringValue ?? "", password = o["password"]?.stringValue ?? ""
        if user.isEmpty, let auth = o["auth"]?.stringValue, !auth.isEmpty {
            guard let raw = Base64.decode(auth), let colon = raw.firstIndex(of: UInt8(ascii: ":")) else {
                throw HiveError(.invalidArgument, "invalid registry credentials: \"auth\" is not base64 of user:password")
            }
            user = String(decoding: raw[..<colon], as: UTF8.self)
            password = String(decoding: raw[(colon + 1)...], as: UTF8.self)
        }
        let token = o["identitytoken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        guard !user.isEmpty || token != nil else { return (server, nil) }
        return (server, Credentials(username: user, password: password, identityToken: token))
    }

    /// `X-Registry-Auth`: one AuthConfig; nil for none (absent, empty or `{}`).
    public static func fromRegistryAuthHeader(_ header: String?) throws(HiveError) -> (server: String?, credentials: Credentials)? {
        guard let o = try decodeHeader(header, name: "X-Registry-Auth") else { return nil }
        let (server, creds) = try fromAuthConfig(o)
        return creds.map { (server, $0) }
    }

    /// `X-Registry-Config`: server → AuthConfig; the credentials by registry key.
    public static func fromRegistryConfigHeader(_ header: String?) throws(HiveError) -> [String: Credentials] {
        guard let o = try decodeHeader(header, name: "X-Registry-Config") else { return [:] }
        var out: [String: Credentials] = [:]
        for (k, v) in o {
            guard let entry = v.objectValue, let c = try fromAuthConfig(entry).credentials else { continue }
            out[registryKey(k)] = c
        }
        return out
    }

    static func decodeHeader(_ header: String?, name: String) throws(HiveError) -> [String: JSONValue]? {
        guard let h = header?.trimmed, !h.isEmpty else { return nil }
        guard let raw = Base64.decode(h) else { throw HiveError(.invalidArgument, "invalid \(name) header: not base64url") }
        guard let v = try? JSONValue.parse(raw), let o = v.objectValue else {
            throw HiveError(.invalidArgument, "invalid \(name) header: not a JSON object")
        }
        return o.isEmpty ? nil : o
    }
}

/// Credentials a request brought, looked up before the stored ones.
public struct RequestCredentials: CredentialSource {
    /// By registry key; "" applies to every registry (an AuthConfig without `serveraddress`).
    public var byRegistry: [String: Credentials]
    public var fallback: (any CredentialSource)?
    public init(_ byRegistry: [String: Credentials], fallback: (any CredentialSource)?) {
        self.byRegistry = byRegistry
        self.fallback = fallback
    }

    public func credentials(for registry: String) throws(HiveError) -> Credentials? {
        if let c = byRegistry[Credentials.registryKey(registry)] ?? byRegistry[""] { return c }
        return try fallback?.credentials(for: registry)
    }
}
