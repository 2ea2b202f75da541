// RepositoryRef: how requests name a repository.
import HiveOCI
import Testing
@testable import HiveRegistry

@Suite struct RepositoryRefTests {
    @Test func aReferenceNamesItsRepository() throws {
        let r = RepositoryRef(try Reference(parsing: "busybox:1.36"))
        #expect(r.domain == "docker.io" && r.path == "library/busybox")
        #expect(r.description == "docker.io/library/busybox")
        #expect(RepositoryRef(try Reference(parsing: "127.0.0.1:5000/a/b@sha256:" + String(repeating: "0", count: 64))).description == "127.0.0.1:5000/a/b")
    }
}
