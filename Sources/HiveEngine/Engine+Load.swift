// `hive load`: docker-archive (manifest.json) and OCI layout (index.json)
// tars, plain or compressed, with plain, gzip or zstd layers. The formats are
// HiveArchive's (ImageArchive); the layers and images are stored by HiveStore
// (Store+Ingest, Store+Images). Every blob is verified against its digest and
// every layer against the config's diff_ids before anything becomes visible.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

public struct LoadedImage {
    public var id: Digest
    public var tags: [String]
}

extension Engine {
    /// `platform` (load --platform): only that platform's image of a
    /// multi-platform archive, and every image loaded must be for it.
    public func load(fd: Int32, name: String, platform text: String? = nil) throws -> [LoadedImage] {
        let platform = try text.map(Engine.loadPlatform)
        let entries = try store.withIngest { tmp in
            // A large uncompressed tar is extracted as a layer while it is copied.
            let archive = try ImageArchive.read(fd: fd, name: name, tmp: tmp) { reader, initial, copy, index, entry in
                try self.store.extractWhileCopying(reader, initial: initial, to: copy, tmp: tmp, index: index, entry: entry)
            }
            let plans = try archive.plans(platform: platform ?? Platform.host, only: platform != nil)
            if let platform {
                for p in plans {
                    let cf = try archive.lookup(p.manifest.config.digest, what: "config blob")
                    try p.manifest.config.verify(size: cf.size, digest: cf.digest, what: "config blob \(p.manifest.config.digest) in \(name)")
                    let c = try JSONCoding.decode(ImageConfig.self, from: try ImageArchive.bytes(cf, what: "config blob \(cf.digest) in \(name)"))
                    let have = c.platform
                    guard platform.accepts(have) else {
                        let what = p.tags.first.map(familiarName) ?? String(p.manifest.config.digest.hex.prefix(12))
                        throw HiveError(.notFound, "\(name): image \(what) is for \(have.text), not \(platform.text) (--platform); nothing was loaded")
                    }
                }
            }
            let entries = try plans.map { try store.loadImage($0, from: archive, tmp: tmp) }
            try store.commitImages(entries)
            return entries
        }
        let loaded = entries.map { LoadedImage(id: $0.record.id, tags: $0.record.tags) }
        for l in loaded {
            logEvent(EventRecord(type: "image", action: "load", id: l.id.description, attributes: ["name": l.tags.first.map(familiarName) ?? "<none>"]))
        }
        return loaded
    }

    /// load --platform: OS[/ARCH[/VARIANT]], as Docker takes it (the OS alone: the host's architecture).
    static func loadPlatform(_ text: String) throws -> Platform {
        if !text.contains("/") { return try Platform(parsing: text + "/" + HostPlatform.architecture) }
        return try Platform(parsing: text)
    }
}
