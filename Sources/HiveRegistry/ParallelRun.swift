// A bounded pool for blocking work (hive is threads, not tasks): `width`
// threads (PullThread's, the caller's among them) take indices in order
// until none is left; results come back in index order. Push's layers use it.
import Glibc

enum ParallelRun {
    static func map<T>(_ count: Int, width: Int, _ body: (Int) -> T) -> [T] {
        guard count > 1, width > 1 else { return (0..<count).map(body) }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { inout_ in
            let buf = inout_  // a copy of the pointer: the threads write distinct elements
            withoutActuallyEscaping(body) { body in
                let queue = IndexQueue(count: count)
                let work = { while let i = queue.take() { buf[i] = body(i) } }
                let threads = (1..<min(width, count)).map { _ in PullThread.start(work) }
                work()
                for t in threads { PullThread.join(t) }
            }
        }
        return results.map { $0! }
    }
}

/// The next index, under a lock.
private final class IndexQueue: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var next = 0
    private let count: Int

    init(count: Int) {
        self.count = count
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    func take() -> Int? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
