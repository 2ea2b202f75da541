// A stored tag shown as Docker shows it (`docker.io/library/busybox:latest`
// is `busybox:latest`): every event and listing names images this way.

import Glibc

/// Shows a fully qualified tag name as Docker does (`busybox:latest`).
public func familiarName(_ full: String) -> String {
    // one command names the same image in every event it logs: parse it once
    // (per thread: the API service runs requests on threads of their own)
    let cache = FamiliarNames.current
    if full == cache.full { return cache.familiar }
    let f = (try? Reference(parsing: full))?.familiar ?? full
    cache.full = full
    cache.familiar = f
    return f
}

/// The last name shown, per thread.
private final class FamiliarNames {
    var full = ""
    var familiar = ""
    nonisolated(unsafe) static var key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { p in if let p { Unmanaged<FamiliarNames>.fromOpaque(p).release() } }
        return k
    }()

    static var current: FamiliarNames {
        if let p = pthread_getspecific(key) { return Unmanaged<FamiliarNames>.fromOpaque(p).takeUnretainedValue() }
        let c = FamiliarNames()
        pthread_setspecific(key, Unmanaged.passRetained(c).toOpaque())
        return c
    }
}
