// ParallelRun: every index once, results in order, at most `width` at a time;
// tryMap's first failure stops the pool and is thrown.
import Glibc
import Testing
@testable import HiveRegistry

@Suite struct ParallelRunTests {
    @Test func everyIndexOnceInOrderWithinTheWidth() {
        final class Counter: @unchecked Sendable {
            var mutex = pthread_mutex_t()
            var running = 0, peak = 0
            init() { pthread_mutex_init(&mutex, nil) }
            func enter() { pthread_mutex_lock(&mutex); running += 1; peak = max(peak, running); pthread_mutex_unlock(&mutex) }
            func leave() { pthread_mutex_lock(&mutex); running -= 1; pthread_mutex_unlock(&mutex) }
        }
        let c = Counter()
        let out = ParallelRun.map(20, width: 3) { i -> Int in
            c.enter()
            usleep(2000)
            c.leave()
            return i * i
        }
        #expect(out == (0..<20).map { $0 * $0 })
        #expect(c.peak >= 2 && c.peak <= 3)
        #expect(ParallelRun.map(0, width: 3) { $0 }.isEmpty)
        #expect(ParallelRun.map(5, width: 1) { $0 } == [0, 1, 2, 3, 4])
    }

    @Test func theFirstFailureStopsThePoolAndIsThrown() throws {
        struct Boom: Error { let i: Int }
        final class Started: @unchecked Sendable {
            var mutex = pthread_mutex_t()
            var indices: [Int] = []
            init() { pthread_mutex_init(&mutex, nil) }
            func add(_ i: Int) { pthread_mutex_lock(&mutex); indices.append(i); pthread_mutex_unlock(&mutex) }
        }
        // one thread: nothing after the failing index starts
        let one = Started()
        #expect(throws: Boom.self) { try ParallelRun.tryMap(10, width: 1) { i -> Int in one.add(i); if i == 3 { throw Boom(i: i) }; return i } }
        #expect(one.indices == [0, 1, 2, 3])
        // several: the error comes out once the threads are joined, and at most the running ones finish
        let many = Started()
        do {
            _ = try ParallelRun.tryMap(50, width: 3) { i -> Int in many.add(i); usleep(1000); if i == 4 { throw Boom(i: i) }; return i }
            Issue.record("no error")
        } catch let e as Boom { #expect(e.i == 4) }
        #expect(many.indices.count < 50)
        #expect(try ParallelRun.tryMap(6, width: 3) { $0 * 2 } == [0, 2, 4, 6, 8, 10])
    }
}
