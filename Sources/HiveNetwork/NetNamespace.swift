// Network namespaces of containers: made on a thread (the caller's namespace
// never changes), loopback up, pinned by a bind mount at a path
// ($HIVE_RUNROOT/netns/<id>) that the launcher joins, hooks are told of and
// `network connect` opens; removed by unmounting the pin.
import HivePlatform

public enum NetNamespace {
    /// A namespace being made on a thread while the caller does other work.
    public final class Prepared {
        /// The namespace's fd (loopback up), waiting for the thread; throws if it failed.
        public func take() throws(HiveError) -> Int32 { fatalError("groundwork (helper netlink)") }
    }
    /// Starts making a new namespace on a thread.
    public static func prepare() -> Prepared { fatalError("groundwork (helper netlink)") }
    /// Pins the namespace `fd` at `path` (a file made there, its directory if missing).
    public static func pin(_ fd: Int32, at path: String) throws(HiveError) { fatalError("groundwork (helper netlink)") }
    /// Opens a pinned namespace (O_CLOEXEC), checking it is one.
    public static func open(_ path: String) throws(HiveError) -> Int32 { fatalError("groundwork (helper netlink)") }
    /// Unpins (lazy unmount) and deletes `path`; nothing there is fine.
    public static func remove(_ path: String) { fatalError("groundwork (helper netlink)") }
}
