// The client's pure parsers: WWW-Authenticate, Link, the registry's error
// JSON, token scopes, Range headers, URL helpers and endpoint selection.
import HiveOCI
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite struct RegistryParsersTests {
    @Test func bearerChallengeWithQuotedCommas() {
        let c = AuthChallenge.parse(#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#)
        #expect(c.count == 1)
        #expect(c[0].scheme == "bearer")
        #expect(c[0].realm == "https://auth.docker.io/token")
        #expect(c[0].service == "registry.docker.io")
        #expect(c[0].scope == "repository:library/busybox:pull,push")
    }

    @Test func severalChallengesSpacesAndEscapes() {
        let c = AuthChallenge.parse(#"Basic realm="a \"quoted\", realm" , Bearer realm=https://t/x, error="invalid_token""#)
        #expect(c.map(\.scheme) == ["basic", "bearer"])
        #expect(c[0].realm == #"a "quoted", realm"#)
        #expect(c[1].realm == "https://t/x")
        #expect(c[1].parameters["error"] == "invalid_token")
        #expect(AuthChallenge.parse("").isEmpty)
        #expect(AuthChallenge.parse("Basic").map(\.scheme) == ["basic"])
    }

    @Test func scopesForPullPushAndMount() {
        #expect(AuthScope(repository: "library/busybox", push: false).text == "repository:library/busybox:pull")
        let m = AuthScope(repository: "a/b", push: true, from: "c/d")
        #expect(m.scopes == ["repository:a/b:pull,push", "repository:c/d:pull"])
    }

    @Test func linkHeaderNext() {
        #expect(LinkHeader.next(#"</v2/a/tags/list?last=b&n=2>; rel="next""#) == "/v2/a/tags/list?last=b&n=2")
        #expect(LinkHeader.next(#"<https://x/p?a=1,2>; rel="prev", </v2/n?last=c>; rel=next"#) == "/v2/n?last=c")
        #expect(LinkHeader.next(#"</v2/a>; rel="prev""#) == nil)
        #expect(LinkHeader.next("garbage") == nil)
    }

    @Test func registryErrorBody() {
        let b = RegistryErrorBody.parse(Array(#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}},{"code":"NAME_UNKNOWN"}]}"#.utf8))
        #expect(b?.codes == ["MANIFEST_UNKNOWN", "NAME_UNKNOWN"])
        #expect(b?.summary == "manifest unknown; name unknown")
        #expect(RegistryErrorBody.parse(Array("<html>502</html>".utf8)) == nil)
        #expect(RegistryErrorBody.parse(Array(#"{"errors":[]}"#.utf8)) == nil)
        // Control characters from a hostile server never reach a terminal.
        #expect(RegistryErrorBody.parse(Array(#"{"errors":[{"code":"X","message":"a\u001b[2Jb"}]}"#.utf8))?.summary == "a[2Jb")
    }

    @Test func rangeHeaders() {
        #expect(RegistryClient.rangeEnd("0-1023") == 1023)
        #expect(RegistryClient.rangeEnd("bytes=0-99") == 99)
        #expect(RegistryClient.rangeEnd("0--1").map { $0 + 1 } == 0)
        #expect(RegistryClient.rangeStart("bytes 100-199/200") == 100)
        #expect(RegistryClient.rangeStart("100-199/*") == 100)
    }

    @Test func urlHelpers() {
        #expect(RegistryClient.resolve("/v2/a/blobs/uploads/u?x=1", against: "http://127.0.0.1:5000/v2/a/blobs/uploads/") == "http://127.0.0.1:5000/v2/a/blobs/uploads/u?x=1")
        #expect(RegistryClient.resolve("https://s3.example/b?sig=1", against: "https://r/v2/x") == "https://s3.example/b?sig=1")
        #expect(RegistryClient.resolve("next", against: "https://r/v2/x/y?q") == "https://r/v2/x/next")
        #expect(RegistryClient.redact("https://s3/b?X-Amz-Signature=secret") == "https://s3/b?...")
        #expect(RegistryClient.queryEscape("repository:a/b:pull,push") == "repository%3Aa%2Fb%3Apull%2Cpush")
        #expect(RegistryClient.base64(Array("user:pa".utf8)) == "dXNlcjpwYQ==")
    }

    @Test func endpointsFollowDockersRules() {
        var s = RegistrySettings()
        s.mirrors = ["docker.io": ["mirror.example:5000", "http://127.0.0.1:5001/prefix/v2/"]]
        s.insecure = ["insecure.example"]
        let c = RegistryClient(settings: s, credentials: nil, logger: .discard)
        defer { c.shutdown() }
        let hub = c.endpoints(for: "docker.io", pull: true)
        #expect(hub.map(\.base) == ["https://mirror.example:5000", "http://127.0.0.1:5001/prefix", "https://registry-1.docker.io"])
        #expect(hub.map(\.isMirror) == [true, true, false])
        #expect(c.endpoints(for: "docker.io", pull: false).map(\.base) == ["https://registry-1.docker.io"])
        #expect(c.endpoints(for: "127.0.0.1:5000", pull: true).map(\.base) == ["https://127.0.0.1:5000", "http://127.0.0.1:5000"])
        // Dialled: loopback over plain http first (a TLS port answers it at once with a 400, while
        // a ClientHello to a plain registry may hang), then https; insecure hosts as listed.
        #expect(c.dialOrder(c.endpoints(for: "localhost:5000", pull: false)).map(\.scheme) == ["http", "https"])
        #expect(c.dialOrder(c.endpoints(for: "insecure.example", pull: false)).map(\.scheme) == ["https", "http"])
        let insecure = c.endpoints(for: "insecure.example", pull: true)
        #expect(insecure.map(\.base) == ["https://insecure.example", "http://insecure.example"] && insecure[0].skipVerify)
        #expect(c.endpoints(for: "quay.io", pull: true).map(\.base) == ["https://quay.io"])
    }

    @Test func requestsUseTheSettingsProxies() {
        var s = RegistrySettings()
        s.proxy.httpsProxy = "http://proxy.example:3128"
        s.proxy.noProxy = ["internal.example"]
        let c = RegistryClient(settings: s, credentials: nil, logger: .discard)
        defer { c.shutdown() }
        #expect(c.proxy(for: "https://quay.io/v2/x/manifests/y") == "http://proxy.example:3128")
        #expect(c.proxy(for: "https://a.internal.example/v2/") == "")
        #expect(c.proxy(for: "http://127.0.0.1:5000/v2/") == "")
    }
}
