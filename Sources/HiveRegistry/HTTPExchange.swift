// One HTTP request in flight, driven by the thread that asked for it: hive is
// threads, and AsyncHTTPClient is event loops. The delegate (on the event
// loop) queues what arrives; the calling thread waits for the head and pops
// body parts, so writes to files happen on the caller, never on an event loop.
// Backpressure: once `maxQueued` parts wait, didReceiveBodyPart returns a
// future that the caller completes when it takes one, and NIO stops reading
// the socket meanwhile: memory stays bounded whatever the blob's size.
import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import HivePlatform
import NIOCore
import NIOHTTP1

final class HTTPExchange: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    static let maxQueued = 8

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var head: HTTPResponseHead?
    private var parts: [ByteBuffer] = []
    private var waiting: EventLoopPromise<Void>?
    private var finished = false
    private var failure: (any Error)?
    private var task: HTTPClient.Task<Void>?
    private var cancelled = false
    /// Nanoseconds with nothing received before the exchange fails as stalled.
    let stallNanos: Int64
    let url: String

    init(url: String, stallNanos: Int64) {
        self.url = url
        self.stallNanos = stallNanos
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func attach(_ task: HTTPClient.Task<Void>) {
        lock()
        self.task = task
        let cancel = cancelled
        unlock()
        if cancel { task.cancel() }
    }

    private func lock() { pthread_mutex_lock(mutex) }
    private func unlock() { pthread_mutex_unlock(mutex) }

    // MARK: the event loop's side

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        lock()
        self.head = head
        pthread_cond_broadcast(cond)
        unlock()
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        lock()
        defer { unlock() }
        if cancelled { return task.eventLoop.makeSucceededVoidFuture() }
        parts.append(buffer)
        pthread_cond_broadcast(cond)
        guard parts.count >= HTTPExchange.maxQueued else { return task.eventLoop.makeSucceededVoidFuture() }
        let p = task.eventLoop.makePromise(of: Void.self)
        waiting = p
        return p.futureResult
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        lock()
        if failure == nil { failure = error }
        finished = true
        pthread_cond_broadcast(cond)
        let w = waiting
        waiting = nil
        unlock()
        w?.succeed(())
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        lock()
        finished = true
        pthread_cond_broadcast(cond)
        unlock()
    }

    // MARK: the calling thread's side

    /// Waits (locked) until `ready` or the stall deadline; false on a stall.
    private func wait(until ready: () -> Bool, nanos: Int64) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let end = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) + nanos
        var deadline = timespec(tv_sec: Int(end / 1_000_000_000), tv_nsec: Int(end % 1_000_000_000))
        while !ready() {
            if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT { return ready() }
        }
        return true
    }

    /// The response's status and headers, once they arrived (within `nanos`).
    func responseHead(within nanos: Int64) throws(HTTPFailure) -> HTTPResponseHead {
        lock()
        let ok = wait(until: { head != nil || failure != nil || finished }, nanos: nanos)
        let h = head, f = failure
        unlock()
        if let h { return h }
        cancel()
        if let f { throw .transport(f) }
        throw ok ? .transport(HiveError.Text("the connection closed before a response")) : .stalled
    }

    /// The next body part, nil at the end of the body.
    func next() throws(HTTPFailure) -> ByteBuffer? {
        lock()
        let ok = wait(until: { !parts.isEmpty || finished }, nanos: stallNanos)
        guard ok else {
            unlock()
            cancel()
            throw .stalled
        }
        if !parts.isEmpty {
            // taken out, not skipped over: a consumer that never catches up
            // must not keep every part it took (at most maxQueued + 1 wait here)
            let b = parts.removeFirst()
            let w = waiting
            waiting = nil
            unlock()
            w?.succeed(())
            return b
        }
        let f = failure
        unlock()
        if let f { throw .transport(f) }
        return nil
    }

    /// The whole body, failing once it passes `limit` bytes.
    func body(limit: Int) throws(HTTPFailure) -> [UInt8] {
        var out: [UInt8] = []
        while let b = try next() {
            guard out.count + b.readableBytes <= limit else {
                cancel()
                throw .tooLarge(limit)
            }
            out.append(contentsOf: b.readableBytesView)
        }
        return out
    }

    /// Puts a body that was read back, for `next` to give again (once the body ended).
    func unread(_ bytes: [UInt8]) {
        lock()
        parts.insert(ByteBuffer(bytes: bytes), at: 0)
        unlock()
    }

    /// Reads and drops the rest of the body (so the connection is reused), up to a bound.
    func drain() {
        var n = 0
        while n < 1 << 20, let b = try? next() { n += b.readableBytes }
        if n >= 1 << 20 { cancel() }
    }

    /// Stops the request (idempotent); a pending backpressure future is released.
    func cancel() {
        lock()
        cancelled = true
        let t = finished ? nil : task
        let w = waiting
        waiting = nil
        parts.removeAll()
        unlock()
        w?.succeed(())
        t?.cancel()
    }
}

/// How an exchange failed below HTTP: what the client retries or reports.
enum HTTPFailure: Error {
    case transport(any Error)
    case stalled
    case tooLarge(Int)
}
