// Image assembly: config, manifest and ingested layers become one image row
// (with its tags), committed in one transaction after every file is in
// place. Used by import, commit and build (commitImage), and load
// (loadImage, then commitImages for every image of the archive at once),
// next by pull: loadImage takes any ImageSource (Store+ImageSource.swift).
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

/// What one image row records: the row, its layers (bottom first) and the
/// blobs it references.
public struct ImageEntry {
    public var record: ImageRecord
    public var layers: [LayerRecord]
    public var blobs: [Digest]
    public init(record: ImageRecord, layers: [LayerRecord], blobs: [Digest]) {
        self.record = record
        self.layers = layers
        self.blobs = blobs
    }
}

extension ImageRecord {
    /// The row of an image stored as its source had it (load, pull): created
    /// when its config says, its size the sum of its layers', added now.
    init(stored id: Digest, manifestDigest: Digest, manifestMediaType: String, config: ImageConfig, layers: [LayerRecord]) {
        self.init(id: id, manifestDigest: manifestDigest, manifestMediaType: manifestMediaType,
                  created: config.created.flatMap { Timestamp(rfc3339: $0) }?.unixNanos ?? 0,
                  size: layers.reduce(0) { $0 + $1.size }, added: Timestamp.now().unixNanos,
                  labelsJSON: ImageRecord.labelsJSON(config.config?.labels))
    }

    /// Labels as the image row keeps them.
    public static func labelsJSON(_ labels: [String: String]?) -> String {
        JSONValue.object((labels ?? [:]).mapValues { .string($0) }).serialized()
    }
}

extension Store {
    /// Records images (their files already stored) in one transaction: all or none become visible.
    public func commitImages(_ entries: [ImageEntry]) throws(HiveError) {
        try db.transaction { () throws(HiveError) in
            for e in entries { try insertImage(e.record, layers: e.layers, blobs: e.blobs) }
        }
    }

    /// A new local image (import, commit, build): stores `config` and an OCI
    /// manifest of `descriptors` (one per layer of `layers`, bottom first),
    /// then records the image, tagged `tag`, created and added `now`. An
    /// image whose config is stored as an image already only gets the tag.
    /// Returns the image ID.
    public func commitImage(config: ImageConfig, layers: [LayerRecord], descriptors: [Descriptor], parent: Digest?,
                            tag: String?, now: Timestamp, tmp: String) throws -> Digest {
        let configBytes = try JSONCoding.encode(config)
        let configDigest = try putBlob(configBytes, tempDir: tmp)
        if try image(configDigest) != nil {
            if let tag { try db.transaction { () throws(HiveError) in try setTag(tag, to: configDigest) } }
            return configDigest
        }
        let manifest = Manifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)), layers: descriptors)
        let manifestBytes = try JSONCoding.encode(manifest)
        let manifestDigest = try putBlob(manifestBytes, tempDir: tmp)
        var rec = ImageRecord(id: configDigest, manifestDigest: manifestDigest, manifestMediaType: MediaType.ociManifest,
                              created: now.unixNanos, size: layers.reduce(0) { $0 + $1.size }, added: now.unixNanos,
                              parent: parent, labelsJSON: ImageRecord.labelsJSON(config.config?.labels))
        if let tag { rec.tags = [tag] }
        try commitImages([ImageEntry(record: rec, layers: layers, blobs: [manifestDigest, configDigest] + descriptors.map(\.digest))])
        return configDigest
    }

    /// Verifies and stores one image of `source` (an image archive for
    /// `hive load`, next a registry for pull) as the source has it: its
    /// config and manifest bytes as they are (the image ID is the config's
    /// digest), its layers (each checked against the config's diff_ids), its
    /// blobs; returns what to record. Nothing is visible until `commitImages`.
    public func loadImage<S: ImageSource>(_ plan: ImagePlan, from source: S, tmp: String) throws -> ImageEntry {
        let m = plan.manifest, name = source.name
        let cfgBytes = try source.bytes(of: m.config, what: "config blob")
        let config: ImageConfig
        do { config = try JSONCoding.decode(ImageConfig.self, from: cfgBytes) } catch {
            throw HiveError(.corrupt, "config \(m.config.digest) in \(name) is not a valid image config: \(error)")
        }
        guard config.rootfs.diffIDs.count == m.layers.count else {
            throw HiveError(.corrupt, "image \(m.config.digest.shortID) in \(name): \(m.layers.count) layers but the config lists \(config.rootfs.diffIDs.count) diff_ids")
        }
        let chain = Digest.chainIDs(config.rootfs.diffIDs)
        var layers: [LayerRecord] = []
        for (i, desc) in m.layers.enumerated() {
            guard MediaType.isLayer(desc.mediaType) else {
                throw HiveError(.corrupt, "image \(m.config.digest.shortID) in \(name): unsupported layer media type \(desc.mediaType)")
            }
            let diffID = config.rootfs.diffIDs[i]
            let parent = i > 0 ? chain[i - 1] : nil
            let record = try source.withLayer(desc, diffID: diffID, store: self, tmp: tmp) { (layer) throws -> LayerRecord in
                switch layer {
                case .extracted(let x):
                    // extracted already (while the source was read), and its digest is the diffID
                    try finishLayer(tempLayerDir: x.dir, chainID: chain[i], splitPaths: x.splitPaths)
                    return LayerRecord(chainID: chain[i], diffID: diffID, parent: parent, size: try layerSize(chain[i]) ?? x.contentSize)
                case .stream(let input):
                    return try ingestLayer(input, tmp: tmp, name: "layer blob \(desc.digest)", parent: parent, expectedDiffID: diffID,
                                           expectedFrom: "in the image config", tempName: "layer-\(i)").record
                }
            }
            layers.append(record)
            // An uncompressed layer blob is not stored twice when the layer can rebuild it.
            if !(desc.digest == diffID && hasSplit(chain[i])) {
                try source.keepBlob(desc, store: self, tmp: tmp)
            }
        }
        try source.keepBlob(m.config, store: self, tmp: tmp)
        let manifestDigest = try putBlob(plan.manifestBytes, tempDir: tmp)
        var rec = ImageRecord(stored: m.config.digest, manifestDigest: manifestDigest,
                              manifestMediaType: m.mediaType ?? MediaType.ociManifest, config: config, layers: layers)
        rec.tags = plan.tags
        return ImageEntry(record: rec, layers: layers, blobs: [manifestDigest, m.config.digest] + m.layers.map(\.digest))
    }
}
