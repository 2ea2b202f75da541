// The OCI distribution client (issue #12), over AsyncHTTPClient: auth
// (Bearer token with scope, Basic) from WWW-Authenticate, manifests with
// the OCI+Docker Accept list (4 MiB cap), blobs streamed to a file
// descriptor with Range resume, uploads, retries with backoff, timeouts,
// redirects, mirrors, TLS from certs.d, proxies. A synchronous facade: hive
// is threads, not tasks; each call blocks its calling thread, and several
// threads may call at once (pull fetches layers concurrently).
import HiveOCI
import HivePlatform

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
