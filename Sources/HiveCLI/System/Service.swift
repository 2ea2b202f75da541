// `hive system service [--time SECONDS] [--group NAME] [unix:///PATH]`:
// the Docker Engine API on a Unix socket (HiveAPI), as `podman system
// service`. Systemd socket activation: with LISTEN_FDS set for this
// process, the inherited socket (fd 3) is served and no path is bound.
import Glibc
import HiveAPI
import HiveArchive
import HiveEngine
import HivePlatform

/// The running service and the pipe its signal handler writes to (a C
/// signal handler reaches only globals).
nonisolated(unsafe) private var serviceToStop: APIServer?
nonisolated(unsafe) private var serviceWakeFD: Int32 = -1

enum SystemService {
    static let def = CommandDef(
        name: "system service", aliases: ["system service"], usage: "[OPTIONS] [URI]",
        summary: "Serve the Docker Engine API on a Unix socket (default unix:///run/hive/hive.sock)",
        options: [
            .value("time", "t", "seconds", "Exit after this many idle seconds; 0: never (default 5)"),
            .value("group", nil, "name", "The group that may use the socket (mode 0660; default: root only)"),
            .value("tlscacert", nil, "file", "tcp:// only: the CA that signed the clients' certificates (PEM)"),
            .value("tlscert", nil, "file", "tcp:// only: the service's certificate (PEM)"),
            .value("tlskey", nil, "file", "tcp:// only: the service's private key (PEM)"),
        ], run: run)

    static let defaultSocket = "/run/hive/hive.sock"

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 1)
        let engine = try c.engine()  // checks --root and opens the store once, as every verb
        var path = defaultSocket
        var tcp: (host: String, port: Int, tls: APIServer.TLSFiles)?
        if let uri = c.args.positionals.first {
            if uri.hasPrefix("unix://") { path = String(uri.dropFirst(7)) }
            else if uri.hasPrefix("tcp://") { tcp = try tcpListener(uri, c) }
            else if uri.hasPrefix("/") { path = uri }
            else { throw HiveError(.invalidArgument, "\(uri) is not a socket URI: give unix:///PATH") }
            guard tcp != nil || path.hasPrefix("/") else { throw HiveError(.invalidArgument, "\(uri): the socket path must be absolute") }
        }
        var s = APIServer.Settings(root: engine.store.root, runroot: engine.store.runroot, socketPath: path, engineOptions: c.globals.engineOptions)
        s.tcp = tcp
        if tcp == nil, let f = ["tlscacert", "tlscert", "tlskey"].first(where: { c.args.value($0) != nil }) {
            throw HiveError(.invalidArgument, "--\(f) is for a tcp:// listener; a Unix socket's access is its mode and group")
        }
        if let t = c.args.value("time") {
            guard let n = Double(t), n >= 0, n <= 1e9 else { throw HiveError(.invalidArgument, "invalid --time \"\(t)\": give idle seconds (at most 1e9), 0 for never") }
            s.idleSeconds = n
        }
        if let g = c.args.value("group") {
            // the host's /etc/group read as a file: a static hive has no NSS (getgrnam crashes in it)
            guard let gid = try? UserResolver.groupID(g, layers: ["/"]) else {
                throw HiveError(.notFound, "no such group: \(g) (--group names who may use the socket)")
            }
            s.group = gid
        }
        s.listenFD = inheritedSocket()
        let server = APIServer(settings: s)
        stopOnSignals(server)
        try server.run()
        return 0
    }

    /// SIGTERM (systemd's stop) and SIGINT end the service as idleness does:
    /// no new connection, the running requests finish, the socket goes.
    /// The handler only writes to a pipe; a thread reading it stops the server.
    static func stopOnSignals(_ server: APIServer) {
        var p: [Int32] = [-1, -1]
        guard Files.pipeCloexec(&p) == 0 else { return }
        serviceToStop = server
        serviceWakeFD = p[1]
        for sig in [SIGTERM, SIGINT] {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = { _ in
                var b: UInt8 = 1
                _ = write(serviceWakeFD, &b, 1)
            }
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = SA_RESTART
            sigaction(sig, &sa, nil)
        }
        let readFD = p[0]
        HostThread.detach {
            var b: UInt8 = 0
            while read(readFD, &b, 1) < 0 && errno == EINTR {}
            serviceToStop?.stop()
        }
    }

    /// `tcp://HOST:PORT`: never without TLS and client certificates (access to the API is root).
    static func tcpListener(_ uri: String, _ c: Context) throws -> (host: String, port: Int, tls: APIServer.TLSFiles) {
        let hp = uri.dropFirst(6)
        guard let colon = hp.lastIndex(of: ":"), let port = Int(hp[hp.index(after: colon)...]), (1...65535).contains(port) else {
            throw HiveError(.invalidArgument, "\(uri): give tcp://HOST:PORT")
        }
        var host = String(hp[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let ca = c.args.value("tlscacert"), let cert = c.args.value("tlscert"), let key = c.args.value("tlskey") else {
            throw HiveError(.invalidArgument, "\(uri): a TCP listener needs TLS with client certificates: give --tlscacert, --tlscert and --tlskey (access to the API is root)")
        }
        return (host.isEmpty ? "0.0.0.0" : host, port, APIServer.TLSFiles(ca: ca, cert: cert, key: key))
    }

    /// systemd's socket activation: LISTEN_PID is this process and LISTEN_FDS ≥ 1 → fd 3.
    static func inheritedSocket() -> Int32 {
        guard let p = getenv("LISTEN_PID"), let n = getenv("LISTEN_FDS"),
              Int32(String(cString: p)) == getpid(), (Int(String(cString: n)) ?? 0) >= 1 else { return -1 }
        unsetenv("LISTEN_PID"); unsetenv("LISTEN_FDS"); unsetenv("LISTEN_FDNAMES")
        _ = fcntl(3, F_SETFD, FD_CLOEXEC)
        return 3
    }
}
