// hive.toml's [registries]: every key parsed, bad values and unknown keys
// refused with the key named.
import Testing
@testable import HivePlatform

@Suite struct HiveConfigRegistriesTests {
    @Test func everyKeyIsParsed() throws {
        let c = try HiveConfig.parse("""
            [registries]
            insecure = ["10.0.0.5:5000", "Build.Local", "10.1.0.0/16"]
            certs_dirs = ["/srv/certs.d"]
            timeout = "45s"
            connect_timeout = "3s"
            [registries.mirrors]
            "docker.io" = ["mirror.example:5000", "https://cache.example/dockerhub/"]
            "quay.io" = ["http://127.0.0.1:5001"]
            [registries.aliases]
            myapp = "registry.example.com/team/myapp"
            local = "localhost/app"
            """, file: "hive.toml")
        let r = c.registries
        #expect(r.insecure == ["10.0.0.5:5000", "build.local", "10.1.0.0/16"])
        #expect(r.certsDirs == ["/srv/certs.d"])
        #expect(r.stallTimeoutNanos == 45_000_000_000 && r.connectTimeoutNanos == 3_000_000_000)
        #expect(r.mirrors["docker.io"] == ["mirror.example:5000", "https://cache.example/dockerhub/"])
        #expect(r.mirrors["quay.io"] == ["http://127.0.0.1:5001"])
        #expect(r.aliases == ["myapp": "registry.example.com/team/myapp", "local": "localhost/app"])
    }

    @Test func defaultsWithoutTheSection() throws {
        let r = try HiveConfig.parse("[gc]\nkeep = 2\n", file: "hive.toml").registries
        #expect(r == HiveConfig.Registries())
        #expect(r.certsDirs == ["/etc/hive/certs.d", "/etc/docker/certs.d", "/etc/containers/certs.d"])
        #expect(r.stallTimeoutNanos == nil && r.mirrors.isEmpty && r.aliases.isEmpty && r.insecure.isEmpty)
    }

    @Test(arguments: [
        ("[registries]\nmirror = []", "unknown key registries.mirror"),
        ("[registries]\ninsecure = \"a:5000\"", "registries.insecure must be an array of strings"),
        ("[registries]\ninsecure = [\"a b\"]", "registries.insecure must be a list of host[:port]"),
        ("[registries]\ninsecure = [\"host:99999\"]", "registries.insecure must be a list of host[:port]"),
        ("[registries]\ninsecure = [\"10.0.0.0/33\"]", "registries.insecure must be a list of host[:port]"),
        ("[registries]\ntimeout = \"soon\"", "registries.timeout must be a duration"),
        ("[registries]\nconnect_timeout = 5", "registries.connect_timeout must be a duration"),
        ("[registries]\ncerts_dirs = [\"certs.d\"]", "registries.certs_dirs must be a list of absolute paths"),
        ("[registries.mirrors]\n\"docker.io\" = [\"ftp://m\"]", "registries.mirrors.\"docker.io\" must be a list of"),
        ("[registries.mirrors]\n\"docker.io\" = \"m:5000\"", "registries.mirrors.\"docker.io\" must be an array of strings"),
        ("[registries.mirrors]\n\"no such/host\" = []", "named by a registry host[:port]"),
        ("[registries.aliases]\nmyapp = \"myapp\"", "registries.aliases.\"myapp\" must be a fully qualified repository"),
        ("[registries.aliases]\nmyapp = \"team/myapp\"", "registries.aliases.\"myapp\" must be a fully qualified repository"),
        ("[registries.aliases]\n\"a/b\" = \"r.example/a/b\"", "registries.aliases.\"a/b\" must be named by a short name"),
        ("[registries.aliases]\n\"App\" = \"r.example/app\"", "must be named by a short name"),
    ])
    func badValuesNameTheKey(text: String, words: String) {
        do {
            _ = try HiveConfig.parse(text, file: "hive.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.hasPrefix("hive.toml: "), "\(error.message)")
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    @Test func mirrorParts() {
        #expect(HiveConfig.mirrorParts("mirror.example:5000")! == ("", "mirror.example:5000", ""))
        #expect(HiveConfig.mirrorParts("HTTPS://Cache.Example/a/b/")! == ("https", "cache.example", "/a/b"))
        #expect(HiveConfig.mirrorParts("http://[::1]:5000")! == ("http", "[::1]:5000", ""))
        #expect(HiveConfig.mirrorParts("") == nil)
        #expect(HiveConfig.mirrorParts("https://") == nil)
        #expect(HiveConfig.mirrorParts("m.example/a?b") == nil)
        #expect(HiveConfig.mirrorParts("user@m.example") == nil)
    }
}
