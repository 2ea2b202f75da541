// Network namespaces of containers: made on a thread (the caller's namespace
// never changes), loopback up, pinned by a bind mount at a path
// ($HIVE_RUNROOT/netns/<id>) that the launcher joins, hooks are told of and
// `network connect` opens; removed by unmounting the pin.
//
// Measured (see Netlink.swift's note): prepare + take + pin ≈ 1.1-1.7 ms,
// remove ≈ 0.2-1 ms; the kernel tears the namespace (and a veth in it) down
// afterwards, asynchronously, once no pin, fd or process holds it.
import CHiveNet
import HivePlatform
#if canImport(Glibc)
import Glibc
#endif

public enum NetNamespace {
    /// A namespace being made on a thread while the caller does other work.
    public final class Prepared {
        private var job: OpaquePointer?
        private var result: Result<Int32, HiveError>?
        private var inside: Netlink.Socket?

        init(_ job: OpaquePointer?) { self.job = job }

        /// The namespace's fd (loopback up), waiting for the thread; throws if it failed.
        /// The fd is the caller's to close; a second take returns the same outcome.
        public func take() throws(HiveError) -> Int32 {
            if result == nil { result = wait() }
            return try result!.get()
        }

        /// A netlink socket in the namespace, opened by the thread that made it (no
        /// second thread joining it: ~0.3-0.7 ms saved); the first call after a
        /// successful take gets it, later ones nil.
        public func socket() -> Netlink.Socket? {
            defer { inside = nil }
            return inside
        }

        private func wait() -> Result<Int32, HiveError> {
            var err = [CChar](repeating: 0, count: 256)
            var rtnl: Int32 = -1
            let fd = err.withUnsafeMutableBufferPointer { hive_ns_take(job, &rtnl, $0.baseAddress, $0.count) }
            job = nil
            if fd < 0 {
                let step = String(cString: err)
                return .failure(Netlink.error(fd, "cannot make a network namespace" + (step.isEmpty ? "" : " (\(step))")))
            }
            if rtnl >= 0 { inside = Netlink.Socket(fd: rtnl) }
            return .success(fd)
        }

        /// Never taken: the thread is waited for and its namespace closed.
        deinit {
            if result == nil, case .success(let fd) = wait() { Glibc.close(fd) }
        }
    }

    /// Starts making a new namespace on a thread.
    public static func prepare() -> Prepared { Prepared(hive_ns_prepare()) }

    /// Pins the namespace `fd` at `path` (a file made there, its directory if missing).
    /// An existing file there is `.conflict` (remove a stale pin first).
    public static func pin(_ fd: Int32, at path: String) throws(HiveError) {
        var err = [CChar](repeating: 0, count: 256)
        let rc = err.withUnsafeMutableBufferPointer { hive_ns_pin(fd, path, $0.baseAddress, $0.count) }
        if rc < 0 {
            let step = String(cString: err)
            throw Netlink.error(rc, "cannot pin a network namespace at \(path)" + (step.isEmpty ? "" : " (\(step))"))
        }
    }

    /// Opens a pinned namespace (O_CLOEXEC), checking it is one.
    public static func open(_ path: String) throws(HiveError) -> Int32 {
        let fd = hive_ns_open(path)
        if fd == -EINVAL { throw HiveError(.invalidArgument, "\(path) is not a network namespace") }
        if fd < 0 { throw Netlink.error(fd, "cannot open network namespace \(path)") }
        return fd
    }

    /// Unpins (lazy unmount) and deletes `path`; nothing there is fine.
    public static func remove(_ path: String) { _ = hive_ns_remove(path) }
}
