// The Engine API's X-Registry-Auth and X-Registry-Config headers: base64url
// JSON AuthConfigs as the docker CLI and docker-py send them.
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite struct CredentialsHeaderTests {
    /// base64url without padding, as the Go client encodes.
    func header(_ json: String) -> String {
        String(Base64.encode(Array(json.utf8)).map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
    }

    @Test func noneIsNil() throws {
        #expect(try Credentials.fromRegistryAuthHeader(nil) == nil)
        #expect(try Credentials.fromRegistryAuthHeader("e30=") == nil)  // {}
        #expect(try Credentials.fromRegistryAuthHeader(header(#"{"serveraddress":"r.example"}"#)) == nil)
        #expect(try Credentials.fromRegistryConfigHeader("e30=").isEmpty)
    }

    @Test func userPasswordAndServer() throws {
        let h = header(#"{"username":"u?>","password":"p~~?","serveraddress":"https://R.example:5000/v2/"}"#)
        #expect(h.contains("-") || h.contains("_"))  // the url alphabet is read
        let got = try #require(try Credentials.fromRegistryAuthHeader(h))
        #expect(got.server == "r.example:5000")
        #expect(got.credentials == Credentials(username: "u?>", password: "p~~?"))
    }

    @Test func authFieldAndToken() throws {
        let auth = Base64.encode(Array("me:se:cret".utf8))
        let got = try #require(try Credentials.fromRegistryAuthHeader(header(#"{"auth":"\#(auth)"}"#)))
        #expect(got.server == nil)
        #expect(got.credentials == Credentials(username: "me", password: "se:cret"))
        let t = try #require(try Credentials.fromRegistryAuthHeader(header(#"{"identitytoken":"tok"}"#)))
        #expect(t.credentials.identityToken == "tok")
    }

    @Test func configHeaderAndLookup() throws {
        let h = header(#"{"https://index.docker.io/v1/":{"username":"a","password":"b"},"127.0.0.1:5000":{"username":"c","password":"d"}}"#)
        let map = try Credentials.fromRegistryConfigHeader(h)
        #expect(map["docker.io"]?.username == "a" && map["127.0.0.1:5000"]?.password == "d")
        let source = RequestCredentials(map, fallback: nil)
        #expect(try source.credentials(for: "registry-1.docker.io")?.username == "a")
        #expect(try source.credentials(for: "other.example") == nil)
        #expect(try RequestCredentials(["": Credentials(username: "x", password: "y")], fallback: nil).credentials(for: "any")?.username == "x")
    }

    @Test func garbageIsRefused() {
        #expect(throws: HiveError.self) { try Credentials.fromRegistryAuthHeader("!!!") }
        #expect(throws: HiveError.self) { try Credentials.fromRegistryAuthHeader(header("[1]")) }
        #expect(throws: HiveError.self) { try Credentials.fromRegistryAuthHeader(header(#"{"auth":"bm9jb2xvbg=="}"#)) }  // "nocolon"
    }
}
