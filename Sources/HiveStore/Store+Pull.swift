// What a pull records (the layers themselves come in through
// Store+Ingest's ingestLayerFiles + settleLayer): the config and manifest
// bytes as the registry served them (image ID = config digest), the image
// row with its tag, the RepoDigest, and each layer's compressed blob as the
// registry knows it (layer_blobs) — the compressed blobs themselves are not
// kept: `save` and `push` rebuild a layer's tar from the layer store.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

/// An image a pull fetched, its layers in place, ready to be recorded.
public struct PulledImage {
    public var configBytes: [UInt8]
    public var manifestBytes: [UInt8]
    public var manifestMediaType: String
    public var config: ImageConfig
    /// Bottom first, settled (`settleLayer`).
    public var layers: [LayerRecord]
    /// The registry's blob of each layer (recorded in layer_blobs).
    public var layerBlobs: [LayerBlob]
    /// Fully qualified tag (nil for a pull by digest).
    public var tag: String?
    /// `docker.io/library/busybox`, and what it knows the image by (the RepoDigest).
    public var repository: String
    public var repoDigest: Digest
    public init(configBytes: [UInt8], manifestBytes: [UInt8], manifestMediaType: String, config: ImageConfig, layers: [LayerRecord],
                layerBlobs: [LayerBlob], tag: String?, repository: String, repoDigest: Digest) {
        self.configBytes = configBytes
        self.manifestBytes = manifestBytes
        self.manifestMediaType = manifestMediaType
        self.config = config
        self.layers = layers
        self.layerBlobs = layerBlobs
        self.tag = tag
        self.repository = repository
        self.repoDigest = repoDigest
    }
}

extension Store {
    /// Stores the config and manifest bytes, then records the image, its tag,
    /// RepoDigest and layer blobs in one transaction. Returns the image ID.
    public func commitPulled(_ p: PulledImage, tmp: String) throws(HiveError) -> Digest {
        let id = try putBlob(p.configBytes, tempDir: tmp)
        let manifestDigest = try putBlob(p.manifestBytes, tempDir: tmp)
        var rec = ImageRecord(stored: id, manifestDigest: manifestDigest, manifestMediaType: p.manifestMediaType,
                              config: p.config, layers: p.layers)
        if let tag = p.tag { rec.tags = [tag] }
        try db.transaction { () throws(HiveError) in
            // only the blobs this store keeps: the layers' compressed blobs are not kept
            try insertImage(rec, layers: p.layers, blobs: [manifestDigest, id])
            try setRepoDigest(image: id, repository: p.repository, digest: p.repoDigest)
            for b in p.layerBlobs { try recordLayerBlob(b) }
        }
        return id
    }

    /// A pull of an image stored already: its tag (if any) and RepoDigest, in one transaction.
    public func markPulled(image id: Digest, tag: String?, repository: String, repoDigest: Digest) throws(HiveError) {
        try db.transaction { () throws(HiveError) in
            if let tag { try setTag(tag, to: id) }
            try setRepoDigest(image: id, repository: repository, digest: repoDigest)
        }
    }

    /// The recorded size of layer `chainID` if it is stored (files and row), else nil.
    public func storedLayerSize(_ chainID: Digest) throws(HiveError) -> Int64? {
        guard hasLayer(chainID) else { return nil }
        return try layerSize(chainID)
    }
}

extension Store {
    /// For `save`: `manifest` with each layer whose blob this store does not
    /// keep (a pulled image's compressed blobs) described as the layer's
    /// uncompressed tar (rebuilt from its tar-split), and its bytes; nil when
    /// every layer blob is kept (the manifest is saved as it is).
    public func uncompressedManifest(_ manifest: Manifest, layers: [LayerRecord]) throws -> (Manifest, [UInt8])? {
        guard manifest.layers.contains(where: { !hasBlob($0.digest) }), layers.count == manifest.layers.count else { return nil }
        var m = manifest
        let docker = manifest.mediaType == MediaType.dockerManifest
        for (i, d) in manifest.layers.enumerated() where !hasBlob(d.digest) && d.digest != layers[i].diffID {
            guard let size = try layerTarSize(layers[i].chainID) else {
                throw HiveError(.notFound, "layer \(layers[i].diffID) cannot rebuild its tar (no tar-split): remove and pull the image again")
            }
            m.layers[i] = Descriptor(mediaType: docker ? MediaType.dockerLayer : MediaType.ociLayer, digest: layers[i].diffID, size: size)
        }
        return (m, try JSONCoding.encode(m))
    }

    /// The size of the tar layer `chainID` rebuilds from its tar-split (the
    /// sum of its records: raw tar bytes and file contents); nil without one.
    public func layerTarSize(_ chainID: Digest) throws(HiveError) -> Int64? {
        guard hasSplit(chainID) else { return nil }
        let fd = open(layerDir(chainID) + "/tar-split", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open the tar-split of layer \(chainID)") }
        defer { close(fd) }
        return try TarWriter.splitTarSize(fd, layer: chainID.description)
    }
}
