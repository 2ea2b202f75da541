// `hive cp`: between a host path and a container (CHiveLaunch/copy.c does
// the copying in a child that sees the container's filesystem), and tar
// streams in both directions as Docker: `hive cp CTR:PATH -` writes a tar
// of PATH; `hive cp - CTR:DIR` extracts a tar into DIR. For streams the
// child only opens the container's path (inside its root) and passes the fd
// back; the tree is then written or read through that fd by HiveArchive's
// fd-based walk (TreeWalk) and safe extractor (LayerExtractor), so no
// entry of a hostile tar leaves the destination.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Where a container's files are seen from: its running init (0 if stopped) and its overlay.
    private func copyTarget(_ ref: String) throws -> (record: ContainerRecord, running: pid_t, start: Int64, overlay: (data: String, rootfs: String)) {
        let r = try record(ref)
        let alive = isAlive(r)
        let ov = try Launcher.overlay(planFile: containerDir(r.id) + "/plan")
        return (r, alive ? (r.pid ?? 0) : 0, alive ? (r.pidStart ?? 0) : 0, ov)
    }

    /// `hive cp SRC DST`, one side `CONTAINER:PATH`. Container paths never
    /// resolve outside the container; the copy runs in a child that sees the
    /// container's filesystem (a running one found by a pidfd on its init)
    /// and opens only regular files and directories (CHiveLaunch/copy.c).
    /// `archive` (-a) keeps uid/gid (and setuid/setgid out of a container); `followLink` (-L) follows a source symlink.
    /// Returns the bytes of regular-file content copied.
    @discardableResult
    public func copy(_ src: String, _ dst: String, archive: Bool = false, followLink: Bool = false) throws -> Int64 {
        let options = Launcher.CopyOptions(archive: archive, followLink: followLink)
        let (ref, path, outOfContainer) = try CopyPaths.endpoints(src, dst)
        let t = try copyTarget(ref)
        let cpath = try CopyPaths.containerPath(path)
        if outOfContainer {
            // container -> host
            var st = stat()
            let intoDir = stat(dst, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            let dirPath = intoDir ? dst : CopyPaths.parentDirectory(dst)
            let name = intoDir ? CopyPaths.baseName(cpath) : CopyPaths.baseName(dst)
            let fd = open(dirPath.isEmpty ? "/" : dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw HiveError.errno("cannot open \(dirPath) (the destination's directory must exist)") }
            defer { close(fd) }
            return try Launcher.copy(running: t.running, start: t.start, overlayData: t.overlay.data, rootfs: t.overlay.rootfs, containerPath: cpath,
                                     hostFD: fd, hostName: name, toContainer: false, options: options)
        }
        // host -> container: into CONTAINER:PATH if it is a directory, else as PATH
        let fd = try Launcher.openCopySource(src, follow: options.followLink)
        defer { close(fd) }
        defer { wroteWritableLayer(t.record.id) }  // a stopped one's kept size (system df), also after a partial copy
        return try Launcher.copy(running: t.running, start: t.start, overlayData: t.overlay.data, rootfs: t.overlay.rootfs, containerPath: cpath,
                                 hostFD: fd, hostName: CopyPaths.baseName(src), toContainer: true, options: options)
    }

    /// The container side of a tar stream, `CONTAINER:PATH` (`notInContainer`
    /// says why it must be one), opened inside the container's root
    /// (Launcher.openInContainer): its record, its path and the fd.
    /// `openFailed` rewords the error of the open itself.
    func openStreamSide(_ arg: String, notInContainer: String, directory: Bool, follow: Bool,
                                openFailed: (HiveError) -> HiveError = { $0 }) throws -> (record: ContainerRecord, path: String, fd: Int32) {
        guard let (ref, path) = CopyPaths.split(arg) else { throw HiveError(.invalidArgument, "\"\(arg)\" is not CONTAINER:PATH: " + notInContainer) }
        let t = try copyTarget(ref)
        let cpath = try CopyPaths.containerPath(path)
        do {
            let fd = try Launcher.openInContainer(running: t.running, start: t.start, overlayData: t.overlay.data, rootfs: t.overlay.rootfs,
                                                  containerPath: cpath, directory: directory, follow: follow)
            return (t.record, cpath, fd)
        } catch let e as HiveError {
            throw openFailed(e)
        }
    }

    /// `hive cp CTR:PATH -`: PATH as a tar on `out`, as Docker's archive of
    /// it: entries named from PATH's last component (`etc/`, `etc/passwd`),
    /// the container's numeric owners, symlinks as symlinks (PATH itself
    /// followed with `followLink`), sockets left out. Returns the bytes of
    /// regular-file content written.
    @discardableResult
    public func copyOut(_ src: String, to out: Int32, followLink: Bool = false) throws -> Int64 {
        let (_, cpath, fd) = try openStreamSide(src, notInContainer: "with - as the destination the source must be in a container",
                                                directory: false, follow: followLink)
        let top = try TreeObject.adopt(fd, name: cpath)
        let name = CopyPaths.tarName(cpath)
        let w = try TarWriter(fd: out)
        var bytes: Int64 = 0
        func add(_ entry: String, _ o: TreeObject) throws(HiveError) {
            if try w.add(entry, o), o.type == S_IFREG { bytes += Int64(o.st.st_size) }
        }
        if let dir = try TreeDir.from(top) {
            try add(name + "/", top)
            try dir.walk(name) { (p, _, o, sub) throws(HiveError) -> Bool in
                try add(sub == nil ? p : p + "/", o)
                return true
            }
        } else {
            guard top.type != S_IFSOCK else { throw HiveError(.invalidArgument, "cannot copy \(cpath): it is a socket (sockets are not copied)") }
            try add(name, top)
        }
        try w.finish()
        return bytes
    }

    /// `hive cp - CTR:DIR`: extracts the tar (gzip, xz, bzip2 or zstd
    /// compressed, or not) read from `input` into DIR, which must be a
    /// directory. Every entry is resolved under DIR, never through a
    /// symlink, and hardlinks only reach files inside DIR; an existing
    /// directory is not replaced by a file nor the reverse. Owners are the
    /// tar's, as Docker keeps them; with `archive` (-a), the container's
    /// configured user's, as Docker's copyUIDGID. Returns the bytes read.
    @discardableResult
    public func copyIn(from input: Int32, to dst: String, archive: Bool = false) throws -> Int64 {
        let (record, _, dir) = try openStreamSide(dst, notInContainer: "with - as the source the destination must be a directory in a container",
                                                  directory: true, follow: true) {
            HiveError(.invalidArgument, "destination \"\(dst)\" must be a directory (\($0.message))")
        }
        defer { close(dir) }
        var owner: (uid: uid_t, gid: gid_t)? = nil
        if archive, let user = spec(record)?.user, !user.isEmpty {
            let layers = try store.layers(of: record.imageID).reversed().map { store.layerDiffDir($0.chainID) }
            let u = try UserResolver.resolve(user, layers: [containerDir(record.id) + "/upper"] + layers)
            owner = (u.uid, u.gid)
        }
        let reader = try ArchiveReader(fd: input, name: "the tar stream on standard input")
        let x = LayerExtractor(rootFD: dir)
        x.copyMode = true
        x.owner = owner
        x.scope = "the destination \(dst)"
        defer { wroteWritableLayer(record.id) }
        _ = try x.extract(from: reader.handle)
        return reader.bytesRead
    }
}
