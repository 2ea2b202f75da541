// ParallelRun: every index once, results in order, at most `width` at a time.
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
}
