// A real registry for the client's tests: Debian's `docker-registry serve`
// (distribution 2.8) on 127.0.0.1 and a free port, its storage in a temp
// directory; started by init (which waits until it listens), stopped and
// removed on deinit. Optionally with an htpasswd file (Basic auth).
#if canImport(Glibc)
import Glibc
#endif
import HivePlatform

final class LoopbackRegistry {
    static let binary = "/usr/bin/docker-registry"
    /// False when docker-registry is not installed (CI installs it: make deps).
    static var available: Bool { access(binary, X_OK) == 0 }

    let port: Int
    let dir: String
    private let pid: pid_t
    /// The certs.d root holding this registry's CA (with `tls`).
    var certsDir: String { dir + "/certs.d" }
    /// `127.0.0.1:PORT`.
    var domain: String { "127.0.0.1:\(port)" }

    /// `htpasswd`: "user:password" for Basic auth (bcrypt, through htpasswd(1)).
    /// With `tls`, the registry serves https with a certificate for 127.0.0.1
    /// from a CA made here: `dir/certs.d/127.0.0.1:PORT/ca.crt` (`certsDir`).
    /// `token`: distribution's token auth (realm, service, issuer, the PEM
    /// bundle that signs tokens), for a Bearer flow with a test's token server.
    init(htpasswd: String? = nil, tls: Bool = false, dir existing: String? = nil,
         token: (realm: String, service: String, issuer: String, certificate: String)? = nil) throws {
        dir = try existing ?? LoopbackRegistry.tempDir()
        port = try LoopbackRegistry.freePort()
        var config = """
        version: 0.1
        log: {level: error, accesslog: {disabled: true}}
        storage: {filesystem: {rootdirectory: \(dir)/storage}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}
        http:
          addr: 127.0.0.1:\(port)

        """
        if let htpasswd {
            let parts = htpasswd.split(separator: ":", maxSplits: 1).map(String.init)
            let r = try HostProcess.run(["/usr/bin/htpasswd", "-Bbn", parts[0], parts[1]], environment: [], timeoutNanos: 10_000_000_000, what: "htpasswd")
            guard r.status == 0 else { throw HiveError(.internal, "htpasswd failed: \(r.stderr)") }
            try LoopbackRegistry.write(dir + "/htpasswd", r.stdout)
            config += "auth: {htpasswd: {realm: hive-test, path: \(dir)/htpasswd}}\n"
        }
        if tls {
            let d = dir
            let steps = [
                ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hive test CA",
                 "-keyout", d + "/ca.key", "-out", d + "/ca.crt"],
                ["/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                 "-keyout", d + "/server.key", "-out", d + "/server.csr"],
                ["/usr/bin/openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
                 "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out", d + "/server.crt"],
            ]
            try LoopbackRegistry.write(d + "/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
            for argv in steps {
                let r = try HostProcess.run(argv, environment: [], timeoutNanos: 60_000_000_000, what: "openssl")
                guard r.status == 0 else { throw HiveError(.internal, "openssl failed: \(r.stderr)") }
            }
            mkdir(d + "/certs.d", 0o755)
            mkdir(d + "/certs.d/127.0.0.1:\(port)", 0o755)
            _ = try HostProcess.run(["/bin/cp", d + "/ca.crt", d + "/certs.d/127.0.0.1:\(port)/ca.crt"], environment: [], timeoutNanos: 10_000_000_000, what: "cp")
            config += "  tls: {certificate: \(d)/server.crt, key: \(d)/server.key}\n"
        }
        if let token {
            config += "auth: {token: {realm: \"\(token.realm)\", service: \(token.service), issuer: \(token.issuer), rootcertbundle: \(token.certificate)}}\n"
        }
        try LoopbackRegistry.write(dir + "/config.yml", config)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = [LoopbackRegistry.binary, "serve", dir + "/config.yml"]
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        // The test runner's threads block signals; the server gets an empty mask.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var p: pid_t = 0
        let rc = posix_spawn(&p, LoopbackRegistry.binary, &actions, &attr, &cargs, environ)
        guard rc == 0 else { throw HiveError.errno("cannot start docker-registry", rc) }
        pid = p
        try waitListening()
    }

    static func tempDir() throws -> String {
        var template = Array("/tmp/hive-registry-XXXXXX".utf8CString)
        guard let d = mkdtemp(&template) else { throw HiveError.errno("mkdtemp") }
        return String(cString: d)
    }

    deinit {
        kill(pid, SIGTERM)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
        _ = try? HostProcess.run(["/bin/rm", "-rf", dir], environment: [], timeoutNanos: 30_000_000_000, what: "rm")
    }

    private func waitListening() throws {
        for _ in 0..<200 {
            if LoopbackRegistry.connects(port) { return }
            var st: Int32 = 0
            if waitpid(pid, &st, WNOHANG) == pid { throw HiveError(.unavailable, "docker-registry exited (see \(dir)/log)") }
            usleep(25_000)
        }
        throw HiveError(.timeout, "docker-registry does not listen on 127.0.0.1:\(port) after 5 s")
    }

    static func connects(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var a = loopback(port)
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return a
    }

    /// A port nothing listens on now (bound to 0, read back, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = loopback(0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw HiveError.errno("cannot find a free port") }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    static func write(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HiveError.errno("cannot create \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else { throw HiveError.errno("cannot write \(path)") }
    }
}
