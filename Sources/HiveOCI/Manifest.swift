// Image manifest and image index.
// Spec: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//       https://github.com/opencontainers/image-spec/blob/main/image-index.md

public struct Manifest: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var artifactType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(config: Descriptor, layers: [Descriptor], mediaType: String = MediaType.ociManifest) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
    }
}

public struct Index: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var artifactType: String?
    public var manifests: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(manifests: [Descriptor]) {
        self.schemaVersion = 2
        self.mediaType = MediaType.ociIndex
        self.manifests = manifests
    }
}

/// `oci-layout` file. Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md
public struct OCILayout: Codable, Sendable, Equatable {
    public var imageLayoutVersion: String
    public init() { imageLayoutVersion = "1.0.0" }
}

/// One entry of a docker-archive `manifest.json` (`docker save`).
/// Spec: https://github.com/moby/moby/blob/master/image/spec/v1.2.md (Combined Image JSON + Filesystem Changeset Format)
public struct DockerArchiveEntry: Codable, Sendable, Equatable {
    public var config: String
    public var repoTags: [String]?
    public var layers: [String]

    enum CodingKeys: String, CodingKey {
        case config = "Config"
        case repoTags = "RepoTags"
        case layers = "Layers"
    }

    public init(config: String, repoTags: [String]?, layers: [String]) {
        self.config = config
        self.repoTags = repoTags
        self.layers = layers
    }
}

/// Annotation keys used by OCI layouts to name images.
public enum Annotation {
    public static let refName = "org.opencontainers.image.ref.name"
    public static let containerdImageName = "io.containerd.image.name"
    public static let created = "org.opencontainers.image.created"
}
