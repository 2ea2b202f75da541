// Content descriptor.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md
import HivePlatform

public struct Descriptor: Codable, Sendable, Equatable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    public var platform: Platform?
    public var artifactType: String?

    public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil, platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }
}

extension Descriptor {
    /// Checks content of `size` bytes hashing to `digest` against this
    /// descriptor, size first: a blob is trusted, and parsed, only once both
    /// agree (image-spec descriptor.md: "the size ... SHOULD be verified
    /// before the content is used").
    public func verify(size: Int64, digest: Digest, what: String) throws(HiveError) {
        guard self.size >= 0 else {
            throw HiveError(.corrupt, "\(what): its descriptor gives a negative size (\(self.size))")
        }
        guard size == self.size else {
            throw HiveError(.corrupt, "\(what) is \(size) bytes, but its descriptor says \(self.size)")
        }
        guard digest == self.digest else { throw HiveError.digestMismatch(what, got: digest) }
    }
}

extension HiveError {
    /// Content `what` that hashes to `got`, not to the digest it is named by.
    public static func digestMismatch(_ what: String, got: Digest) -> HiveError {
        HiveError(.corrupt, "\(what) does not match its digest (its content hashes to \(got))")
    }

    /// A layer `what` whose tar hashes to `got`, not to the diff_id `expected`
    /// (named `from`, e.g. "in the image config").
    public static func diffIDMismatch(_ what: String, expected: Digest, from: String? = nil, got: Digest) -> HiveError {
        HiveError(.corrupt, "\(what) does not match diff_id \(expected)\(from.map { " " + $0 } ?? "") (it unpacks to \(got))")
    }
}

public struct Platform: Codable, Sendable, Equatable {
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(architecture: String, os: String, variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }
}

public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    public static func isManifest(_ m: String?) -> Bool { m == ociManifest || m == dockerManifest }
    public static func isIndex(_ m: String?) -> Bool { m == ociIndex || m == dockerManifestList }
    public static func isLayer(_ m: String) -> Bool {
        m.hasPrefix("application/vnd.oci.image.layer.") || m.hasPrefix("application/vnd.docker.image.rootfs.")
    }
}
