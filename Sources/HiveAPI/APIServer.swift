// `hive system service`: the Docker Engine API on a Unix socket. A front,
// not a daemon: every request runs the same engine, store and hooks as the
// CLI, on a thread of its own, and the service keeps no state of its own.
// It exits after `idleSeconds` with no request in flight (never while a
// stream — attach, logs, events, exec — is open), and refuses to start on
// a socket another service holds (a lock beside it).
import Glibc
import HiveEngine
import HivePlatform
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

public final class APIServer: @unchecked Sendable {
    public struct Settings: Sendable {
        public var root: String
        public var runroot: String
        /// The socket's path (ignored with an inherited socket).
        public var socketPath: String
        /// A listening socket from systemd (LISTEN_FDS), or -1.
        public var listenFD: Int32 = -1
        /// Idle seconds before exiting; 0: never.
        public var idleSeconds: Double = 5
        /// The group that may use the socket (0660); nil: root only (0600... 0660 root:root).
        public var group: gid_t?
        /// A TCP listener instead of the socket (`tcp://HOST:PORT`): only with TLS and client certificates.
        public var tcp: (host: String, port: Int, tls: TLSFiles)?
        public var engineOptions: EngineOptions
        public init(root: String, runroot: String, socketPath: String, engineOptions: EngineOptions) {
            self.root = root
            self.runroot = runroot
            self.socketPath = socketPath
            self.engineOptions = engineOptions
        }
    }

    /// The PEM files of a TCP listener: clients must show a certificate the CA signed.
    public struct TLSFiles: Sendable {
        public var ca: String, cert: String, key: String
        public init(ca: String, cert: String, key: String) { self.ca = ca; self.cert = cert; self.key = key }
    }

    public static let serverVersion = EngineVersion.hive
    public let settings: Settings
    let router: APIRouter
    private var mutex = pthread_mutex_t()
    private var inFlight = 0
    private var lastActive = Timestamp.now().unixNanos
    /// The listening channel once bound; `stop()` closes it.
    private var listener: Channel?
    private var stopRequested = false
    /// Called once the socket accepts connections (`hive compose` then starts compose).
    public var onListening: (() -> Void)?

    public init(settings: Settings, routes: [APIRoute]? = nil) {
        self.settings = settings
        router = APIRouter(routes ?? APIServer.routes)
        pthread_mutex_init(&mutex, nil)
    }

    /// Serves until idle (or for ever with idleSeconds 0), or until `stop()`.
    /// On the way out the socket and its lock are removed (an inherited
    /// socket is systemd's and stays) and requests still running get a few
    /// seconds to finish their engine work.
    public func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var lockFD: Int32 = -1
        let tls = try settings.tcp.map { try APIServer.tlsContext($0.tls) }
        if settings.listenFD < 0 && settings.tcp == nil {
            lockFD = try takeSocket()
        }
        defer {
            if lockFD >= 0 {
                // still holding the lock: nobody else can have bound the path meanwhile
                unlink(settings.socketPath)
                unlink(settings.socketPath + ".lock")
                close(lockFD)
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer {
            // requests still running finish before their channels' loop goes
            drain(deadlineNanos: 5_000_000_000)
            try? group.syncShutdownGracefully()
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
                    let encoder = HTTPResponseEncoder()
                    let handler = APIHandler(server: self, decoder: decoder, encoder: encoder)
                    try channel.pipeline.syncOperations.addHandlers([decoder, encoder, handler])
                }
            }
        let server: Channel
        do {
            if settings.listenFD >= 0 {
                server = try bootstrap.withBoundSocket(settings.listenFD).wait()
            } else if let tcp = settings.tcp {
                server = try bootstrap.bind(host: tcp.host, port: tcp.port).wait()
            } else {
                server = try bootstrap.bind(unixDomainSocketPath: settings.socketPath, cleanupExistingSocketFile: true).wait()
                try secureSocket()
            }
        } catch let e as HiveError {
            throw e
        } catch {
            throw HiveError(.io, "cannot listen on \(settings.tcp.map { "tcp://\($0.host):\($0.port)" } ?? settings.socketPath)", cause: error)
        }
        // the detached checkpointers the requests start are this process's children
        server.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in HostProcess.reapDetached() }
        pthread_mutex_lock(&mutex)
        listener = server
        let stopNow = stopRequested
        pthread_mutex_unlock(&mutex)
        if stopNow { server.close(promise: nil) }
        onListening?()
        if settings.idleSeconds > 0 {
            let idleNanos = Int64(settings.idleSeconds * 1e9)
            server.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] task in
                if idleFor() >= idleNanos {
                    task.cancel()
                    server.close(promise: nil)
                }
            }
        }
        try server.closeFuture.wait()
    }

    /// TLS for a TCP listener: the server's certificate and key, and a client
    /// certificate required and checked against the CA (Docker's --tlsverify).
    static func tlsContext(_ f: TLSFiles) throws -> NIOSSLContext {
        do {
            var c = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(f.cert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: f.key, format: .pem)))
            c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(f.ca))
            c.certificateVerification = .noHostnameVerification
            c.minimumTLSVersion = .tlsv12
            return try NIOSSLContext(configuration: c)
        } catch {
            throw HiveError(.invalidArgument, "cannot use the TLS files (--tlscacert \(f.ca), --tlscert \(f.cert), --tlskey \(f.key))", cause: error)
        }
    }

    /// Stops accepting connections; `run()` then returns (any thread; before
    /// `run()` has bound, it returns as soon as it has).
    public func stop() {
        pthread_mutex_lock(&mutex)
        stopRequested = true
        let l = listener
        pthread_mutex_unlock(&mutex)
        l?.close(promise: nil)
    }

    /// Some bytes of a request arrived: a long upload (a build context) is activity too.
    func touch() {
        pthread_mutex_lock(&mutex)
        lastActive = Timestamp.now().unixNanos
        pthread_mutex_unlock(&mutex)
    }

    /// Waits (at most the deadline) for the requests still running.
    func drain(deadlineNanos: Int64) {
        let end = HostProcess.monotonicNanos() + deadlineNanos
        while HostProcess.monotonicNanos() < end {
            pthread_mutex_lock(&mutex)
            let n = inFlight
            pthread_mutex_unlock(&mutex)
            if n == 0 { return }
            usleep(20_000)
        }
    }

    /// Nanoseconds since the last request ended (0 while one is in flight).
    func idleFor() -> Int64 {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return inFlight > 0 ? 0 : Timestamp.now().unixNanos - lastActive
    }

    /// Runs a request on a thread of its own (engine calls block; streams last).
    func dispatch(_ request: APIRequest, _ responder: APIResponder) {
        pthread_mutex_lock(&mutex)
        inFlight += 1
        pthread_mutex_unlock(&mutex)
        let call = APICall(request: request, responder: responder, settings: settings)
        HostThread.detach { [self] in
            router.serve(call)
            call.finish()
            pthread_mutex_lock(&mutex)
            inFlight -= 1
            lastActive = Timestamp.now().unixNanos
            pthread_mutex_unlock(&mutex)
        }
    }

    /// The lock beside the socket: a second service on it is refused; a
    /// socket left by a service that died is replaced.
    func takeSocket() throws -> Int32 {
        let path = settings.socketPath
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            var dir = ""
            for part in path[..<slash].split(separator: "/") {
                dir += "/" + part
                if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                    throw HiveError(.io, "cannot make \(dir) for the socket", cause: String(cString: strerror(errno)))
                }
            }
        }
        let lock = path + ".lock"
        var fd: Int32 = -1
        // a service that exits unlinks its lock file before letting go of it:
        // a lock won on such an unlinked file is retried on the new one
        for _ in 0..<20 {
            fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw HiveError(.io, "cannot open \(lock)", cause: String(cString: strerror(errno))) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                throw HiveError(.conflict, "another hive system service is serving \(path): stop it first, or give another socket path")
            }
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0 && lstat(lock, &named) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev { break }
            close(fd)
            fd = -1
        }
        guard fd >= 0 else { throw HiveError(.conflict, "cannot take \(lock): services keep starting and stopping on \(path)") }
        // only a socket (never a file a user planted) is removed before binding
        var st = stat()
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFSOCK {
            unlink(lock)
            close(fd)
            throw HiveError(.conflict, "\(path) exists and is not a socket: remove it or give another path")
        }
        return fd
    }

    /// 0660, owned by root and `group` (root's group without one).
    func secureSocket() throws {
        let path = settings.socketPath
        guard chown(path, 0, settings.group ?? 0) == 0, chmod(path, 0o660) == 0 else {
            throw HiveError(.io, "cannot set the owner and mode of \(path)", cause: String(cString: strerror(errno)))
        }
    }
}
