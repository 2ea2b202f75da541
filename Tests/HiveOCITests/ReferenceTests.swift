import Testing
@testable import HiveOCI
import HivePlatform

@Suite struct ReferenceTests {
    @Test(arguments: [
        ("busybox", "docker.io/library/busybox:latest", "busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
        ("library/busybox", "docker.io/library/busybox:latest", "busybox:latest"),
        ("docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"),
        ("index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x"),
        ("user/app", "docker.io/user/app:latest", "user/app:latest"),
        ("test.com:tag", "docker.io/library/test.com:tag", "test.com:tag"),
        ("test.com:5000", "docker.io/library/test.com:5000", "test.com:5000"),
        ("test.com/repo:tag", "test.com/repo:tag", "test.com/repo:tag"),
        ("test:5000/repo", "test:5000/repo:latest", "test:5000/repo:latest"),
        ("localhost/foo", "localhost/foo:latest", "localhost/foo:latest"),
        ("localhost:5000/a/b/c:v1", "localhost:5000/a/b/c:v1", "localhost:5000/a/b/c:v1"),
        ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux:latest", "sub-dom1.foo.com/bar/baz/quux:latest"),
        ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com"),
        ("[fc00::1]:5000/repo", "[fc00::1]:5000/repo:latest", "[fc00::1]:5000/repo:latest"),
        ("foo__bar", "docker.io/library/foo__bar:latest", "foo__bar:latest"),
        ("foo---bar.baz_qux", "docker.io/library/foo---bar.baz_qux:latest", "foo---bar.baz_qux:latest"),
    ])
    func normalises(_ input: String, _ full: String, _ familiar: String) throws {
        let r = try Reference(parsing: input)
        #expect(r.description == full)
        #expect(r.familiar == familiar)
    }

    @Test func digestReferences() throws {
        let hex = String(repeating: "ab", count: 32)
        let r = try Reference(parsing: "test:5000/repo@sha256:" + hex)
        #expect(r.tag == nil)
        #expect(r.digest?.hex == hex)
        #expect(r.domain == "test:5000")
        let both = try Reference(parsing: "busybox:1@sha256:" + hex)
        #expect(both.tag == "1")
        #expect(both.familiar == "busybox:1@sha256:" + hex)
        let bare = try Reference(parsing: "busybox", defaultTag: false)
        #expect(bare.tag == nil)
    }

    @Test(arguments: [
        "", "Uppercase:tag", "docker.io/Uppercase", "aa/asdf$$^/aa", "foo___bar", "-foo", "foo-", "foo/", "/foo",
        "foo//bar", "busybox:", "busybox:-tag", "busybox:" + String(repeating: "t", count: 129),
        "busybox@sha256:abc", "busybox@md5:" + String(repeating: "0", count: 32), String(repeating: "a", count: 256),
        String(repeating: "ab", count: 32), "a b", "exa_mple.com:5000/foo", "[fc00::1/repo",
    ])
    func rejects(_ input: String) {
        #expect(throws: ReferenceError.self) { try Reference(parsing: input) }
    }

    @Test func tagLength() throws {
        let ok = String(repeating: "t", count: 128)
        #expect(try Reference(parsing: "busybox:" + ok).tag == ok)
    }

    @Test func withTag() throws {
        let r = try Reference(parsing: "localhost:5000/x:1").withTag("2")
        #expect(r.description == "localhost:5000/x:2")
    }
}
