// A bounded pool of threads for blocking work (hive is threads, not tasks):
// `width` threads, the caller's among them, take indices in order until none
// is left; results come back in index order.
import Glibc

enum ParallelRun {
    static func map<T>(_ count: Int, width: Int, _ body: (Int) -> T) -> [T] {
        guard count > 1, width > 1 else { return (0..<count).map(body) }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { inout_ in
            let buf = inout_  // a copy of the pointer: the threads write distinct elements
            withoutActuallyEscaping(body) { body in
                let queue = IndexQueue(count: count) { i in buf[i] = body(i) }
                var threads: [pthread_t] = []
                for _ in 1..<min(width, count) {
                    var t = pthread_t()
                    let started = pthread_create(&t, nil, { raw in
                        Unmanaged<IndexQueue>.fromOpaque(raw!).takeUnretainedValue().work()
                        return nil
                    }, Unmanaged.passUnretained(queue).toOpaque())
                    if started == 0 { threads.append(t) }
                }
                queue.work()  // with no thread started, the caller does it all
                for t in threads { pthread_join(t, nil) }
            }
        }
        return results.map { $0! }
    }
}

private final class IndexQueue: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var next = 0
    private let count: Int
    private let body: (Int) -> Void

    init(count: Int, body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    private func take() -> Int? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func work() { while let i = take() { body(i) } }
}
