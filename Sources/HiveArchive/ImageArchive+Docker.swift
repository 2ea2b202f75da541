// The docker-archive side of an image archive (`docker save`'s manifest.json).
// Spec: https://github.com/moby/moby/blob/master/image/spec/v1.2.md
import Glibc
import HiveOCI
import HivePlatform

extension ImageArchive {
    /// docker-archive: manifest.json entries; the manifest is synthesised.
    func dockerPlans() throws -> [ImagePlan] {
        let entries: [DockerArchiveEntry]
        do {
            entries = try JSONCoding.decode([DockerArchiveEntry].self, from: try ImageArchive.bytes(try file("manifest.json"), what: "manifest.json"))
        } catch let e as HiveError { throw e } catch {
            throw HiveError(.corrupt, "manifest.json in \(name) is not valid")
        }
        return try entries.map { e in
            let cfg = try file(e.config)
            if e.config.hasPrefix("blobs/sha256/"), cfg.digest.hex != String(e.config.dropFirst(13)) {
                throw HiveError.digestMismatch("blob \(e.config) in \(name)", got: cfg.digest)
            }
            let layers = try e.layers.map { p -> Descriptor in
                let f = try file(p)
                if p.hasPrefix("blobs/sha256/"), f.digest.hex != String(p.dropFirst(13)) {
                    throw HiveError.digestMismatch("blob \(p) in \(name)", got: f.digest)
                }
                return Descriptor(mediaType: ImageArchive.layerMediaType(f), digest: f.digest, size: f.size)
            }
            let m = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size), layers: layers)
            let tags = try (e.repoTags ?? []).map { t -> String in
                do { return try Reference(parsing: t).description } catch { throw HiveError(.corrupt, "\(name): invalid tag \"\(t)\" in manifest.json") }
            }
            return ImagePlan(manifest: m, manifestBytes: try JSONCoding.encode(m), tags: tags)
        }
    }

    /// Detects a layer's compression from its first bytes.
    static func layerMediaType(_ f: ArchiveFile) -> String {
        var head = [UInt8](repeating: 0, count: 4)
        if let b = f.bytes { head = Array(b.prefix(4)) } else if let p = f.tempPath {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            defer { close(fd) }
            _ = Glibc.read(fd, &head, 4)
        }
        if head.starts(with: [0x1f, 0x8b]) { return MediaType.ociLayerGzip }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return MediaType.ociLayerZstd }
        return MediaType.ociLayer
    }
}
