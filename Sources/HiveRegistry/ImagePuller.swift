// The pull pipeline (DESIGN.md "pull"): manifest (an index selects the
// platform) -> fast path if the config is an image stored already -> config
// -> the missing layers fetched CONCURRENTLY (a bounded pool), each streamed
// from the client through a pipe into the store's ingest (decompression,
// blob digest, diff_id and extraction in one pass: extraction overlaps the
// download) -> settled and recorded in one transaction. Nothing is visible
// until everything is in place; a failure leaves only temp files, swept
// with the ingest's temp dir. Nothing from the registry is trusted before
// its digest is checked.
import Glibc
import HiveOCI
import HivePlatform
import HiveStore

public final class ImagePuller {
    let client: RegistryClient
    let store: Store
    /// Layers fetched at once.
    public var concurrency = 3

    public init(client: RegistryClient, store: Store) {
        self.client = client
        self.store = store
    }

    /// Pulls `ref` (a tag or a digest) for `platform`; `progress` sees each step.
    public func pull(_ ref: Reference, platform: Platform, progress: @escaping PullProgress) throws -> PullResult {
        let repo = RepositoryRef(ref)
        let asked = ref.digest?.description ?? ref.tag ?? Reference.defaultTag
        let what = "manifest \(ref.familiar)"
        let top = try client.manifest(repo, reference: asked)
        if let d = ref.digest, top.digest != d { throw HiveError.digestMismatch(what, got: top.digest) }
        progress(.pulling(tagOrDigest: ref.digest?.description ?? asked, repository: ref.path))  // Docker shows the path: library/busybox
        var fetched = top
        // the served Content-Type must agree with the document's shape (CVE-2021-41190), when it names one
        let served = MediaType.isManifest(top.mediaType) || MediaType.isIndex(top.mediaType) ? top.mediaType : nil
        if try ImageDocumentKind.of(top.bytes, descriptorMediaType: served, what: what) == .index {
            let index: Index
            do { index = try JSONCoding.decode(Index.self, from: top.bytes) } catch {
                throw HiveError(.corrupt, "image index \(ref.familiar) from \(ref.domain) is not valid: \(error)")
            }
            let pick = try index.select(platform: platform, what: "image index \(ref.familiar)")
            guard MediaType.isManifest(pick.mediaType) else {
                throw HiveError(.corrupt, "image index \(ref.familiar) points to a nested index for \(platform.text): not supported")
            }
            fetched = try client.manifest(repo, reference: pick.digest.description)
            try pick.verify(size: Int64(fetched.bytes.count), digest: fetched.digest, what: "manifest \(pick.digest) of \(ref.familiar)")
            guard try ImageDocumentKind.of(fetched.bytes, descriptorMediaType: pick.mediaType, what: "manifest \(pick.digest)") == .manifest else {
                throw HiveError(.corrupt, "manifest \(pick.digest) of \(ref.familiar) is an index, not an image manifest")
            }
        }
        let manifest: Manifest
        do { manifest = try JSONCoding.decode(Manifest.self, from: fetched.bytes) } catch {
            throw HiveError(.corrupt, "\(what) from \(ref.domain) is not a valid image manifest: \(error)")
        }
        let tag = ref.digest == nil ? ref.description : nil
        // Fast path: the image is stored (an image row has all its layers): only the tag and RepoDigest.
        if try store.image(manifest.config.digest) != nil {
            try store.markPulled(image: manifest.config.digest, tag: tag, repository: ref.repository, repoDigest: top.digest)
            return PullResult(reference: ref, id: manifest.config.digest, digest: top.digest, upToDate: true)
        }
        let configBytes = try client.blobBytes(repo, manifest.config)
        let config: ImageConfig
        do { config = try JSONCoding.decode(ImageConfig.self, from: configBytes) } catch {
            throw HiveError(.corrupt, "config \(manifest.config.digest) of \(ref.familiar) is not a valid image config: \(error)")
        }
        let diffIDs = config.rootfs.diffIDs
        guard diffIDs.count == manifest.layers.count else {
            throw HiveError(.corrupt, "\(what): \(manifest.layers.count) layers but its config lists \(diffIDs.count) diff_ids")
        }
        for d in manifest.layers where !MediaType.isLayer(d.mediaType) || d.size < 0 {
            throw HiveError(.corrupt, "\(what): unsupported layer \(d.digest) (media type \(d.mediaType))")
        }
        let chain = Digest.chainIDs(diffIDs)
        let layerBlobs = manifest.layers.enumerated().map {
            LayerBlob(diffID: diffIDs[$0.offset], digest: $0.element.digest, mediaType: $0.element.mediaType, size: $0.element.size,
                      repository: ref.repository)
        }
        let id = try store.withIngest { tmp in
            var records: [LayerRecord?] = []
            var missing: [Int] = []
            for (i, desc) in manifest.layers.enumerated() {
                if let size = try store.storedLayerSize(chain[i]) {
                    records.append(LayerRecord(chainID: chain[i], diffID: diffIDs[i], parent: i > 0 ? chain[i - 1] : nil, size: size))
                    progress(.layer(id: desc.digest.shortID, .alreadyExists))
                } else {
                    records.append(nil)
                    missing.append(i)
                    progress(.layer(id: desc.digest.shortID, .pullingFSLayer))
                }
            }
            let fetchedLayers = try fetchLayers(missing, manifest.layers, diffIDs: diffIDs, chain: chain, repo: repo, tmp: tmp,
                                                progress: progress)
            for (i, layer) in fetchedLayers { records[i] = try store.settleLayer(layer).record }
            return try store.commitPulled(PulledImage(
                configBytes: configBytes, manifestBytes: fetched.bytes, manifestMediaType: manifest.mediaType ?? fetched.mediaType,
                config: config, layers: records.map { $0! }, layerBlobs: layerBlobs, tag: tag, repository: ref.repository,
                repoDigest: top.digest), tmp: tmp)
        }
        return PullResult(reference: ref, id: id, digest: top.digest, upToDate: false)
    }
}
