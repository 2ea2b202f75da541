// RegistrySettings: aliases, insecure and plain-HTTP rules, mirrors as
// endpoints, NO_PROXY matching, certs.d lookup on a temp directory.
import Glibc
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite struct RegistrySettingsTests {
    func settings(_ toml: String, env: [String: String] = [:]) throws -> RegistrySettings {
        RegistrySettings(config: try HiveConfig.parse(toml, file: "hive.toml").registries, environment: env)
    }

    @Test func aliasesKeepTheTagOrDigest() throws {
        let s = try settings("[registries.aliases]\nmyapp = \"registry.example.com/team/myapp\"\n")
        #expect(s.resolveAlias("myapp") == "registry.example.com/team/myapp")
        #expect(s.resolveAlias("myapp:1.2") == "registry.example.com/team/myapp:1.2")
        let digest = "sha256:" + String(repeating: "a", count: 64)
        #expect(s.resolveAlias("myapp@" + digest) == "registry.example.com/team/myapp@" + digest)
        #expect(s.resolveAlias("other") == nil)
        #expect(s.resolveAlias("team/myapp") == nil)
        #expect(s.resolveAlias("r.example/myapp") == nil)
        #expect(s.resolveAlias("myapps") == nil)
    }

    @Test func insecureAndPlainHTTP() throws {
        let s = try settings("[registries]\ninsecure = [\"10.0.0.5:5000\", \"build.local\", \"192.168.7.0/24\"]\n")
        #expect(s.isInsecure("10.0.0.5:5000"))
        #expect(!s.isInsecure("10.0.0.5:5001"))
        #expect(!s.isInsecure("10.0.0.5"))
        #expect(s.isInsecure("build.local:443") && s.isInsecure("BUILD.local"))
        #expect(s.isInsecure("192.168.7.9:5000") && !s.isInsecure("192.168.8.9:5000"))
        #expect(!s.isInsecure("registry.example.com"))
        for h in ["127.0.0.1:5000", "127.8.9.1", "localhost:5000", "[::1]:5000", "10.0.0.5:5000"] {
            #expect(s.mayUsePlainHTTP(h), "\(h)")
        }
        for h in ["registry.example.com", "10.0.0.6:5000", "128.0.0.1:80", "[::2]:5000"] {
            #expect(!s.mayUsePlainHTTP(h), "\(h)")
        }
    }

    @Test func mirrorsAsEndpoints() throws {
        let s = try settings("""
            [registries]
            insecure = ["m2.example:5000"]
            [registries.mirrors]
            "docker.io" = ["m1.example", "m2.example:5000/dockerhub", "http://127.0.0.1:5001/"]
            """)
        let m = s.mirrors(for: "docker.io")
        #expect(m == [
            RegistryEndpoint(host: "m1.example", scheme: "https", isMirror: true),
            RegistryEndpoint(host: "m2.example:5000", scheme: "https", pathPrefix: "/dockerhub", skipVerify: true, isMirror: true),
            RegistryEndpoint(host: "127.0.0.1:5001", scheme: "http", isMirror: true),
        ])
        #expect(s.mirrors(for: "index.docker.io") == m)
        #expect(s.mirrors(for: "quay.io").isEmpty)
    }

    @Test func timeoutsFromConfig() throws {
        let s = try settings("[registries]\ntimeout = \"2s\"\n")
        #expect(s.timeouts.stallNanos == 2_000_000_000)
        #expect(s.timeouts.connectNanos == RegistryTimeouts().connectNanos)
    }

    @Test func proxiesFromTheEnvironment() {
        var p = ProxySettings(environment: ["https_proxy": "http://lower:3128", "HTTPS_PROXY": "http://upper:3128",
                                            "http_proxy": "http://plain:3128", "no_proxy": " .corp.example, example.com:5000,10.0.0.0/8 ,1.2.3.4,*.svc"])
        #expect(p.httpsProxy == "http://upper:3128" && p.httpProxy == "http://plain:3128")
        #expect(p.noProxy == [".corp.example", "example.com:5000", "10.0.0.0/8", "1.2.3.4", "*.svc"])
        #expect(p.proxy(scheme: "https", hostPort: "quay.io") == "http://upper:3128")
        #expect(p.proxy(scheme: "http", hostPort: "quay.io:80") == "http://plain:3128")
        let direct = ["a.corp.example", "x.y.corp.example:443", "example.com:5000", "sub.example.com:5000", "10.1.2.3:5000",
                      "1.2.3.4", "api.svc", "127.0.0.1:5000", "localhost", "[::1]:5000"]
        for h in direct { #expect(p.bypass(h), "\(h)") }
        let proxied = ["corp.example", "example.com", "example.com:443", "notexample.com:5000", "11.0.0.1", "1.2.3.5", "svc", "quay.io"]
        for h in proxied { #expect(!p.bypass(h), "\(h)") }
        p.noProxy = ["*"]
        #expect(p.bypass("quay.io") && p.proxy(scheme: "https", hostPort: "quay.io") == nil)
        p.noProxy = ["fd00::/8", "example.org"]
        #expect(p.bypass("[fd12::1]:5000") && !p.bypass("[fe80::1]:5000"))
        #expect(p.bypass("example.org") && p.bypass("a.example.org") && !p.bypass("anexample.org"))
        #expect(ProxySettings(environment: ["HTTPS_PROXY": ""]).httpsProxy == nil)
    }

    @Test func certsDirectoriesByHostPortThenHost() throws {
        let root = try TempDir()
        let a = root.path + "/a", b = root.path + "/b"
        for d in [a + "/127.0.0.1:5000", a + "/127.0.0.1", b + "/127.0.0.1:5000"] { try TempDir.mkdirs(d) }
        try Files.write(a + "/127.0.0.1:5000/ca.crt", "x")
        try Files.write(a + "/127.0.0.1:5000/client.cert", "x")
        try Files.write(a + "/127.0.0.1:5000/client.key", "x")
        try Files.write(a + "/127.0.0.1/other.crt", "x")
        try Files.write(b + "/127.0.0.1:5000/extra.crt", "x")
        try Files.write(b + "/127.0.0.1:5000/ignored.txt", "x")
        var s = RegistrySettings()
        s.certsDirs = [a, root.path + "/missing", b]
        let t = try s.tlsFiles(for: "127.0.0.1:5000")
        #expect(t.caFiles == [a + "/127.0.0.1:5000/ca.crt", a + "/127.0.0.1/other.crt", b + "/127.0.0.1:5000/extra.crt"])
        #expect(t.clientCertificate == a + "/127.0.0.1:5000/client.cert" && t.clientKey == a + "/127.0.0.1:5000/client.key")
        #expect(try s.tlsFiles(for: "127.0.0.1:6000").caFiles == [a + "/127.0.0.1/other.crt"])
        #expect(try s.tlsFiles(for: "registry.example.com") == RegistryTLSFiles())
        // a certificate without its key, and a key without its certificate
        try Files.write(b + "/127.0.0.1:5000/me.cert", "x")
        #expect { try s.tlsFiles(for: "127.0.0.1:5000") } throws: { e in
            "\(e)".contains(b + "/127.0.0.1:5000/me.cert has no key " + b + "/127.0.0.1:5000/me.key")
        }
        unlink(b + "/127.0.0.1:5000/me.cert")
        try Files.write(b + "/127.0.0.1:5000/lone.key", "x")
        #expect { try s.tlsFiles(for: "127.0.0.1:5000") } throws: { e in "\(e)".contains("lone.key has no certificate") }
    }
}

/// A directory removed at the end of the test.
final class TempDir {
    let path: String
    init() throws {
        var template = Array("/tmp/hive-registry-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw HiveError.errno("mkdtemp") }
        path = String(cString: p)
    }
    deinit { _ = try? HostProcess.run(["/bin/rm", "-rf", path], environment: [], timeoutNanos: 10_000_000_000, what: "rm") }

    static func mkdirs(_ path: String, mode: mode_t = 0o755) throws {
        var p = ""
        for c in path.split(separator: "/") {
            p += "/" + c
            guard mkdir(p, mode) == 0 || errno == EEXIST else { throw HiveError.errno("mkdir \(p)") }
        }
    }
}
