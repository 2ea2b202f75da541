// A new image over a local one (`hive commit`, a build step): the parent's
// layers, plus one layer written as a tar by the caller, ingested like an
// import's (hashed, tar-split, extracted), then assembled by commitImage.
import Glibc
import HiveOCI
import HivePlatform

extension Store {
    /// A new image: `parent`'s layers (none for nil), plus the layer `writeLayer`
    /// writes as a tar (if given), with `config` (its rootfs and creation time are
    /// filled in here; an empty architecture or OS is this machine's), tagged
    /// `tag`. Returns the image ID.
    public func makeImage(parent: Digest?, config input: ImageConfig, tag: String? = nil,
                          writeLayer: ((Int32) throws -> Void)?) throws -> Digest {
        var config = input
        var descriptors = try parent.map { try manifestAndConfig($0).1.layers } ?? []
        var layers = try parent.map { try self.layers(of: $0) } ?? []
        var diffIDs = try parent.map { try imageConfig($0).rootfs.diffIDs } ?? []
        return try withIngest { tmp in
            if let writeLayer {
                let (record, descriptor) = try newLayer(over: layers, diffIDs: diffIDs, tmp: tmp, writeLayer: writeLayer)
                layers.append(record)
                descriptors.append(descriptor)
                diffIDs.append(record.diffID)
            }
            let now = Timestamp.now()
            config.created = now.rfc3339
            config.rootfs = RootFS(diffIDs: diffIDs)
            if config.architecture.isEmpty { config.architecture = HostPlatform.architecture }
            if config.os.isEmpty { config.os = "linux" }
            return try commitImage(config: config, layers: layers, descriptors: descriptors, parent: parent, tag: tag, now: now, tmp: tmp)
        }
    }

    /// A new layer over `layers` (whose diff IDs are `diffIDs`): the tar
    /// `writeLayer` writes, unpacked as a layer (hash, tar-split) like an
    /// import's, and kept as its blob. It is in place under layers/ but
    /// recorded by nothing: call inside `withIngest`, and record it (an
    /// image, a build cache record) before that returns.
    public func newLayer(over layers: [LayerRecord], diffIDs: [Digest], tmp: String,
                         writeLayer: (Int32) throws -> Void) throws -> (LayerRecord, Descriptor) {
        let tarPath = tmp + "/diff.tar"
        let out = open(tarPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw HiveError.errno("cannot create \(tarPath)") }
        do { try writeLayer(out) } catch { close(out); throw error }
        close(out)
        let fd = open(tarPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot read \(tarPath)") }
        defer { close(fd) }
        var layer = try ingestLayer(.fd(fd, decompress: false, teeFD: -1), tmp: tmp, name: "the new layer",
                                    parent: Digest.chainIDs(diffIDs).last)
        layer.record.parent = layers.last?.chainID
        try keepLayerTar(layer, tempPath: tarPath, name: "the new layer")
        return (layer.record, Descriptor(mediaType: MediaType.ociLayer, digest: layer.diffID, size: layer.tarSize ?? 0))
    }
}
