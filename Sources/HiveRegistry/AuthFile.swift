// An auth file in Docker's config.json shape: hive's own (what `hive login`
// writes) and Docker's config.json (read only, except through its helpers).
//
//     {"auths": {"127.0.0.1:5000": {"auth": "<base64 of user:password>"},
//                "https://index.docker.io/v1/": {"identitytoken": "..."}},
//      "credsStore": "pass", "credHelpers": {"gcr.io": "gcloud"}}
//
// hive's file is persistent, as Docker's is (Podman's default under
// $XDG_RUNTIME_DIR is lost at reboot): `--authfile`, else $HIVE_AUTH_FILE,
// else $XDG_CONFIG_HOME/hive/auth.json (~/.config/hive/auth.json; root's is
// /root/.config/hive/auth.json). Written whole, atomically (a temp file,
// fsync, rename), 0600, in a directory made 0700.
import Glibc
import HivePlatform

public struct AuthFile: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    /// hive's auth file: `explicit` (--authfile), $HIVE_AUTH_FILE, else
    /// $XDG_CONFIG_HOME/hive/auth.json or ~/.config/hive/auth.json.
    public static func hive(explicit: String?, environment env: [String: String]) -> AuthFile {
        if let e = explicit, !e.isEmpty { return AuthFile(path: e) }
        if let e = env["HIVE_AUTH_FILE"], !e.isEmpty { return AuthFile(path: e) }
        if let x = env["XDG_CONFIG_HOME"], x.hasPrefix("/") { return AuthFile(path: x + "/hive/auth.json") }
        return AuthFile(path: home(env) + "/.config/hive/auth.json")
    }

    /// Docker's: $DOCKER_CONFIG/config.json or ~/.docker/config.json.
    public static func docker(environment env: [String: String]) -> AuthFile {
        if let d = env["DOCKER_CONFIG"], !d.isEmpty { return AuthFile(path: d + "/config.json") }
        return AuthFile(path: home(env) + "/.docker/config.json")
    }

    /// $HOME, else the user's home from the password database.
    static func home(_ env: [String: String]) -> String {
        if let h = env["HOME"], h.hasPrefix("/") { return h }
        if let pw = getpwuid(geteuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/root"
    }

    /// The document, or nil when the file does not exist. Not an object of
    /// JSON: an error naming the file.
    public func read() throws(HiveError) -> [String: JSONValue]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw HiveError.errno("cannot read the auth file \(path)")
        }
        defer { close(fd) }
        guard let bytes = Files.read(fd: fd) else { throw HiveError.errno("cannot read the auth file \(path)") }
        if bytes.allSatisfy({ $0 == 32 || ($0 >= 9 && $0 <= 13) }) { return [:] }
        guard bytes.count <= JSONValue.maxDocumentBytes, let doc = try? JSONValue.parse(bytes), let o = doc.objectValue,
              o["auths"].map({ $0.objectValue != nil }) ?? true else {
            throw HiveError(.corrupt, "the auth file \(path) is not a JSON object with \"auths\" (fix it, or remove it and log in again)")
        }
        return o
    }

    /// The credentials stored under `registry` (any spelling of it, see
    /// `Credentials.registryKey`) in `auths`, or nil.
    public func credentials(for registry: String, in doc: [String: JSONValue]) throws(HiveError) -> Credentials? {
        let want = Credentials.registryKey(registry)
        guard let auths = doc["auths"]?.objectValue else { return nil }
        // an exact key first, then any spelling of it
        let keys = auths.keys.sorted { a, _ in a == registry }
        for key in keys where Credentials.registryKey(key) == want {
            guard let e = auths[key]?.objectValue else { continue }
            var user = e["username"]?.stringValue ?? ""
            var password = e["password"]?.stringValue ?? ""
            if let a = e["auth"]?.stringValue, !a.isEmpty {
                guard let raw = Base64.decode(a), let colon = raw.firstIndex(of: UInt8(ascii: ":")) else {
                    throw HiveError(.corrupt, "the auth file \(path): the entry for \(key) is not base64 of user:password (log in again)")
                }
                user = String(decoding: raw[..<colon], as: UTF8.self)
                password = String(decoding: raw[(colon + 1)...], as: UTF8.self)
            }
            let token = e["identitytoken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if user.isEmpty && password.isEmpty && token == nil { continue }
            return Credentials(username: user, password: password, identityToken: token)
        }
        return nil
    }

    /// Stores `c` for `registry`, replacing any spelling of it.
    public func save(_ c: Credentials, for registry: String) throws(HiveError) {
        var doc = try read() ?? [:]
        var auths = try removing(registry, from: doc)
        var entry: [String: JSONValue] = ["auth": .string(Base64.encode(Array((c.username + ":" + c.password).utf8)))]
        if let t = c.identityToken { entry["identitytoken"] = .string(t) }
        auths[Credentials.registryKey(registry)] = .object(entry)
        doc["auths"] = .object(auths)
        try write(doc)
    }

    /// Removes `registry`'s entries; false if there were none (the file is then left as it was).
    public func remove(_ registry: String) throws(HiveError) -> Bool {
        guard var doc = try read() else { return false }
        let before = doc["auths"]?.objectValue?.count ?? 0
        let auths = try removing(registry, from: doc)
        guard auths.count != before else { return false }
        doc["auths"] = .object(auths)
        try write(doc)
        return true
    }

    private func removing(_ registry: String, from doc: [String: JSONValue]) throws(HiveError) -> [String: JSONValue] {
        let want = Credentials.registryKey(registry)
        return (doc["auths"]?.objectValue ?? [:]).filter { Credentials.registryKey($0.key) != want }
    }

    /// The whole document, atomically: a temp file beside it (0600), fsync, rename, fsync of the directory.
    func write(_ doc: [String: JSONValue]) throws(HiveError) {
        let dir = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        try AuthFile.makeDirectories(dir)
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)  // a temp file a crashed login of this pid left
        let fd2 = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd2 >= 0 else { throw HiveError.errno("cannot write the auth file \(path)") }
        let bytes = Array((JSONValue.object(doc).serialized(indent: "\t") + "\n").utf8)
        var off = 0
        var failed: Int32 = 0
        while off < bytes.count && failed == 0 {
            let n = bytes.withUnsafeBytes { Glibc.write(fd2, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failed = n < 0 ? errno : EIO } else { off += n }
        }
        if failed == 0 && (fchmod(fd2, 0o600) != 0 || fsync(fd2) != 0) { failed = errno }
        close(fd2)
        if failed == 0 && rename(tmp, path) != 0 { failed = errno }
        guard failed == 0 else {
            unlink(tmp)
            throw HiveError.errno("cannot write the auth file \(path)", failed)
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// `dir` and its missing parents, made 0700 (credentials live there).
    static func makeDirectories(_ dir: String) throws(HiveError) {
        var st = stat()
        if stat(dir, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw HiveError(.invalidArgument, "cannot write an auth file in \(dir): not a directory") }
            return
        }
        if let slash = dir.utf8.lastIndex(of: UInt8(ascii: "/")), slash != dir.utf8.startIndex {
            try makeDirectories(String(dir[..<slash]))
        }
        guard mkdir(dir, 0o700) == 0 || errno == EEXIST else { throw HiveError.errno("cannot make the directory \(dir) for the auth file") }
    }
}
