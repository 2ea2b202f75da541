// One layer of a push, by the cheapest way that works, in order: a blob of
// it this repository has (HEAD: "Layer already exists"); one another
// repository of the same registry has (a cross-repository mount: "Mounted
// from ..."); one stored here (uploaded as it is); else, when allowed, the
// layer's tar compressed now into an unlinked temp file, hashed as it is
// written, then uploaded. Layers run on a bounded pool of threads; the blobs
// the registry now has are recorded afterwards, on the calling thread (the
// database is the store's thread's).
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

/// A layer to push: its record, its descriptor in the stored manifest, the blobs known for it.
struct LayerJob {
    var layer: LayerRecord
    var stored: Descriptor
    var known: [LayerBlob]
}

/// How a layer was provided: its descriptor in the pushed manifest.
struct LayerOutcome {
    var descriptor: Descriptor
}

/// How the layers are provided.
enum LayerPlan {
    /// The stored manifest's blobs, unchanged (else NotAsStored).
    case asStored
    /// Blobs with this compression, made here if none is known.
    case compressed(LayerCompression, docker: Bool, level: Int32?)
}

/// A stored manifest's blob neither the registry nor the store has: the push makes a new manifest.
struct NotAsStored: Error {}

extension ImagePusher {
    func pushLayers(_ jobs: [LayerJob], repo: RepositoryRef, plan: LayerPlan, parallel: Int) throws -> [LayerOutcome] {
        for j in jobs { progress(LayerPushEvent(id: j.layer.diffID.shortID, state: .preparing)) }
        let results = ParallelRun.map(jobs.count, width: max(1, parallel)) { i -> Result<LayerOutcome, any Error> in
            Result { try self.pushLayer(jobs[i], repo: repo, plan: plan) }
        }
        var outcomes: [LayerOutcome] = []
        var failures: [any Error] = []
        for (i, r) in results.enumerated() {
            switch r {
            case .success(let o):
                outcomes.append(o)
                let d = o.descriptor
                try store.recordLayerBlob(LayerBlob(diffID: jobs[i].layer.diffID, digest: d.digest, mediaType: d.mediaType, size: d.size,
                                                    repository: repo.description))
            case .failure(let e):
                failures.append(e)
            }
        }
        // a layer that cannot be kept as stored outranks any other failure: the caller compresses them all
        if let e = failures.first(where: { $0 is NotAsStored }) ?? failures.first { throw e }
        return outcomes
    }

    /// Provides one layer (on a pool thread).
    func pushLayer(_ job: LayerJob, repo: RepositoryRef, plan: LayerPlan) throws -> LayerOutcome {
        let id = job.layer.diffID.shortID
        var candidates: [LayerBlob]
        let mediaType: String
        var compress: (LayerCompression, Int32?)? = nil
        switch plan {
        case .asStored:
            let s = job.stored
            mediaType = s.mediaType
            candidates = job.known.filter { $0.digest == s.digest }
            candidates.append(LayerBlob(diffID: job.layer.diffID, digest: s.digest, mediaType: s.mediaType, size: s.size, repository: ""))
        case .compressed(let kind, let docker, let level):
            mediaType = docker ? kind.dockerMediaType! : kind.ociMediaType
            candidates = job.known.filter { LayerCompression(mediaType: $0.mediaType) == kind }
            if LayerCompression(mediaType: job.stored.mediaType) == kind {
                let s = job.stored
                candidates.append(LayerBlob(diffID: job.layer.diffID, digest: s.digest, mediaType: s.mediaType, size: s.size, repository: ""))
            }
            compress = (kind, level)
        }
        func done(_ b: LayerBlob, _ state: LayerPushState) -> LayerOutcome {
            progress(LayerPushEvent(id: id, state: state))
            return LayerOutcome(descriptor: Descriptor(mediaType: mediaType, digest: b.digest, size: b.size))
        }
        // 1. already there (known in this repository, or made as stored)
        var asked = Set<Digest>()
        for b in candidates where b.repository == repo.description || b.repository.isEmpty {
            guard asked.insert(b.digest).inserted else { continue }
            if let size = try client.blobExists(repo, b.digest), size == b.size { return done(b, .exists) }
        }
        // 2. mounted from another repository of the same registry
        let prefix = repo.domain + "/"
        for b in candidates where b.repository.hasPrefix(prefix) && b.repository != repo.description {
            let from = String(b.repository.dropFirst(prefix.count))
            if try client.mountBlob(repo, b.digest, fromPath: from) { return done(b, .mounted(from: from)) }
        }
        // 3. a blob stored here, as it is
        for b in candidates where store.hasBlob(b.digest) {
            let fd = open(store.blobPath(b.digest), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            try upload(repo, id: id, digest: b.digest, size: b.size, fd: fd)
            return done(b, .pushed)
        }
        // 4. compressed now
        guard let (kind, level) = compress else { throw NotAsStored() }
        let fd = try tempFile()
        defer { close(fd) }
        let c = try store.compressLayer(job.layer, kind, level: level, threads: ImagePusher.compressionThreads, to: fd)
        let b = LayerBlob(diffID: job.layer.diffID, digest: c.digest, mediaType: mediaType, size: c.size, repository: "")
        if let size = try client.blobExists(repo, c.digest), size == c.size { return done(b, .exists) }
        try upload(repo, id: id, digest: c.digest, size: c.size, fd: fd)
        return done(b, .pushed)
    }

    func upload(_ repo: RepositoryRef, id: String, digest: Digest, size: Int64, fd: Int32) throws {
        let report = progress
        report(LayerPushEvent(id: id, state: .pushing(done: 0, total: size)))
        try client.uploadBlob(repo, digest: digest, size: size, from: fd) { done in
            report(LayerPushEvent(id: id, state: .pushing(done: done, total: size)))
        }
    }

    /// Compression workers per layer: the CPUs online (gzip's block-parallel
    /// output is the same for any number, so the blob digest does not depend on the machine).
    static let compressionThreads = Int32(max(1, min(8, sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    /// A file in the store's temp directory, unlinked at once (nothing is left behind).
    func tempFile() throws(HiveError) -> Int32 {
        let path = store.tmpDir + "/push-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HiveError.errno("cannot create a temporary file in \(store.tmpDir)") }
        unlink(path)
        return fd
    }
}
