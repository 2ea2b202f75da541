// The OCI distribution client (issue #12), over AsyncHTTPClient: auth
// (Bearer token with scope, Basic) from WWW-Authenticate, manifests with
// the OCI+Docker Accept list (4 MiB cap), blobs streamed to a file
// descriptor with Range resume, uploads, retries with backoff, timeouts,
// redirects, mirrors, TLS from certs.d, proxies. A synchronous facade: hive
// is threads, not tasks; each call blocks its calling thread, and several
// threads may call at once (pull fetches layers concurrently).
import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import HiveOCI
import HivePlatform
import NIOPosix
import NIOSSL

/// A repository on a registry, as requests name it.
public struct RepositoryRef: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The reference's domain (`docker.io`, `127.0.0.1:5000`): settings, mirrors and credentials are keyed by it.
    public var domain: String
    /// `library/busybox`.
    public var path: String
    public init(domain: String, path: String) {
        self.domain = domain
        self.path = path
    }
    public init(_ ref: Reference) { self.init(domain: ref.domain, path: ref.path) }
    /// `docker.io/library/busybox`.
    public var description: String { domain + "/" + path }
}

/// A manifest or index as a registry served it.
public struct FetchedManifest: Sendable {
    public var bytes: [UInt8]
    /// The Content-Type (or the document's own mediaType).
    public var mediaType: String
    /// sha256 of `bytes` (checked against the digest asked for, when asked by digest).
    public var digest: Digest
    public init(bytes: [UInt8], mediaType: String, digest: Digest) {
        self.bytes = bytes
        self.mediaType = mediaType
        self.digest = digest
    }
}

/// Progress of one blob transfer: bytes done so far (of the descriptor's size).
public typealias TransferProgress = @Sendable (_ done: Int64) -> Void

/// How long the client waits (hive.toml [registries] may change them).
public struct RegistryTimeouts: Sendable, Equatable {
    /// To connect (TCP and TLS).
    public var connectNanos: Int64 = 10_000_000_000
    /// With no byte received (a stalled server), on any request.
    public var stallNanos: Int64 = 30_000_000_000
    public init() {}
}

/// A synchronous client of one command: every call blocks its calling
/// thread (see HTTPExchange); several threads may call at once. Made lazily
/// by the engine for the verbs that talk to registries; `shutdown` closes it.
public final class RegistryClient: @unchecked Sendable {
    public let settings: RegistrySettings
    public let timeouts: RegistryTimeouts
    let credentials: (any CredentialSource)?
    let logger: Logger
    /// Connections, TLS configurations, tokens, what hosts speak: for this command only.
    let state = Locked(ClientState())

    public init(settings: RegistrySettings, credentials: (any CredentialSource)?, logger: Logger,
                timeouts: RegistryTimeouts = RegistryTimeouts()) {
        self.settings = settings
        self.credentials = credentials
        self.logger = logger
        self.timeouts = timeouts
    }

    deinit { shutdown() }

    /// Closes connections (idempotent; the engine calls it at the end of a command).
    public func shutdown() {
        let (clients, group) = state.withLock { s in
            defer { s.clients = [:]; s.group = nil }
            return (Array(s.clients.values), s.group)
        }
        for c in clients { try? c.syncShutdown() }
        try? group?.syncShutdownGracefully()
    }

    /// A manifest or index by tag or digest (`reference`), from a mirror or the
    /// origin; at most 4 MiB; checked against the digest when asked by digest.
    /// A missing tag or digest: `.notFound` ("manifest unknown" in its words).
    public func manifest(_ repo: RepositoryRef, reference: String) throws(HiveError) -> FetchedManifest {
        try fetchManifest(repo, reference: reference)
    }

    /// HEAD of a manifest: its digest, media type and size; nil if the registry does not have it.
    public func manifestDigest(_ repo: RepositoryRef, reference: String) throws(HiveError) -> (digest: Digest, mediaType: String, size: Int64)? {
        try headManifest(repo, reference: reference)
    }

    /// Streams the blob `desc` into `fd`: all of its bytes, in order, once
    /// (a dropped connection resumes with a Range request), blocking the
    /// calling thread; `progress` gets the bytes written so far. Checks the
    /// size; the digest is checked by the reader (the store's ingest) unless
    /// `verify` (then here too). Several threads may call at once.
    public func fetchBlob(_ repo: RepositoryRef, _ desc: Descriptor, into fd: Int32, verify: Bool = false,
                          progress: TransferProgress? = nil) throws(HiveError) {
        try streamBlob(repo, desc, into: fd, verify: verify, progress: progress)
    }

    /// A small blob (a config) in memory: at most `limit` bytes, digest checked.
    public func blobBytes(_ repo: RepositoryRef, _ desc: Descriptor, limit: Int64 = 16 << 20) throws(HiveError) -> [UInt8] {
        try smallBlob(repo, desc, limit: limit)
    }

    /// The size of blob `digest` if the registry has it in `repo` (HEAD), else nil.
    public func blobExists(_ repo: RepositoryRef, _ digest: Digest) throws(HiveError) -> Int64? {
        try headBlob(repo, digest)
    }

    /// Cross-repository mount from `fromPath` (a repository path on the same
    /// registry): true if mounted; false if the registry would not (the client
    /// cancels the upload it started instead).
    public func mountBlob(_ repo: RepositoryRef, _ digest: Digest, fromPath: String) throws(HiveError) -> Bool {
        try mount(repo, digest, fromPath: fromPath)
    }

    /// Uploads `size` bytes of the file `fd` (from offset 0, read with pread so
    /// a chunk can be sent again) as blob `digest`: in one request when small,
    /// in chunks when large, resuming from the registry's offset after a failure.
    public func uploadBlob(_ repo: RepositoryRef, digest: Digest, size: Int64, from fd: Int32,
                           progress: TransferProgress? = nil) throws(HiveError) {
        try upload(repo, digest: digest, size: size, from: fd, progress: progress)
    }

    /// PUTs a manifest by tag or digest; returns its digest (the registry's Docker-Content-Digest, checked against the bytes').
    public func putManifest(_ repo: RepositoryRef, reference: String, bytes: [UInt8], mediaType: String) throws(HiveError) -> Digest {
        try sendManifest(repo, reference: reference, bytes: bytes, mediaType: mediaType)
    }

    /// The tags of a repository (`pull -a`), every page.
    public func tags(_ repo: RepositoryRef) throws(HiveError) -> [String] {
        try listTags(repo)
    }

    /// GET /v2/ with the credentials given (login): returns, or throws `.auth`
    /// with the registry's words, `.unavailable` when it cannot be reached.
    public func checkLogin(registry domain: String, credentials: Credentials) throws(HiveError) {
        state.withLock { s in
            s.loginCredentials[domain] = credentials
            s.authorization = [:]
            s.tokens = [:]
        }
        try onEndpoints(domain, pull: false) { (ep) throws(HiveError) in
            let r = try perform(RegistryCall(method: .GET, path: "/v2/"), on: ep, domain: domain)
            guard r.status == 200 else { throw failure(r, what: domain, domain: domain) }
            r.exchange.drain()
        }
    }
}

/// What one client keeps for its command (behind `RegistryClient.state`'s lock).
struct ClientState {
    var group: MultiThreadedEventLoopGroup?
    var clients: [String: HTTPClient] = [:]
    var tls: [String: TLSConfiguration] = [:]
    /// Authorization header values by "host|scope" (and "host|basic").
    var authorization: [String: String] = [:]
    /// Bearer tokens by realm, service, scope and user.
    var tokens: [String: String] = [:]
    /// Hosts found to speak plain http only.
    var plainHTTP: Set<String> = []
    /// Loopback hosts found to speak TLS.
    var tlsHosts: Set<String> = []
    /// Credentials being checked by a login (they win over the stored ones).
    var loginCredentials: [String: Credentials] = [:]
}

/// A value behind a mutex.
final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value
    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&value)
    }
}
