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
    public func load(fd: Int32, name: String) throws -> [LoadedImage] {
        let entries = try store.withIngest { tmp in
            // A large uncompressed tar is extracted as a layer while it is copied.
            let archive = try ImageArchive.read(fd: fd, name: name, tmp: tmp) { reader, initial, copy, index, entry in
                try self.store.extractWhileCopying(reader, initial: initial, to: copy, tmp: tmp, index: index, entry: entry)
            }
            let plans = try archive.plans(architecture: HostPlatform.architecture)
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
}
