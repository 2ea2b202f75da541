// The layers of a pull, fetched concurrently: `concurrency` workers of a
// ParallelRun take the next missing layer; for each, one thread runs the
// client's fetchBlob into a pipe while the worker ingests the pipe's read end
// with the store's ingestLayerFiles (thread-safe: files only), which checks
// the blob digest and size as it reads and the diff_id as it extracts. The
// first failure stops the pool (no layer starts after it; a failed ingest
// closes its pipe: the fetch gets EPIPE, SIGPIPE is ignored while the pull
// runs); the database work (settleLayer, the commit) stays on the caller's
// thread.
import Glibc
import HiveOCI
import HivePlatform
import HiveStore

extension ImagePuller {
    /// Fetches and ingests the layers at `indices` of `layers`; returns each one ingested, by index.
    func fetchLayers(_ indices: [Int], _ layers: [Descriptor], diffIDs: [Digest], chain: [Digest], repo: RepositoryRef,
                     tmp: String, progress: @escaping PullProgress) throws -> [(Int, IngestedLayer)] {
        guard !indices.isEmpty else { return [] }
        let oldPipe = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, oldPipe) }
        let serial = Locked(progress)  // one progress call at a time
        let report = { (u: PullUpdate) in serial.withLock { $0(u) } }
        let ingested = try ParallelRun.tryMap(indices.count, width: concurrency) { [client, store] k in
            let i = indices[k]
            let desc = layers[i]
            let id = desc.digest.shortID
            let layer = try ImagePuller.fetchLayer(client: client, store: store, repo: repo, desc, index: i, diffID: diffIDs[i],
                                                   parent: i > 0 ? chain[i - 1] : nil, tmp: tmp) { phase in
                report(.layer(id: id, phase))
            }
            report(.layer(id: id, .complete))
            return layer
        }
        return Array(zip(indices, ingested))
    }

    /// One layer: a fetch thread writes the blob into a pipe the calling thread ingests.
    static func fetchLayer(client: RegistryClient, store: Store, repo: RepositoryRef, _ desc: Descriptor, index: Int,
                           diffID: Digest, parent: Digest?, tmp: String,
                           phase: @escaping (PullLayerPhase) -> Void) throws -> IngestedLayer {
        var fds: [Int32] = [-1, -1]
        guard Files.pipeCloexec(&fds) == 0 else { throw HiveError.errno("cannot make a pipe for layer \(desc.digest)") }
        let (readFD, writeFD) = (fds[0], fds[1])
        let fetch = FetchOutcome()
        let total = desc.size
        let fetcher = HostThread {
            defer { close(writeFD) }
            do {
                try client.fetchBlob(repo, desc, into: writeFD) { done in
                    // progress at most every 64 KiB (and at the end); the client calls this on this thread
                    if done - fetch.reported >= 65536 || done == total {
                        fetch.reported = done
                        phase(.downloading(done: done, total: total))
                    }
                }
                phase(.extracting)
            } catch {
                fetch.error = error
            }
        }
        let ingested = Result { () throws -> IngestedLayer in
            try store.ingestLayerFiles(.fd(readFD, decompress: true, teeFD: -1, blob: desc), tmp: tmp,
                                       name: "layer \(desc.digest) of \(repo)", parent: parent, expectedDiffID: diffID,
                                       expectedFrom: "in the image config", tempName: "pull-\(index)")
        }
        close(readFD)  // a fetch still writing gets EPIPE
        fetcher.join()
        switch ingested {
        case .success(let layer): return layer  // its size and digest were checked as it was read
        case .failure(let e): throw fetch.error ?? e  // the fetch's own failure explains a truncated stream best
        }
    }
}

/// What a fetch thread leaves (its error, read after it is joined) and
/// keeps while it runs (the bytes it reported last).
final class FetchOutcome: @unchecked Sendable {
    var error: (any Error)?
    var reported: Int64 = -1
}
