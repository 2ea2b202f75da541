// This process: its executable, a monotonic clock, and detached helpers it
// starts (the store's log checkpoint, a --rm container's directory).
import CHivePlatform
import Glibc

public enum HostProcess {
    /// Keeps freed memory in the process (a command lives milliseconds): the first thing main does.
    public static func tuneMalloc() { hive_malloc_tune() }

    /// The running executable (hive itself), from /proc/self/exe.
    public static let executable: String = {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(cString: buf) : "hive"
    }()

    /// CLOCK_MONOTONIC in nanoseconds.
    public static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Starts `executable` with `arguments` in a session of its own, stdio on
    /// /dev/null, without waiting (posix_spawn: nothing of this process is copied).
    @discardableResult
    public static func spawnDetached(_ arguments: [String]) -> Bool {
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        return hive_spawn_detached(executable, argv) == 0
    }

    /// Reaps detached helpers that have exited (the API service lives on; a command's are init's).
    public static func reapDetached() { hive_reap_detached() }
}
