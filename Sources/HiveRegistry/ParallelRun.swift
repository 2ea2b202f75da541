// A bounded pool for blocking work (hive is threads, not tasks): `width`
// threads (JoinableThreads, the caller's among them) take indices in order
// until none is left; results come back in index order. Pull's layers use
// tryMap (the first failure stops it), push's layers map.
import Glibc
import HivePlatform

enum ParallelRun {
    static func map<T>(_ count: Int, width: Int, _ body: (Int) -> T) -> [T] {
        run(IndexQueue(count: count), width: width) { i, _ in body(i) }.map { $0! }
    }

    /// As map, but the first error stops the pool: no index starts after it
    /// (those running finish), and it is thrown once every thread is joined.
    static func tryMap<T>(_ count: Int, width: Int, _ body: (Int) throws -> T) throws -> [T] {
        let queue = IndexQueue(count: count)
        let results = run(queue, width: width) { i, queue -> T? in
            do { return try body(i) } catch {
                queue.fail(error)
                return nil
            }
        }
        if let failure = queue.failure { throw failure }  // read once every thread is joined
        return results.map { $0!! }
    }

    private static func run<T>(_ queue: IndexQueue, width: Int, _ body: (Int, IndexQueue) -> T) -> [T?] {
        let count = queue.count
        guard count > 1, width > 1 else {
            var out: [T?] = []
            while let i = queue.take() { out.append(body(i, queue)) }
            return out + [T?](repeating: nil, count: count - out.count)
        }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { inout_ in
            let buf = inout_  // a copy of the pointer: the threads write distinct elements
            withoutActuallyEscaping(body) { body in
                let work = { while let i = queue.take() { buf[i] = body(i, queue) } }
                let threads = (1..<min(width, count)).map { _ in HostThread(work) }
                work()
                for t in threads { t.join() }
            }
        }
        return results
    }
}

/// The next index, under a lock; none after a failure.
private final class IndexQueue: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var next = 0
    /// The first failure (tryMap).
    private(set) var failure: (any Error)?
    let count: Int

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

    /// Keeps the first failure and hands out no more indices.
    func fail(_ error: any Error) {
        pthread_mutex_lock(&mutex)
        if failure == nil { failure = error }
        next = count
        pthread_mutex_unlock(&mutex)
    }
}
