// Image manifest and image index.
// Spec: https://github.com/opencontainers/image-spec/blob/main/manifest.md
//       https://github.com/opencontainers/image-spec/blob/main/image-index.md
import HivePlatform

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

/// Which of the two a manifest-or-index document is: decided from its shape
/// alone, then checked against every media type that names it. A document
/// that reads as both (`manifests` beside `config` or `layers`), or whose
/// `mediaType` or descriptor says the other kind, is refused, so a digest
/// pins one meaning (CVE-2021-41190; containers/image#1409, umoci#404).
public enum ImageDocumentKind: String, Sendable, Equatable {
    case manifest = "image manifest"
    case index = "image index"

    /// - Parameters:
    ///   - bytes: the document (already verified against its digest and size).
    ///   - descriptorMediaType: the media type of the descriptor that pointed
    ///     here (nil for an OCI layout's index.json).
    ///   - what: names the document in errors ("manifest sha256:... in x.tar").
    public static func of(_ bytes: [UInt8], descriptorMediaType: String?, what: String) throws(HiveError) -> ImageDocumentKind {
        let doc: [String: JSONValue]
        do {
            guard case .object(let o) = try JSONValue.parse(bytes) else {
                throw HiveError(.corrupt, "\(what) is not a JSON object")
            }
            doc = o
        } catch let e as JSONValue.ParseError {
            throw HiveError(.corrupt, "\(what) is not valid JSON (\(e))")
        } catch let e as HiveError {
            throw e
        } catch {
            throw HiveError(.corrupt, "\(what) is not valid JSON")
        }
        let isIndex = doc["manifests"] != nil
        let isManifest = doc["config"] != nil || doc["layers"] != nil
        if isIndex && isManifest {
            throw HiveError(.corrupt, "\(what) is both an image index (it has manifests) and an image manifest (it has config or layers): refused as ambiguous (CVE-2021-41190)")
        }
        guard isIndex || isManifest else {
            throw HiveError(.corrupt, "\(what) is neither an image manifest (config, layers) nor an image index (manifests)")
        }
        let kind: ImageDocumentKind = isIndex ? .index : .manifest
        func check(_ mediaType: String, _ whose: String) throws(HiveError) {
            let says: ImageDocumentKind? = MediaType.isIndex(mediaType) ? .index : MediaType.isManifest(mediaType) ? .manifest : nil
            guard let says else {
                throw HiveError(.corrupt, "\(what): \(whose) media type \(mediaType) is not an image manifest or index type")
            }
            guard says == kind else {
                throw HiveError(.corrupt, "\(what): \(whose) media type \(mediaType) says \(says.rawValue), but the document is shaped as an \(kind.rawValue): refused as ambiguous (CVE-2021-41190)")
            }
        }
        if let mt = doc["mediaType"] {
            guard let m = mt.stringValue else { throw HiveError(.corrupt, "\(what): mediaType is not a string") }
            try check(m, "its")
        }
        if let d = descriptorMediaType { try check(d, "the descriptor's") }
        return kind
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
