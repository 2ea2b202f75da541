// The OCI image layout side of an image archive (index.json, blobs/sha256).
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md
import HiveOCI
import HivePlatform

extension ImageArchive {
    /// OCI layout: index.json -> manifests (one level of nested index, `architecture`).
    /// Each document is one kind by its shape and every media type naming it
    /// agrees (CVE-2021-41190); each blob matches its descriptor's size and
    /// digest before it is parsed.
    func ociPlans(platform: Platform, only: Bool) throws -> [ImagePlan] {
        let ib = try ImageArchive.bytes(try file("index.json"), what: "index.json")
        guard try ImageDocumentKind.of(ib, descriptorMediaType: nil, what: "index.json in \(name)") == .index else {
            throw HiveError(.corrupt, "index.json in \(name) is an image manifest, not an image index")
        }
        let index: Index
        do { index = try JSONCoding.decode(Index.self, from: ib) } catch {
            throw HiveError(.corrupt, "index.json in \(name) is not a valid image index")
        }
        var out: [ImagePlan] = []
        func add(_ desc: Descriptor, tags: [String], depth: Int) throws {
            let what = "manifest \(desc.digest) in \(name)"
            let f = try blobFile(desc.digest)
            try desc.verify(size: f.size, digest: f.digest, what: what)
            let mb = try ImageArchive.bytes(f, what: what)
            if try ImageDocumentKind.of(mb, descriptorMediaType: desc.mediaType, what: what) == .index {
                guard depth < 2 else { throw HiveError(.corrupt, "\(name): image index nested too deeply") }
                let nested: Index
                do { nested = try JSONCoding.decode(Index.self, from: mb) } catch {
                    throw HiveError(.corrupt, "index \(desc.digest) in \(name) is not a valid image index")
                }
                let pick = nested.manifests.first { $0.platform.map(platform.accepts) ?? false }
                    ?? nested.manifests.first { $0.platform == nil }
                guard let pick else { throw HiveError(.notFound, "\(name) has no image for \(platform.text)") }
                try add(pick, tags: tags, depth: depth + 1)
                return
            }
            let m: Manifest
            do { m = try JSONCoding.decode(Manifest.self, from: mb) } catch {
                throw HiveError(.corrupt, "manifest \(desc.digest) in \(name) is not a valid image manifest")
            }
            if let i = out.firstIndex(where: { $0.manifest.config.digest == m.config.digest }) {
                out[i].tags.append(contentsOf: tags.filter { !out[i].tags.contains($0) })
            } else {
                out.append(ImagePlan(manifest: m, manifestBytes: mb, tags: tags))
            }
        }
        for d in index.manifests {
            if only, let p = d.platform, !platform.accepts(p) { continue }
            var tags: [String] = []
            let full = d.annotations?[Annotation.containerdImageName] ?? d.annotations?[Annotation.refName]
            if let full, let ref = try? Reference(parsing: full), ref.digest == nil { tags.append(ref.description) }
            try add(d, tags: tags, depth: 0)
        }
        return out
    }
}
