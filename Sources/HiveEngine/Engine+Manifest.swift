// `hive manifest inspect` (Docker's): an image's manifest or index as its
// registry serves it, without pulling anything. The document is checked as a
// pull checks it (digest, size, one kind: ImageDocumentKind) before it is shown.
import HiveOCI
import HivePlatform
import HiveRegistry

/// A manifest or index from a registry.
public struct RemoteManifest: Sendable {
    public var reference: Reference
    public var bytes: [UInt8]
    public var mediaType: String
    public var digest: Digest
    public var kind: ImageDocumentKind
}

extension Engine {
    /// The manifest or index `text` names (a tag, `latest` by default, or a
    /// digest). `insecure`: its registry may be reached over plain HTTP or
    /// TLS without verification, as Docker's `--insecure` allows.
    public func remoteManifest(_ text: String, insecure: Bool = false) throws -> RemoteManifest {
        let ref = try pullReference(text)
        if insecure { try allowInsecureRegistry(ref.domain) }
        return try remoteManifest(ref, reference: ref.digest?.description ?? ref.tag ?? "latest")
    }

    /// One entry of an index that `remoteManifest` returned, by its digest.
    public func remoteManifest(_ ref: Reference, entry: Descriptor) throws -> RemoteManifest {
        let m = try remoteManifest(ref, reference: entry.digest.description)
        try entry.verify(size: Int64(m.bytes.count), digest: m.digest, what: "manifest \(entry.digest) of \(ref.familiar)")
        return m
    }

    private func remoteManifest(_ ref: Reference, reference: String) throws -> RemoteManifest {
        let m = try registry().manifest(RepositoryRef(ref), reference: reference)
        let kind = try ImageDocumentKind.of(m.bytes, descriptorMediaType: nil, what: "manifest \(reference) of \(ref.familiar)")
        return RemoteManifest(reference: ref, bytes: m.bytes, mediaType: m.mediaType, digest: m.digest, kind: kind)
    }

    /// This command's registry client treats `domain` as an insecure registry too.
    func allowInsecureRegistry(_ domain: String) throws {
        registryClient?.shutdown()
        _ = try makeRegistry(insecure: [domain])
    }
}

extension Engine {
    /// A small blob of `ref`'s repository (a config), digest and size checked.
    public func remoteBlob(_ ref: Reference, _ desc: Descriptor) throws -> [UInt8] {
        try registry().blobBytes(RepositoryRef(ref), desc, limit: 4 << 20)
    }
}
