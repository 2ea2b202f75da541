// `hive commit` (the writable layer becomes an image layer, whiteouts
// included) and `hive export` (the merged filesystem as a tar).
import Glibc
import HiveArchive
import HiveBuild
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Writes the container's writable layer as an OCI layer tar
    /// (TarWriter.writeDiff): walked by fd, nothing followed; the mount points
    /// hive created are not content.
    func writeDiffTar(_ id: String, to fd: Int32) throws {
        raiseOpenFileLimit()
        let upper = try TreeDir.root(containerDir(id) + "/upper")
        let lowers = try store.layers(of: try record(id).imageID).map { try TreeDir.root(store.layerDiffDir($0.chainID)) }
        try TarWriter.writeDiff(upper: upper, lowers: lowers, hidden: ["etc/hostname", "etc/hosts", "etc/resolv.conf"], to: fd)
    }

    public struct CommitOptions {
        public var reference: String?
        public var changes: [String] = []
        public var message: String?
        public var author: String?
        /// Freeze the container while its layer is read (Docker's default).
        public var pause = true
        public init() {}
    }

    /// `commit`: a new image = the container's image + its writable layer.
    public func commit(_ ref: String, _ o: CommitOptions) throws -> Digest {
        let r = try record(ref)
        let newRef = try o.reference.map { (t) throws -> Reference in
            do { return try Reference(parsing: t) } catch { throw HiveError(.invalidArgument, "\(error)") }
        }
        var config = try imageConfig(r.imageID)
        config.author = o.author ?? config.author
        var cc = config.config ?? ContainerConfig()
        try ImageChange.apply(o.changes, to: &cc)
        config.config = cc
        var history = config.history ?? []
        var h = History(created: Timestamp.now().rfc3339, createdBy: spec(r)?.argv.joined(separator: " "), comment: o.message)
        h.author = o.author
        history.append(h)
        config.history = history
        return try store.makeImage(parent: r.imageID, config: config, tag: newRef?.description) { fd in
            try self.whilePaused(r, o.pause) { try self.writeDiffTar(r.id, to: fd) }
        }
    }

    /// Runs `body` with the container frozen, if `pause` and it runs and is not
    /// paused already (then it stays paused, as Docker leaves it). It is thawed
    /// on every way out: an error, and SIGINT/SIGTERM/SIGHUP/SIGQUIT, which are
    /// held until it is thawed (then they end hive as they would have).
    func whilePaused<T>(_ r: ContainerRecord, _ pause: Bool, _ body: () throws -> T) throws -> T {
        guard pause, isAlive(r), !isPaused(r.id) else { return try body() }
        let dirs = cgroupDirs(r.id)
        var held = sigset_t(), old = sigset_t()
        sigemptyset(&held)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&held, s) }
        pthread_sigmask(SIG_BLOCK, &held, &old)
        defer {
            try? Cgroups.freeze(dirs, false)
            pthread_sigmask(SIG_SETMASK, &old, nil)
        }
        do { try Cgroups.freeze(dirs, true) } catch {
            throw HiveError(.conflict, "cannot pause container \(r.name) for the commit (hive commit --pause=false commits it running)",
                            cause: "\(error)")
        }
        return try body()
    }

    /// `export`: the container's merged filesystem (image layers + writable layer) as a tar.
    /// Every layer is walked by fd, nothing followed (see writeDiffTar).
    public func export(_ ref: String, to fd: Int32) throws {
        let r = try record(ref)
        raiseOpenFileLimit()
        let layers = try [TreeDir.root(containerDir(r.id) + "/upper")]
            + (try store.layers(of: r.imageID)).reversed().map { try TreeDir.root(store.layerDiffDir($0.chainID)) }
        try TarWriter.writeMerged(layers, to: fd)
    }
}
