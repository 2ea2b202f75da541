// The Bearer flow against a real registry: docker-registry with token auth,
// and a test's own token server (python3, tokens signed by openssl with a
// key whose certificate the registry trusts). Checks the scopes asked for
// (pull; pull,push; a mount's source), that tokens are cached for the
// command, and how a wrong password and anonymous access fail.
#if canImport(Glibc)
import Glibc
#endif
import HiveOCI
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite(.serialized, .enabled(if: LoopbackRegistry.available && PythonServer.available, "docker-registry or python3 is not installed"))
struct RegistryTokenTests {
    static let tokenServer = #"""
    import base64, json, os, subprocess, sys, time
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import urlparse, parse_qs
    port, d = int(sys.argv[1]), sys.argv[2]
    GOOD = "Basic " + base64.b64encode(b"tokenuser:t0ken-pass").decode()
    der = subprocess.run(["openssl", "x509", "-in", d + "/token.crt", "-outform", "DER"], capture_output=True, check=True).stdout
    def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            q = parse_qs(urlparse(self.path).query)
            if self.headers.get("Authorization", "") != GOOD:
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
                self.send_response(401); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                return
            access = []
            for s in q.get("scope", []):
                t, name, actions = s.split(":")
                access.append({"type": t, "name": name, "actions": actions.split(",")})
            now = int(time.time())
            claims = {"iss": "hive-test-issuer", "sub": "tokenuser", "aud": q["service"][0], "exp": now + 300,
                      "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
            header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
            signing = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", d + "/token.key"], input=signing.encode(),
                                 capture_output=True, check=True).stdout
            with open(d + "/scopes.log", "a") as f: f.write(" ".join(q.get("scope", [])) + "\n")
            body = json.dumps({"access_token": signing + "." + b64u(sig), "expires_in": 300}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    HTTPServer(("127.0.0.1", port), H).serve_forever()
    """#

    @Test func bearerTokensWithScopes() throws {
        let dir = try LoopbackRegistry.tempDir()
        let r = try HostProcess.run(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hive token signer",
                                     "-keyout", dir + "/token.key", "-out", dir + "/token.crt"], environment: [], timeoutNanos: 60_000_000_000, what: "openssl")
        #expect(r.status == 0)
        let tokens = try PythonServer(script: RegistryTokenTests.tokenServer, dir: dir)
        let reg = try LoopbackRegistry(dir: dir, token: (realm: "http://127.0.0.1:\(tokens.port)/token", service: "hive-test",
                                                         issuer: "hive-test-issuer", certificate: dir + "/token.crt"))
        let c = RegistryClient(settings: RegistrySettings(),
                               credentials: FixedCredentials(registry: reg.domain, value: Credentials(username: "tokenuser", password: "t0ken-pass")), logger: .discard)
        defer { c.shutdown() }
        let a = RepositoryRef(domain: reg.domain, path: "hive/tok")
        let b = RepositoryRef(domain: reg.domain, path: "hive/tok2")
        let t = RegistryClientTests()
        let cd = try t.upload(c, a, Array("{}".utf8))
        let layer = try t.upload(c, a, RegistryClientTests.bytes(50_000, seed: 11))
        let m = t.manifestBytes(config: cd, layers: [layer])
        _ = try c.putManifest(a, reference: "v1", bytes: m, mediaType: "application/vnd.oci.image.manifest.v1+json")
        #expect(try c.manifest(a, reference: "v1").bytes == m)
        #expect(try c.blobBytes(a, layer) == RegistryClientTests.bytes(50_000, seed: 11))
        #expect(try c.mountBlob(b, layer.digest, fromPath: a.path))

        let scopes = (Files.readText(dir + "/scopes.log") ?? "").split(separator: "\n").map(String.init)
        #expect(scopes.contains("repository:hive/tok:pull,push"), "\(scopes)")
        #expect(scopes.contains("repository:hive/tok:pull"), "\(scopes)")
        #expect(scopes.contains("repository:hive/tok2:pull,push repository:hive/tok:pull"), "\(scopes)")
        // One token per scope for the command, not one per request.
        #expect(scopes.count == Set(scopes).count, "\(scopes)")

        let anonymous = RegistryClient(settings: RegistrySettings(), credentials: nil, logger: .discard)
        defer { anonymous.shutdown() }
        do {
            _ = try anonymous.manifest(a, reference: "v1")
            Issue.record("an anonymous client got a token")
        } catch {
            #expect(error.code == .auth && error.message.contains("refused anonymous access") && error.message.contains("hive login"), "\(error)")
        }
        let wrong = RegistryClient(settings: RegistrySettings(),
                                   credentials: FixedCredentials(registry: reg.domain, value: Credentials(username: "tokenuser", password: "nope-wrong")), logger: .discard)
        defer { wrong.shutdown() }
        do {
            _ = try wrong.manifest(a, reference: "v1")
            Issue.record("a wrong password got a token")
        } catch {
            #expect(error.code == .auth && error.message.contains("authentication to \(reg.domain) failed"), "\(error)")
            #expect(!error.description.contains("nope-wrong"))
        }
    }
}
