// Docker's credential helper protocol (docker-credential-helpers): a
// program `docker-credential-NAME` found in PATH, run with one verb in
// argv and everything else on stdin, never in argv:
//   get    stdin: the server           stdout: {"ServerURL","Username","Secret"}
//   store  stdin: {"ServerURL","Username","Secret"}
//   erase  stdin: the server
// "credentials not found" on stdout (exit 1) means none. A Username of
// `<token>` means Secret is an identity token.
import Glibc
import HivePlatform

public struct CredentialHelper: Sendable {
    /// `pass`, `secretservice`, `ecr-login`...
    public let name: String
    public let path: String
    let environment: [String]
    let timeoutNanos: Int64

    /// The helper `docker-credential-NAME` in PATH; `source` (the config
    /// that names it) is named in the error when it is not there.
    public init(name: String, environment env: [String: String], source: String,
                timeoutNanos: Int64 = 30_000_000_000) throws(HiveError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }), !name.hasPrefix(".") else {
            throw HiveError(.invalidArgument, "\(source) names an invalid credential helper \"\(name)\"")
        }
        let file = "docker-credential-" + name
        let dirs = (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        guard let dir = dirs.first(where: { access($0 + "/" + file, X_OK) == 0 }) else {
            throw HiveError(.notFound, "the credential helper \(file) that \(source) names is not in PATH (install it, or remove it from that file)")
        }
        self.name = name
        path = dir + "/" + file
        environment = env.map { $0.key + "=" + $0.value }.sorted()
        self.timeoutNanos = timeoutNanos
    }

    /// The credentials the helper keeps for `server`, or nil.
    public func get(_ server: String) throws(HiveError) -> Credentials? {
        let r = try run("get", Array(server.utf8))
        if r.status != 0 {
            if (r.stdout + r.stderr).lowercased().contains("credentials not found") { return nil }
            throw failure("get", r)
        }
        guard let doc = try? JSONValue.parse(Array(r.stdout.utf8)), let user = doc["Username"]?.stringValue,
              let secret = doc["Secret"]?.stringValue else {
            throw HiveError(.corrupt, "the credential helper \(path) answered get for \(server) with something other than {\"Username\", \"Secret\"}")
        }
        if user.isEmpty && secret.isEmpty { return nil }
        if user == "<token>" { return Credentials(username: "", password: "", identityToken: secret) }
        return Credentials(username: user, password: secret)
    }

    public func store(_ server: String, _ c: Credentials) throws(HiveError) {
        let (user, secret) = c.identityToken.map { ("<token>", $0) } ?? (c.username, c.password)
        let doc = JSONValue.object(["ServerURL": .string(server), "Username": .string(user), "Secret": .string(secret)])
        let r = try run("store", Array(doc.serialized().utf8))
        guard r.status == 0 else { throw failure("store", r, secret: secret) }
    }

    /// Removes `server`'s credentials; false if the helper had none.
    public func erase(_ server: String) throws(HiveError) -> Bool {
        let r = try run("erase", Array(server.utf8))
        if r.status == 0 { return true }
        if (r.stdout + r.stderr).lowercased().contains("credentials not found") { return false }
        throw failure("erase", r)
    }

    private func run(_ verb: String, _ input: [UInt8]) throws(HiveError) -> HostProcess.RunResult {
        try HostProcess.run([path, verb], environment: environment, stdin: input, timeoutNanos: timeoutNanos,
                            what: "credential helper \(name)")
    }

    /// The helper's own first line of output, without `secret` should it repeat what it was given.
    private func failure(_ verb: String, _ r: HostProcess.RunResult, secret: String = "") -> HiveError {
        var said = (r.stdout.trimmed.isEmpty ? r.stderr : r.stdout).trimmed.split(separator: "\n").first.map { String($0.prefix(200)) }
        if !secret.isEmpty, let s = said, s.contains(secret) { said = "(its message repeats the secret: not shown)" }
        return HiveError(.unavailable, "the credential helper \(path) failed to \(verb) (exit status \(r.status))", cause: said ?? "no message")
    }
}
