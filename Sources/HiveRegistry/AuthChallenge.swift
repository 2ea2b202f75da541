// WWW-Authenticate (RFC 7235) as registries send it: `Bearer realm="...",
// service="...",scope="..."` or `Basic realm="..."`. Pure: parsed here,
// acted on by RegistryClient+Auth. Quoted values may hold commas and
// escaped quotes (`scope="repository:a:pull,push"`).

/// One challenge of a WWW-Authenticate header.
struct AuthChallenge: Sendable, Equatable {
    /// Lower-cased: `bearer`, `basic`.
    var scheme: String
    /// Parameters by lower-cased name (`realm`, `service`, `scope`, `error`).
    var parameters: [String: String]

    var realm: String? { parameters["realm"] }
    var service: String? { parameters["service"] }
    var scope: String? { parameters["scope"] }

    /// Every challenge in `header` (several may share one header, comma-separated).
    static func parse(_ header: String) -> [AuthChallenge] {
        var out: [AuthChallenge] = []
        var s = Substring(header)
        while true {
            skip(&s, while: { $0 == " " || $0 == "\t" || $0 == "," })
            let scheme = token(&s)
            if scheme.isEmpty { break }
            var params: [String: String] = [:]
            // Parameters: name=value pairs until the next bare token (a new scheme).
            while true {
                skip(&s, while: { $0 == " " || $0 == "\t" || $0 == "," })
                let save = s
                let name = token(&s)
                skip(&s, while: { $0 == " " || $0 == "\t" })
                guard !name.isEmpty, s.first == "=" else { s = save; break }
                s.removeFirst()
                skip(&s, while: { $0 == " " || $0 == "\t" })
                params[name.lowercased()] = s.first == "\"" ? quoted(&s) : token(&s)
            }
            out.append(AuthChallenge(scheme: scheme.lowercased(), parameters: params))
        }
        return out
    }

    private static func skip(_ s: inout Substring, while pred: (Character) -> Bool) {
        while let c = s.first, pred(c) { s.removeFirst() }
    }

    /// An RFC 7230 token (token68's `/`, `+`, `=` padding not needed by registries).
    private static func token(_ s: inout Substring) -> String {
        var t = ""
        while let c = s.first, c != " ", c != "\t", c != ",", c != "=", c != "\"" {
            t.append(c)
            s.removeFirst()
        }
        return t
    }

    /// A quoted-string from its opening quote; `\x` stands for `x`.
    private static func quoted(_ s: inout Substring) -> String {
        s.removeFirst()
        var t = ""
        while let c = s.first {
            s.removeFirst()
            if c == "\"" { break }
            if c == "\\", let n = s.first { t.append(n); s.removeFirst(); continue }
            t.append(c)
        }
        return t
    }
}

/// The scope a token is asked for (distribution's token spec):
/// `repository:library/busybox:pull` or `...:pull,push`.
struct AuthScope: Sendable, Hashable {
    var repository: String
    var push: Bool
    /// Another repository read from (a cross-repository mount's source).
    var from: String? = nil

    /// Each scope, as the token server's repeated `scope=` parameters.
    var scopes: [String] {
        ["repository:" + repository + (push ? ":pull,push" : ":pull")] + (from.map { ["repository:" + $0 + ":pull"] } ?? [])
    }
    /// All of them, space-separated (a cache key, the form RFC 6749 uses).
    var text: String { scopes.joined(separator: " ") }
}
