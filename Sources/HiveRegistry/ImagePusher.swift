// Push (issue #12): an image of the store to a registry repository. Every
// layer is provided by the cheapest way that works (ImagePusher+Layers.swift),
// on a bounded pool of threads; then the config blob, then the manifest: the
// stored manifest bytes unchanged when every layer blob is used as stored (a
// pulled image pushed back keeps its digest), else a new one in Docker's
// manifest v2 schema 2 (default) or OCI's types with the layers compressed
// here. Progress goes to a callback (from the pool's threads): nothing here prints.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

/// The manifest types a push writes.
public enum ManifestFormat: String, Sendable, CaseIterable {
    case oci, v2s2
}

/// What `hive push` asks for.
public struct PushOptions: Sendable {
    /// nil: the stored manifest when it can be kept, else v2s2 (oci for zstd).
    public var format: ManifestFormat?
    /// nil: the stored blobs when they can be kept, else gzip.
    public var compression: LayerCompression?
    public var compressionLevel: Int32?
    /// Layers pushed at once.
    public var parallel = 3
    public init() {}
}

/// What a layer is doing, as Docker's push shows it.
public enum LayerPushState: Sendable, Equatable {
    case preparing
    case pushing(done: Int64, total: Int64)
    case pushed
    case exists
    /// From another repository (its path) of the same registry.
    case mounted(from: String)

    /// Docker's words for the state.
    public var words: String {
        switch self {
        case .preparing: return "Preparing"
        case .pushing: return "Pushing"
        case .pushed: return "Pushed"
        case .exists: return "Layer already exists"
        case .mounted(let from): return "Mounted from \(from)"
        }
    }
}

/// Progress of a push: a layer (12 hex digits of its diffID) changed state.
public struct LayerPushEvent: Sendable {
    public var id: String
    public var state: LayerPushState
}

/// One pushed manifest.
public struct PushResult: Sendable {
    public var reference: Reference
    public var digest: Digest
    public var size: Int
}

public final class ImagePusher: @unchecked Sendable {
    let client: RegistryClient
    let store: Store
    let progress: @Sendable (LayerPushEvent) -> Void

    public init(client: RegistryClient, store: Store, progress: @escaping @Sendable (LayerPushEvent) -> Void) {
        self.client = client
        self.store = store
        self.progress = progress
    }

    /// Pushes image `id` as `ref` (a tag, not a digest). Records the layer
    /// blobs the registry now has (Store.recordLayerBlob); the caller records the RepoDigest.
    public func push(image id: Digest, to ref: Reference, options: PushOptions) throws -> PushResult {
        guard let tag = ref.tag, ref.digest == nil else {
            throw HiveError(.invalidArgument, "cannot push \"\(ref)\": push a tag (NAME:TAG), not a digest")
        }
        if options.format == .v2s2 && options.compression == .zstd {
            throw HiveError(.invalidArgument, "--compression-format zstd needs --format oci (Docker's manifest v2 schema 2 has no zstd layers)")
        }
        let repo = RepositoryRef(ref)
        let (rec, manifest, config) = try store.manifestAndConfig(id)
        let layers = try store.layers(of: id)
        guard layers.count == manifest.layers.count, config.rootfs.diffIDs == layers.map(\.diffID) else {
            throw HiveError(.corrupt, "image \(id.shortID): its manifest, config and layers disagree (remove and re-load the image)")
        }
        var jobs: [LayerJob] = []
        for (i, l) in layers.enumerated() {
            jobs.append(LayerJob(layer: l, stored: manifest.layers[i], known: try store.layerBlobs(diffID: l.diffID, preferRepository: repo.description)))
        }
        // The stored manifest as it is, if asked for nothing else and its blobs are compressed ones.
        var keep = options.format == nil && options.compression == nil && MediaType.isManifest(rec.manifestMediaType)
            && manifest.layers.allSatisfy { LayerCompression(mediaType: $0.mediaType) != nil }
        var outcomes: [LayerOutcome] = []
        if keep {
            do {
                outcomes = try pushLayers(jobs, repo: repo, plan: .asStored, parallel: options.parallel)
            } catch is NotAsStored {
                keep = false
            }
        }
        let format = options.format ?? (options.compression == .zstd ? .oci : .v2s2)
        if !keep {
            let kind = options.compression ?? .gzip
            outcomes = try pushLayers(jobs, repo: repo, plan: .compressed(kind, docker: format == .v2s2, level: options.compressionLevel),
                                      parallel: options.parallel)
        }
        try pushBlob(repo, digest: id, what: "the image config")
        let bytes: [UInt8], mediaType: String
        if keep {
            bytes = try store.readBlob(rec.manifestDigest, limit: JSONValue.maxDocumentBytes)
            mediaType = rec.manifestMediaType
        } else {
            let configSize = store.blobSize(id) ?? 0
            let m = Manifest(config: Descriptor(mediaType: format == .v2s2 ? MediaType.dockerConfig : MediaType.ociConfig, digest: id, size: configSize),
                             layers: outcomes.map(\.descriptor), mediaType: format == .v2s2 ? MediaType.dockerManifest : MediaType.ociManifest)
            bytes = try JSONCoding.encode(m)
            mediaType = m.mediaType!
        }
        let digest = try client.putManifest(repo, reference: tag, bytes: bytes, mediaType: mediaType)
        let local = Digest.of(bytes)
        guard digest == local else {
            throw HiveError(.corrupt, "\(repo.domain) stored the manifest of \(ref) as \(digest), but its bytes hash to \(local)")
        }
        return PushResult(reference: ref, digest: digest, size: bytes.count)
    }

    /// Uploads the stored blob `digest` unless the registry has it.
    func pushBlob(_ repo: RepositoryRef, digest: Digest, what: String) throws {
        if try client.blobExists(repo, digest) != nil { return }
        let fd = open(store.blobPath(digest), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot read \(what) (\(digest.shortID)) from the store") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HiveError.errno("cannot read \(what)") }
        try client.uploadBlob(repo, digest: digest, size: Int64(st.st_size), from: fd)
    }
}
