// Credentials: hive's auth file (round trip, 0600 in a 0700 directory,
// corrupt files named), Docker's config.json (auths, credHelpers,
// credsStore through a test docker-credential-hivetest on a temp PATH).
import Glibc
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite struct CredentialsTests {
    @Test func base64RoundTrip() {
        for s in ["", "a", "ab", "abc", "user:pa:ss", "üñí:çødé\u{0}x"] {
            let enc = Base64.encode(Array(s.utf8))
            #expect(Base64.decode(enc) == Array(s.utf8), "\(s)")
        }
        #expect(Base64.encode(Array("user:secret".utf8)) == "dXNlcjpzZWNyZXQ=")
        #expect(Base64.decode("dXNlcjpzZWNyZXQ") == Array("user:secret".utf8))
        #expect(Base64.decode("dXNl cjpz") == nil && Base64.decode("a===") == nil && Base64.decode("ab=c") == nil)
        #expect(Credentials(username: "user", password: "secret").basicAuthorization == "Basic dXNlcjpzZWNyZXQ=")
    }

    @Test func registryKeys() {
        #expect(Credentials.registryKey("https://index.docker.io/v1/") == "docker.io")
        #expect(Credentials.registryKey("registry-1.docker.io") == "docker.io")
        #expect(Credentials.registryKey("HTTP://R.Example:5000/v2/") == "r.example:5000")
        #expect(Credentials.helperServer("docker.io") == "https://index.docker.io/v1/")
        #expect(Credentials.helperServer("127.0.0.1:5000") == "127.0.0.1:5000")
    }

    @Test func defaultPaths() {
        #expect(AuthFile.hive(explicit: "/x/a.json", environment: ["HIVE_AUTH_FILE": "/y"]).path == "/x/a.json")
        #expect(AuthFile.hive(explicit: nil, environment: ["HIVE_AUTH_FILE": "/y", "HOME": "/h"]).path == "/y")
        #expect(AuthFile.hive(explicit: nil, environment: ["XDG_CONFIG_HOME": "/c", "HOME": "/h"]).path == "/c/hive/auth.json")
        #expect(AuthFile.hive(explicit: nil, environment: ["HOME": "/h"]).path == "/h/.config/hive/auth.json")
        #expect(AuthFile.docker(environment: ["DOCKER_CONFIG": "/d", "HOME": "/h"]).path == "/d/config.json")
        #expect(AuthFile.docker(environment: ["HOME": "/h"]).path == "/h/.docker/config.json")
    }

    @Test func hiveAuthFileRoundTrip() throws {
        let dir = try TempDir()
        let path = dir.path + "/new/hive/auth.json"
        let store = AuthStore(authFile: path, environment: ["HOME": dir.path])
        #expect(try store.credentials(for: "127.0.0.1:5000") == nil)
        #expect(try store.save(Credentials(username: "alice", password: "p:ss wörd"), for: "127.0.0.1:5000") == "the auth file \(path)")
        try store.save(Credentials(username: "bob", password: "x"), for: "https://index.docker.io/v1/")
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat(dir.path + "/new/hive", &st) == 0 && st.st_mode & 0o777 == 0o700)
        #expect(stat(dir.path + "/new", &st) == 0 && st.st_mode & 0o777 == 0o700)
        #expect(Files.names(in: dir.path + "/new/hive") == ["auth.json"])  // no temp file left
        let doc = try JSONValue.parse(Files.read(path)!)
        #expect(doc["auths"]?["127.0.0.1:5000"]?["auth"]?.stringValue == Base64.encode(Array("alice:p:ss wörd".utf8)))
        #expect(doc["auths"]?["docker.io"] != nil)
        // a new store (a new command) reads them back
        let again = AuthStore(authFile: path, environment: [:])
        #expect(try again.credentials(for: "127.0.0.1:5000") == Credentials(username: "alice", password: "p:ss wörd"))
        #expect(try again.credentials(for: "docker.io") == Credentials(username: "bob", password: "x"))
        // keys other than auths survive; logout removes one entry
        try Files.write(path, "{\"auths\": \(doc["auths"]!.serialized()), \"other\": 1}")
        #expect(try again.remove("127.0.0.1:5000"))
        #expect(try !again.remove("127.0.0.1:5000"))
        let after = try JSONValue.parse(Files.read(path)!)
        #expect(after["other"] == .int(1) && after["auths"]?["127.0.0.1:5000"] == nil && after["auths"]?["docker.io"] != nil)
        #expect(try again.credentials(for: "127.0.0.1:5000") == nil)
    }

    @Test func corruptFilesAreNamed() throws {
        let dir = try TempDir()
        let path = dir.path + "/auth.json"
        for text in ["{not json", "[1]", "{\"auths\": 3}"] {
            try Files.write(path, text)
            let store = AuthStore(authFile: path, environment: ["HOME": dir.path])
            #expect { try store.credentials(for: "r.example") } throws: { e in
                let h = e as! HiveError
                return h.code == .corrupt && h.message.contains(path)
            }
            // and login does not overwrite it
            #expect(throws: HiveError.self) { try store.save(Credentials(username: "u", password: "p"), for: "r.example") }
            #expect(Files.readText(path) == text)
        }
        // an entry that is not base64 is named; login replaces it
        try Files.write(path, "{\"auths\": {\"r.example\": {\"auth\": \"!!\"}}}")
        #expect { try AuthStore(authFile: path, environment: [:]).credentials(for: "r.example") } throws: { e in
            "\(e)".contains("the auth file \(path): the entry for r.example is not base64")
        }
        try AuthStore(authFile: path, environment: [:]).save(Credentials(username: "u", password: "p"), for: "r.example")
        #expect(try AuthStore(authFile: path, environment: [:]).credentials(for: "r.example") == Credentials(username: "u", password: "p"))
        try Files.write(path, "")
        #expect(try AuthStore(authFile: path, environment: [:]).credentials(for: "r.example") == nil)
    }

    /// A docker-credential-hivetest that keeps its credentials in files under `dir`, logging its argv.
    func helper(_ dir: String) throws -> [String: String] {
        let bin = dir + "/bin"
        try TempDir.mkdirs(bin)
        let script = """
            #!/bin/sh
            echo "$@" >> \(dir)/argv
            server=$(cat)
            case $1 in
            get)
                case $server in
                    *index.docker.io*) echo '{"ServerURL":"x","Username":"<token>","Secret":"refresh-token"}' ;;
                    *) f=\(dir)/store-$(echo "$server" | tr -c 'a-z0-9\\n' _); [ -f "$f" ] && cat "$f" && exit 0
                       echo "credentials not found in native keychain"; exit 1 ;;
                esac ;;
            store) f=\(dir)/store-$(echo "$server" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p' | tr -c 'a-z0-9\\n' _); echo "$server" > "$f" ;;
            erase) f=\(dir)/store-$(echo "$server" | tr -c 'a-z0-9\\n' _); [ -f "$f" ] || { echo "credentials not found in native keychain"; exit 1; }; rm "$f" ;;
            esac
            """
        try Files.write(bin + "/docker-credential-hivetest", script, mode: 0o755)
        return ["PATH": bin + ":/usr/bin:/bin", "HOME": dir, "DOCKER_CONFIG": dir + "/docker"]
    }

    @Test func dockerConfigAuthsAndHelpers() throws {
        let dir = try TempDir()
        let env = try helper(dir.path)
        try TempDir.mkdirs(dir.path + "/docker")
        try Files.write(dir.path + "/docker/config.json", """
            {"auths": {"https://index.docker.io/v1/": {}, "r.example:5000": {"auth": "\(Base64.encode(Array("carol:c-pass".utf8)))"},
                       "t.example": {"identitytoken": "tok"}},
             "credHelpers": {"docker.io": "hivetest", "h.example": "hivetest"}}
            """)
        let store = AuthStore(authFile: nil, environment: env)
        #expect(try store.credentials(for: "r.example:5000") == Credentials(username: "carol", password: "c-pass"))
        #expect(try store.credentials(for: "t.example") == Credentials(username: "", password: "", identityToken: "tok"))
        #expect(try store.credentials(for: "docker.io") == Credentials(username: "", password: "", identityToken: "refresh-token"))
        #expect(try store.credentials(for: "h.example") == nil)
        #expect(try store.credentials(for: "none.example") == nil)
        // login to a registry with a helper stores through it: the secret on stdin, never in argv
        #expect(try store.save(Credentials(username: "dave", password: "s3cret!"), for: "h.example") == "the credential helper hivetest")
        #expect(!Files.names(in: dir.path).contains("hive"))  // hive's own file untouched
        let fresh = AuthStore(authFile: nil, environment: env)
        #expect(try fresh.credentials(for: "h.example") == Credentials(username: "dave", password: "s3cret!"))
        #expect(try fresh.remove("h.example"))
        #expect(try !fresh.remove("h.example"))
        #expect(try AuthStore(authFile: nil, environment: env).credentials(for: "h.example") == nil)
        let argv = Files.readText(dir.path + "/argv") ?? ""
        #expect(argv.contains("store") && argv.contains("erase") && !argv.contains("s3cret"))
        // a registry without a helper entry: hive's own file
        let path = try AuthStore(authFile: nil, environment: env).save(Credentials(username: "e", password: "f"), for: "q.example")
        #expect(path == "the auth file \(dir.path)/.config/hive/auth.json")
        // an auth file chosen: written there even for a helper's registry
        let chosen = dir.path + "/chosen.json"
        #expect(try AuthStore(authFile: chosen, environment: env).save(Credentials(username: "g", password: "h"), for: "h.example") == "the auth file \(chosen)")
        // Docker's auths are read but not removed by hive
        #expect(AuthStore(authFile: nil, environment: env).inDockerAuths("r.example:5000"))
        #expect(try !AuthStore(authFile: nil, environment: env).remove("r.example:5000"))
    }

    @Test func credsStoreAndAMissingHelper() throws {
        let dir = try TempDir()
        var env = try helper(dir.path)
        try TempDir.mkdirs(dir.path + "/docker")
        try Files.write(dir.path + "/docker/config.json", "{\"credsStore\": \"hivetest\"}")
        #expect(try AuthStore(authFile: nil, environment: env).credentials(for: "docker.io")?.identityToken == "refresh-token")
        try Files.write(dir.path + "/docker/config.json", "{\"credsStore\": \"absent\"}")
        #expect { try AuthStore(authFile: nil, environment: env).credentials(for: "r.example") } throws: { e in
            "\(e)".contains("docker-credential-absent") && "\(e)".contains("credsStore") && "\(e)".contains("not in PATH")
        }
        try Files.write(dir.path + "/docker/config.json", "{\"credsStore\": \"../evil\"}")
        #expect { try AuthStore(authFile: nil, environment: env).credentials(for: "r.example") } throws: { e in
            "\(e)".contains("invalid credential helper")
        }
        // a helper that fails repeating its input: the secret is not in the error
        try Files.write(dir.path + "/bin/docker-credential-hiveecho", "#!/bin/sh\ncat\nexit 1\n", mode: 0o755)
        try Files.write(dir.path + "/docker/config.json", "{\"credsStore\": \"hiveecho\"}")
        #expect { try AuthStore(authFile: nil, environment: env).save(Credentials(username: "u", password: "top-secret"), for: "r.example") } throws: { e in
            "\(e)".contains("docker-credential-hiveecho failed to store (exit status 1)") && !"\(e)".contains("top-secret")
        }
        // hive's own file is asked first
        env["HIVE_AUTH_FILE"] = dir.path + "/mine.json"
        try AuthStore(authFile: nil, environment: env).save(Credentials(username: "m", password: "n"), for: "r.example")
        #expect(try AuthStore(authFile: nil, environment: env).credentials(for: "r.example") == Credentials(username: "m", password: "n"))
    }
}
