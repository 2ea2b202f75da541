// What a pull reports while it runs (the CLI renders it as Docker does:
// `latest: Pulling from library/busybox`, per layer `Pulling fs layer`,
// `Downloading`, `Extracting`, `Pull complete`, `Already exists`), and the
// result it returns. Pure values; the puller calls its progress function
// from several threads, one call at a time.
import HiveOCI

/// One layer's state in a pull.
public enum PullLayerPhase: Sendable, Equatable {
    /// The layer is stored already (by chain ID): not fetched.
    case alreadyExists
    /// Queued for download.
    case pullingFSLayer
    /// `done` of `total` compressed bytes received (and extracted as they come).
    case downloading(done: Int64, total: Int64)
    /// Every byte received; the extraction finishes and is checked.
    case extracting
    /// Extracted, verified (blob digest and diff_id) and in place.
    case complete

    /// Docker's words for the state.
    public var words: String {
        switch self {
        case .alreadyExists: return "Already exists"
        case .pullingFSLayer: return "Pulling fs layer"
        case .downloading: return "Downloading"
        case .extracting: return "Extracting"
        case .complete: return "Pull complete"
        }
    }

    /// Whether a move from `self` to `next` is a new state (not only more bytes).
    public func isNewState(_ next: PullLayerPhase) -> Bool {
        switch (self, next) {
        case (.downloading, .downloading): return false
        default: return self != next
        }
    }
}

/// What the puller reports, in order.
public enum PullUpdate: Sendable, Equatable {
    /// `latest: Pulling from library/busybox` (`tagOrDigest`, the repository path, as Docker shows it).
    case pulling(tagOrDigest: String, repository: String)
    /// A layer (Docker's 12-hex short form of its blob digest) changed state.
    case layer(id: String, PullLayerPhase)
}

/// What a pull did.
public struct PullResult: Sendable, Equatable {
    /// The reference pulled (after aliases and hooks), fully qualified.
    public var reference: Reference
    /// The image ID (its config digest).
    public var id: Digest
    /// The digest of what the registry served for the reference (an index's
    /// digest for a multi-platform image): the RepoDigest.
    public var digest: Digest
    /// The image was stored already: only its tag and RepoDigest were set.
    public var upToDate: Bool
    public init(reference: Reference, id: Digest, digest: Digest, upToDate: Bool) {
        self.reference = reference
        self.id = id
        self.digest = digest
        self.upToDate = upToDate
    }
}

/// Called with each update, one call at a time (from the pull's threads).
public typealias PullProgress = @Sendable (PullUpdate) -> Void
