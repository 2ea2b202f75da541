// What the Engine API needs of containers beyond `ps` and `inspect`: the
// list's per-container network mode, networks (inspect's EndpointSettings),
// mounts (inspect's shape) and ports, read for the whole list at once;
// `wait` with Docker's conditions; the stat of a path in a container
// (the archive endpoints' X-Docker-Container-Path-Stat).
import Glibc
import HiveNetwork
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

/// One container of the API's list beyond its ContainerSummary.
public struct ContainerListing {
    /// HostConfig.NetworkMode as it asked (bridge, host, none, NAME, container:NAME).
    public var networkMode = ""
    /// NetworkSettings.Networks: name -> EndpointSettings, as inspect shows them.
    public var networks: JSONValue = .object([:])
    /// Mounts, as inspect shows them.
    public var mounts: [JSONValue] = []
    /// Published ports while it runs.
    public var published: [NetworkInspect.PublishedPort] = []
    /// Exposed ports (`80/tcp`) while it runs, published or not.
    public var exposed: [String] = []
    public var sizeRw: Int64?
    public var sizeRootFs: Int64?
    /// Its labels (parsed once, not decoded per read as ContainerSummary.labels).
    public var labels: [String: String] = [:]
    public init() {}
}

extension Engine {
    /// The listing of each container in `ids`: one read of the records, the
    /// endpoints and the networks (no inspect per container); `size`: the
    /// writable layer's size too (a walk of each one, as Docker's size=1).
    public func containerListings(_ ids: Set<String>, size: Bool) throws -> [String: ContainerListing] {
        if ids.isEmpty { return [:] }
        let records = try store.allContainersWithSpecs().filter { ids.contains($0.id) }
        let endpoints = Dictionary(grouping: try store.allEndpoints(), by: \.containerID)
        let networks = try store.networks()
        var byRef: [String: NetworkRecord] = [:]
        for n in networks {
            byRef[n.id] = n
            byRef[n.name] = n
        }
        var out: [String: ContainerListing] = [:]
        for r in records {
            var l = ContainerListing()
            l.labels = labels(r.labelsJSON)
            if size {
                let (rw, rootfs) = try containerSizes(r)
                l.sizeRw = rw
                l.sizeRootFs = rootfs
            }
            guard let s = SpecMemo.shared.spec(r.config, { spec(r) }) else { out[r.id] = l; continue }
            let running = isAlive(r)
            let eps = running ? endpoints[r.id] ?? [] : []
            l.networkMode = s.network
            l.mounts = (s.mounts ?? []).compactMap(ContainerInspect.mount)
            let attached = try attachedNetworks(s, endpoints: eps) { ref throws(HiveError) in byRef[ref] }
            if case .object(let o) = NetworkInspect.settings(containerID: r.id, networks: attached, exposed: [], running: false, sandboxKey: nil) {
                l.networks = o["Networks"] ?? .object([:])
            }
            if running {
                l.published = NetworkInspect.published(eps)
                l.exposed = NetworkInspect.exposedKeys(s.net ?? NetworkRequest())
            }
            out[r.id] = l
        }
        return out
    }

    /// Docker's `wait` conditions: "not-running" (now if it is not running),
    /// "next-exit" (the next exit, even of a container not started yet),
    /// "removed" (its next exit, then its removal). Returns its exit status;
    /// nil once `cancelled` says the caller went away. Polls the record (a
    /// few ms apart); the status of a `--rm` container comes from its ExitWatch.
    public func waitCondition(_ ref: String, condition: String, cancelled: () -> Bool) throws -> Int32? {
        guard ["not-running", "next-exit", "removed", ""].contains(condition) else {
            throw HiveError(.invalidArgument, "invalid condition: \"\(condition)\" (not-running, next-exit or removed)")
        }
        let watch = try ExitWatch(self, ref)
        let first = watch.first
        let id = first.id
        var running = isAlive(first)
        if (condition == "not-running" || condition.isEmpty) && !running && !isRestarting(first) {
            return first.state == .created ? 0 : first.exitCode ?? 0
        }
        let finished0 = first.finished
        var seenRunning = running
        var exited: Int32? = nil
        var last = first
        while !cancelled() {
            guard let r = try store.container(id) else {
                // removed: its last run's status
                return exited ?? watch.status() ?? last.exitCode ?? 0
            }
            last = r
            running = isAlive(r)
            if running { seenRunning = true }
            if exited == nil && !running && (seenRunning || r.finished != finished0) && !isRestarting(r) {
                // gone: the monitor writes its status, then records it
                if let code = watch.exitFile() ?? (r.state == .exited && r.finished != finished0 ? r.exitCode : nil) {
                    exited = code
                    if condition != "removed" { return code }
                }
            }
            usleep(2000)
        }
        return nil
    }

    /// A path in a container as Docker's archive endpoints describe it
    /// (X-Docker-Container-Path-Stat): name, size, Go's FileMode bits, mtime
    /// (RFC 3339) and a symlink's target. The path is resolved in the
    /// container (never outside it); a missing one is notFound.
    public func pathStat(_ ref: String, path: String) throws -> JSONValue {
        let (_, cpath, fd) = try openStreamSide(ref + ":" + path, notInContainer: "the path must be in a container", directory: false, follow: false) {
            $0.code == .notFound ? HiveError(.notFound, "Could not find the file \(path) in container \(ref)") : $0  // Docker's words
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HiveError.errno("cannot stat \(cpath) in container \(ref)") }
        let type = st.st_mode & S_IFMT
        var mode = Int64(st.st_mode & 0o777)
        if st.st_mode & S_ISUID != 0 { mode |= 1 << 23 }
        if st.st_mode & S_ISGID != 0 { mode |= 1 << 22 }
        if st.st_mode & S_ISVTX != 0 { mode |= 1 << 20 }
        var link = ""
        switch type {
        case S_IFDIR: mode |= 1 << 31
        case S_IFLNK:
            mode |= 1 << 27
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlinkat(fd, "", &buf, buf.count - 1)
            if n > 0 { link = String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        case S_IFIFO: mode |= 1 << 25
        case S_IFSOCK: mode |= 1 << 24
        case S_IFCHR: mode |= (1 << 26) | (1 << 21)
        case S_IFBLK: mode |= 1 << 26
        default: break
        }
        let name = cpath == "/" ? "/" : String(cpath.split(separator: "/").last ?? "")
        return .object([
            "name": .string(name), "size": .int(Int64(st.st_size)), "mode": .int(mode),
            "mtime": .string(Timestamp(unixNanos: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)).rfc3339),
            "linkTarget": .string(link),
        ])
    }
}

/// Where a waiter reads a container's exit status: the `exit` file its
/// monitor writes, through the container's directory held open (a `--rm`
/// removal cannot take it from under a poll that reads it), and, where the
/// container exited and went between two polls (file and all), its `die`
/// event, which is logged before the removal. Made before the waiter first
/// looks at the container, so no exit after that is missed.
final class ExitWatch {
    let first: ContainerRecord
    private let dirFD: Int32
    private let follower: EventFollower?

    init(_ engine: Engine, _ ref: String) throws {
        follower = try? engine.followEvents()
        follower?.skipToEnd()
        first = try engine.record(ref)
        dirFD = open(engine.containerDir(first.id), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    deinit { if dirFD >= 0 { close(dirFD) } }

    /// The status the monitor wrote, while its directory has it.
    func exitFile() -> Int32? {
        dirFD >= 0 ? MonitorProtocol.readExit(containerDir: "/proc/self/fd/\(dirFD)")?.status : nil
    }

    /// Once the container is gone: its last status, from the file or the event log.
    func status() -> Int32? {
        if let code = exitFile() { return code }
        guard let e = follower?.read().last(where: { $0.type == "container" && $0.id == first.id && $0.action == "die" }) else { return nil }
        return e.attributes["exitCode"].flatMap { Int32($0) }
    }
}

/// Decoded container specs by their JSON text, kept across the service's
/// requests (a spec's text always decodes to the same spec: the memo of a
/// pure function, bounded, not state): decoding one costs ~30 µs, and a
/// list of 50 containers must answer in 2 ms.
final class SpecMemo: @unchecked Sendable {
    static let shared = SpecMemo()
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var specs: [String: ContainerSpec] = [:]

    init() {
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    func spec(_ text: String, _ decode: () -> ContainerSpec?) -> ContainerSpec? {
        pthread_mutex_lock(lock)
        let known = specs[text]
        pthread_mutex_unlock(lock)
        if let known { return known }
        guard let s = decode() else { return nil }
        pthread_mutex_lock(lock)
        if specs.count >= 4096 { specs.removeAll() }
        specs[text] = s
        pthread_mutex_unlock(lock)
        return s
    }
}
