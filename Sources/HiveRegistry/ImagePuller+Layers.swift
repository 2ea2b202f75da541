// The layers of a pull, fetched concurrently: `concurrency` workers take the
// next missing layer; for each, one thread runs the client's fetchBlob into
// a pipe while the worker ingests the pipe's read end with the store's
// ingestLayerFiles (thread-safe: files only), which checks the blob digest
// and size as it reads and the diff_id as it extracts. The first failure
// stops the others (their pipes are closed: the fetch gets EPIPE, SIGPIPE is
// ignored while the pull runs); the database work (settleLayer, the commit)
// stays on the caller's thread.
import Glibc
import HiveOCI
import HivePlatform
import HiveStore

extension ImagePuller {
    /// Fetches and ingests the layers at `indices` of `layers`; returns each one ingested, by index.
    func fetchLayers(_ indices: [Int], _ layers: [Descriptor], diffIDs: [Digest], chain: [Digest], repo: RepositoryRef,
                     tmp: String, progress: @escaping PullProgress) throws -> [(Int, IngestedLayer)] {
        guard !indices.isEmpty else { return [] }
        let state = PullState(count: layers.count)
        let oldPipe = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, oldPipe) }
        let work = { [client, store] in
            while let i = state.next(indices) {
                let desc = layers[i]
                let id = desc.digest.shortID
                do {
                    let layer = try ImagePuller.fetchLayer(client: client, store: store, repo: repo, desc, index: i, diffID: diffIDs[i],
                                                           parent: i > 0 ? chain[i - 1] : nil, tmp: tmp, state: state) { phase in
                        state.report(progress, .layer(id: id, phase))
                    }
                    state.done(i, layer)
                    state.report(progress, .layer(id: id, .complete))
                } catch {
                    state.fail(error)
                }
            }
        }
        let threads = (0..<min(concurrency, indices.count)).map { _ in PullThread.start(work) }
        for t in threads { PullThread.join(t) }
        if let e = state.failure { throw e }
        return indices.map { ($0, state.ingested[$0]!) }
    }

    /// One layer: a fetch thread writes the blob into a pipe the calling thread ingests.
    static func fetchLayer(client: RegistryClient, store: Store, repo: RepositoryRef, _ desc: Descriptor, index: Int,
                           diffID: Digest, parent: Digest?, tmp: String, state: PullState,
                           phase: @escaping (PullLayerPhase) -> Void) throws -> IngestedLayer {
        var fds: [Int32] = [-1, -1]
        guard Files.pipeCloexec(&fds) == 0 else { throw HiveError.errno("cannot make a pipe for layer \(desc.digest)") }
        let (readFD, writeFD) = (fds[0], fds[1])
        let fetchError = ErrorBox()
        let total = desc.size
        let fetcher = PullThread.start {
            defer { close(writeFD) }
            let mark = ErrorBox()  // its `done`: bytes reported so far
            do {
                try client.fetchBlob(repo, desc, into: writeFD) { done in
                    // progress at most every 64 KiB (and at the end); the client calls this on this thread
                    if done - mark.done >= 65536 || done == total {
                        mark.done = done
                        phase(.downloading(done: done, total: total))
                    }
                }
                phase(.extracting)
            } catch {
                fetchError.error = error
            }
        }
        let ingested: Result<IngestedLayer, any Error>
        if state.failure != nil {
            ingested = .failure(HiveError(.io, "pull stopped"))
        } else {
            do {
                ingested = .success(try store.ingestLayerFiles(.fd(readFD, decompress: true, teeFD: -1, blob: desc), tmp: tmp,
                                                               name: "layer \(desc.digest) of \(repo)", parent: parent, expectedDiffID: diffID,
                                                               expectedFrom: "in the image config", tempName: "pull-\(index)"))
            } catch {
                ingested = .failure(error)
            }
        }
        close(readFD)  // a fetch still writing gets EPIPE
        PullThread.join(fetcher)
        switch ingested {
        case .success(let layer): return layer  // its size and digest were checked as it was read
        case .failure(let e): throw fetchError.error ?? e  // the fetch's own failure explains a truncated stream best
        }
    }
}

/// What the workers share, under one lock.
final class PullState: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var cursor = 0
    private(set) var ingested: [IngestedLayer?]
    private var firstFailure: (any Error)?

    init(count: Int) {
        ingested = Array(repeating: nil, count: count)
        pthread_mutex_init(&lock, nil)
    }
    deinit { pthread_mutex_destroy(&lock) }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return body()
    }

    /// The next index to fetch, nil when all are taken or one failed.
    func next(_ indices: [Int]) -> Int? {
        locked {
            guard firstFailure == nil, cursor < indices.count else { return nil }
            cursor += 1
            return indices[cursor - 1]
        }
    }
    func done(_ i: Int, _ layer: IngestedLayer) { locked { ingested[i] = layer } }
    func fail(_ e: any Error) { locked { if firstFailure == nil { firstFailure = e } } }
    var failure: (any Error)? { locked { firstFailure } }
    /// Progress, one call at a time.
    func report(_ progress: PullProgress, _ u: PullUpdate) { locked { progress(u) } }
}

/// What the fetch thread leaves (its error, read after it is joined) and keeps (bytes reported).
final class ErrorBox: @unchecked Sendable {
    var error: (any Error)?
    var done: Int64 = -1
}

/// A joinable thread running a closure (no Foundation).
enum PullThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func start(_ body: @escaping () -> Void) -> pthread_t {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { p in
            Unmanaged<Body>.fromOpaque(p!).takeRetainedValue().run()
            return nil
        }, box)
        if rc != 0 {
            // no thread: run it here (slower, still correct)
            Unmanaged<Body>.fromOpaque(box).takeRetainedValue().run()
            return 0
        }
        return t
    }

    static func join(_ t: pthread_t) {
        if t != 0 { pthread_join(t, nil) }
    }
}
