// A thread running a closure (no Foundation): joinable, or detached.
// The one pthread spawner of hive (the registry's parallel fetches, the API
// service's request threads, its relays and signal watcher).
import Glibc

public final class HostThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private var thread = pthread_t()
    private var started = false

    /// Starts `body` on a new thread; `join()` waits for it. Without a thread
    /// (pthread_create failed) it runs here: slower, still correct.
    public init(_ body: @escaping () -> Void) {
        started = HostThread.spawn(body, detached: false, &thread)
    }

    /// Waits for the thread's end (once; a no-op after).
    public func join() {
        if started { pthread_join(thread, nil); started = false }
    }

    /// Starts `body` on a thread nobody joins (1 MiB stack).
    public static func detach(_ body: @escaping () -> Void) {
        var t = pthread_t()
        _ = spawn(body, detached: true, &t)
    }

    private static func spawn(_ body: @escaping () -> Void, detached: Bool, _ t: inout pthread_t) -> Bool {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        if detached {
            pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
            pthread_attr_setstacksize(&attr, 1 << 20)
        }
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        guard pthread_create(&t, &attr, { p in
            Unmanaged<HostThread.Body>.fromOpaque(p!).takeRetainedValue().run()
            return nil
        }, box) == 0 else {
            Unmanaged<Body>.fromOpaque(box).takeRetainedValue().run()
            return false
        }
        return true
    }
}
