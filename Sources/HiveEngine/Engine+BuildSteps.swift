// The build steps that make layers: RUN (a container on hive's own
// launcher, its writable layer committed) and COPY/ADD (files written
// straight into a new layer), with the context, .dockerignore and the
// file helpers they share. Sources never resolve outside their root.
import CHiveShims
import Glibc
import HiveArchive
import HiveBuild
import HiveOCI
import HiveRuntime
import HiveStore

/// The build context directory (held open: every path in it is resolved
/// from this fd, inside it) and its .dockerignore.
final class BuildContext {
    let dir: String
    let fd: Int32
    let ignore: DockerIgnore

    init(dir: String, dockerfileName: String) throws {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(dir, &buf) != nil else { throw HiveError.errno("cannot use the build context \(dir)") }
        self.dir = String(cString: buf)
        fd = open(self.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOTDIR { throw HiveError(.invalidArgument, "the build context \(dir) is not a directory") }
            throw HiveError.errno("cannot open the build context \(dir)")
        }
        let base = dockerfileName.split(separator: "/").last.map(String.init) ?? "Dockerfile"
        let text = BuildFiles.readRegular(fd, base + ".dockerignore") ?? BuildFiles.readRegular(fd, ".dockerignore") ?? []
        ignore = DockerIgnore(String(decoding: text, as: UTF8.self))
    }

    deinit { close(fd) }
}

/// An object opened inside its root (O_PATH, symlinks resolved in the root) with its type.
struct RootedFile {
    let fd: Int32
    let st: stat
    var type: mode_t { st.st_mode & S_IFMT }
    var isDirectory: Bool { type == S_IFDIR }
}

enum BuildFiles {
    /// Opens `rel` inside the directory `root` (symlinks resolved inside it,
    /// a final symlink followed) without opening it for content.
    static func openInRoot(_ root: Int32, _ rel: String, what: String, place: String) throws -> RootedFile {
        let fd = InRoot.open(root, rel, hive_O_PATH)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP { throw HiveError(.invalidArgument, "\(what) failed: \"/\(rel)\": too many levels of symbolic links") }
            if e == ENOENT || e == ENOTDIR {
                let link = InRoot.open(root, rel, hive_O_PATH | O_NOFOLLOW)
                if link >= 0 {
                    close(link)
                    throw HiveError(.notFound, "\(what) failed: \"/\(rel)\" is a symlink that points outside the \(place) or to nothing (symlinks resolve inside the \(place))")
                }
                throw HiveError(.notFound, "\(what) failed: \"/\(rel)\" not found in the \(place)")
            }
            throw HiveError.errno("\(what) failed: cannot open \"/\(rel)\" in the \(place)", e)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw HiveError.errno("cannot read /\(rel)", e) }
        return RootedFile(fd: fd, st: st)
    }

    /// A child of an open directory, opened O_PATH without following it.
    static func openChild(_ dir: Int32, _ name: String) throws -> RootedFile {
        let fd = openat(dir, name, hive_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open \(name)") }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw HiveError.errno("cannot read \(name)", e) }
        return RootedFile(fd: fd, st: st)
    }

    /// The content of a regular file (checked from its fd first; a FIFO or a
    /// device is never opened for reading): an fd positioned at the start.
    static func openContent(_ f: RootedFile, name: String) throws -> Int32 {
        guard f.type == S_IFREG else { throw HiveError(.invalidArgument, "cannot read \(name): not a regular file") }
        let fd = InRoot.reopen(f.fd, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw HiveError.errno("cannot read \(name)") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_ino == f.st.st_ino, st.st_dev == f.st.st_dev else {
            close(fd)
            throw HiveError(.unsafeContent, "cannot read \(name): it changed while being copied")
        }
        return fd
    }

    /// A small regular file inside `root` (symlinks resolved inside it), or nil.
    static func readRegular(_ root: Int32, _ rel: String) -> [UInt8]? {
        let fd = InRoot.open(root, rel, hive_O_PATH)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let content = InRoot.reopen(fd, O_RDONLY | O_NONBLOCK)
        guard content >= 0 else { return nil }
        defer { close(content) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(content, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return out }
            out += buf[0..<n]
        }
    }

    /// The image's directory view for `rel` (symlinks resolved inside the
    /// image): its resolved path and what is there.
    static func resolveInImage(_ view: LayerView, _ rel: String, followLast: Bool) throws -> RootedPath {
        do { return try InRoot.resolve(view, rel, followLast: followLast, allowMissing: true) } catch {
            switch error.errno {
            case ELOOP: throw HiveError(.invalidArgument, "/\(rel) in the image: too many levels of symbolic links")
            case ENOTDIR: throw HiveError(.invalidArgument, "/\(rel) in the image: \(error.path) is not a directory")
            default: throw HiveError.errno("cannot resolve /\(rel) in the image", error.errno)
            }
        }
    }

    /// Opens (creating) the directory `names` (a resolved path) in the layer
    /// being written, by fd and never through a symlink; directories the
    /// image already has keep their owner, mode and times (0755 root if new).
    static func makeDirs(_ layer: Int32, _ names: [String], lowers: LayerView) throws -> Int32 {
        try InRoot.mkdirAll(layer, names) { (i, fd) throws(HiveError) in
            guard let lower = lowers.find(names[...i].joined(separator: "/"), followLast: false), lower.isDirectory else { return }
            fchown(fd, lower.stat.st_uid, lower.stat.st_gid)
            fchmod(fd, lower.stat.st_mode & 0o7777)
            var times = [lower.stat.st_atim, lower.stat.st_mtim]
            futimens(fd, &times)
        }
    }

    /// The directory `rel` of the image, created in the layer being written
    /// where missing: symlinks on the way are resolved inside the image (as
    /// Docker does: `/link/` where link -> /etc is /etc of the image).
    static func targetDirectory(_ layer: Int32, _ rel: String, view: LayerView, lowers: LayerView) throws -> (fd: Int32, names: [String]) {
        let r = try resolveInImage(view, rel, followLast: true)
        if r.exists && !r.isDirectory {
            throw HiveError(.invalidArgument, "cannot copy into /\(rel): it is not a directory in the image")
        }
        return (try makeDirs(layer, r.names, lowers: lowers), r.names)
    }

    /// The directory as a layer tar (sorted, no whiteouts).
    static func writeTar(_ dir: String, to fd: Int32) throws {
        let w = try TarWriter(fd: fd)
        func walk(_ rel: String) throws {
            for name in FileTree.names(in: rel.isEmpty ? dir : dir + "/" + rel).sorted() {
                let path = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                guard lstat(dir + "/" + path, &st) == 0 else { continue }
                let isDir = (st.st_mode & S_IFMT) == S_IFDIR
                try w.addFromDisk(path + (isDir ? "/" : ""), diskPath: dir + "/" + path)
                if isDir { try walk(path) }
            }
        }
        try walk("")
        try w.finish()
    }

    /// Where a copy writes: the layer being written (a directory fd) seen
    /// over the image's layers, so that a directory the image reaches through
    /// a symlink is resolved inside the image.
    struct Target {
        let layer: Int32
        let view: LayerView    // the layer being written over the image
        let lowers: LayerView  // the image alone (owners and modes of its directories)
    }

    /// Removes what the layer has at `name` (a file or symlink an earlier
    /// source wrote) so a new entry can take its place; a directory stays and fails the create.
    static func clear(_ parent: Int32, _ name: String) {
        var st = stat()
        if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) != S_IFDIR { unlinkat(parent, name, 0) }
    }

    /// Copies `src` (a file, symlink, directory tree, FIFO or device, opened
    /// O_PATH) to `name` in the layer directory `parent` (whose resolved path
    /// in the image is `parentNames`), never following a symlink on either
    /// side, keeping modes and times; `owner` and `mode` override when given.
    /// Regular files are opened for content only after their type is checked;
    /// sockets are skipped, as Docker's tar does.
    static func copy(_ src: RootedFile, into parent: Int32, name: String, parentNames: [String], target: Target,
                     owner: (UInt32, UInt32)?, mode: mode_t?, rel: String = "", ignore: DockerIgnore? = nil) throws {
        let st = src.st
        let (uid, gid) = owner ?? (0, 0)
        var times = [st.st_atim, st.st_mtim]
        let shown = "/" + (parentNames + [name]).joined(separator: "/")
        switch src.type {
        case S_IFDIR:
            // an image directory reached through a symlink is written where it resolves, inside the image
            var names = parentNames + [name]
            var dir: Int32
            let r = try resolveInImage(target.view, names.joined(separator: "/"), followLast: true)
            if r.exists && !r.isDirectory {
                throw HiveError(.invalidArgument, "cannot copy a directory to \(shown): it is not a directory in the image")
            }
            if r.names == names {
                if mkdirat(parent, name, 0o700) != 0 && errno != EEXIST { throw HiveError.errno("cannot create \(shown)") }
                dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard dir >= 0 else { throw HiveError.errno("cannot copy a directory to \(shown)") }
            } else {
                dir = try makeDirs(target.layer, r.names, lowers: target.lowers)
                names = r.names
            }
            defer { close(dir) }
            for (n, _) in try InRoot.entries(src.fd) {
                let childRel = rel.isEmpty ? n : rel + "/" + n
                if let ignore, ignore.excludes(childRel) { continue }
                let child = try openChild(src.fd, n)
                defer { close(child.fd) }
                try copy(child, into: dir, name: n, parentNames: names, target: target, owner: owner, mode: mode, rel: childRel, ignore: ignore)
            }
            fchown(dir, uid, gid)
            fchmod(dir, mode ?? (st.st_mode & 0o7777))
            futimens(dir, &times)
        case S_IFLNK:
            guard let link = InRoot.readLink(src.fd, "") else { throw HiveError.errno("cannot read the link \(name)") }
            clear(parent, name)
            guard symlinkat(link, parent, name) == 0 else { throw HiveError.errno("cannot create the link \(shown)") }
            fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW)
            utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW)
        case S_IFREG:
            let inFD = try openContent(src, name: name)
            defer { close(inFD) }
            clear(parent, name)
            let outFD = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard outFD >= 0 else { throw HiveError.errno("cannot create \(shown)") }
            defer { close(outFD) }
            try pump(inFD, outFD, name: shown)
            fchown(outFD, uid, gid)
            fchmod(outFD, mode ?? (st.st_mode & 0o7777))  // after chown, which clears setuid bits
            futimens(outFD, &times)
        case S_IFIFO, S_IFCHR, S_IFBLK:
            // copied as the entry it is (Docker does the same), never opened;
            // an overlay whiteout (0/0) in an image copied from is an absence
            if src.type == S_IFCHR && st.st_rdev == 0 { return }
            clear(parent, name)
            guard mknodat(parent, name, src.type | 0o600, st.st_rdev) == 0 else { throw HiveError.errno("cannot create \(shown)") }
            fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW)
            fchmodat(parent, name, mode ?? (st.st_mode & 0o7777), 0)
            utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW)
        default:
            return  // a socket is not content
        }
    }

    private static func pump(_ inFD: Int32, _ outFD: Int32, name: String) throws {
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(inFD, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw HiveError.errno("cannot read \(name)") }
            if n == 0 { break }
            var off = 0
            while off < n {
                let m = buf.withUnsafeBytes { write(outFD, $0.baseAddress! + off, n - off) }
                if m < 0 && errno == EINTR { continue }
                guard m > 0 else { throw HiveError.errno("cannot write \(name)") }
                off += m
            }
        }
    }

    /// A digest of what copying `f` would write (names, types, modes, sizes,
    /// contents, link targets), walked by fd; FIFOs and devices are never opened.
    static func contentDigest(_ f: RootedFile, name: String, into h: SHA256, ignore: DockerIgnore? = nil) throws {
        let st = f.st
        h.update(Array("\(name)\u{0}\(f.type)\u{0}\(st.st_mode & 0o7777)\u{0}\(st.st_mtim.tv_sec)\u{0}".utf8))
        switch f.type {
        case S_IFDIR:
            for (n, _) in try InRoot.entries(f.fd) {
                let child = name.isEmpty ? n : name + "/" + n
                if let ignore, ignore.excludes(child) { continue }
                let c = try openChild(f.fd, n)
                defer { close(c.fd) }
                try contentDigest(c, name: child, into: h, ignore: ignore)
            }
        case S_IFLNK:
            if let target = InRoot.readLink(f.fd, "") { h.update(Array(target.utf8)) }
        case S_IFREG:
            let fd = try openContent(f, name: name)
            defer { close(fd) }
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(fd, &buf, buf.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        case S_IFCHR, S_IFBLK:
            h.update(Array("\(st.st_rdev)".utf8))
        default: break
        }
    }

    static func hasWildcard(_ s: String) -> Bool { s.contains("*") || s.contains("?") || s.contains("[") }

    /// Paths under `root` that `pattern` names (relative, cleaned, as
    /// written: symlinks are resolved when opened), never outside it;
    /// `ignore` hides excluded ones (the context's .dockerignore).
    static func sources(_ pattern: String, root: Int32, ignore: DockerIgnore?, what: String, place: String = "build context") throws -> [String] {
        if climbsOut(pattern) { throw HiveError(.invalidArgument, "\(what) source \(pattern) is outside the \(place)") }
        let clean = DockerIgnore.clean(pattern)
        func visible(_ rel: String) -> Bool { ignore.map { !$0.excludes(rel) } ?? true }
        if clean.isEmpty { return [""] }
        if !hasWildcard(clean) {
            guard visible(clean) else {
                throw HiveError(.notFound, "\(what) failed: \"/\(clean)\" not found in the \(place) (or excluded by .dockerignore)")
            }
            close(try openInRoot(root, clean, what: what, place: place).fd)
            return [clean]
        }
        // match element by element (Go's filepath.Match on each), each directory opened inside the root
        var matches = [""]
        for comp in clean.split(separator: "/").map(String.init) {
            var next: [String] = []
            for base in matches {
                let dir = InRoot.open(root, base, hive_O_PATH | O_DIRECTORY)
                guard dir >= 0 else { continue }
                defer { close(dir) }
                for (name, _) in (try? InRoot.entries(dir)) ?? [] where Glob.match(comp, name) {
                    let rel = base.isEmpty ? name : base + "/" + name
                    if visible(rel) { next.append(rel) }
                }
            }
            matches = next
        }
        if matches.isEmpty {
            throw HiveError(.notFound, "\(what) failed: no source files were specified (\"\(pattern)\" matches nothing in the \(place))")
        }
        return matches
    }

    /// Bind-mounts the object `f` (an O_PATH fd) at `path`, a new file or
    /// directory hive owns: mount(2) follows /proc/self/fd/N to that exact
    /// object, so no name is looked up again. The bind is read-only from the
    /// start: a sweep of the store's temp directory that walks into it
    /// cannot delete the context through it.
    static func bindFD(_ f: RootedFile, at path: String) throws {
        if f.isDirectory {
            guard mkdir(path, 0o700) == 0 else { throw HiveError.errno("cannot create the mount point \(path)") }
        } else {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw HiveError.errno("cannot create the mount point \(path)") }
            close(fd)
        }
        guard mount("/proc/self/fd/\(f.fd)", path, nil, UInt(MS_BIND), nil) == 0 else {
            throw HiveError.errno("cannot mount the RUN --mount source")
        }
        guard mount(nil, path, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil) == 0 else {
            let e = errno
            umount2(path, Int32(MNT_DETACH))
            throw HiveError.errno("cannot make the RUN --mount source read-only", e)
        }
    }

    /// Whether a relative path's `..` elements climb above where it starts.
    static func climbsOut(_ path: String) -> Bool {
        var depth = 0
        for p in path.split(separator: "/") where p != "." {
            depth += p == ".." ? -1 : 1
            if depth < 0 { return true }
        }
        return false
    }
}

extension Engine {
    /// A step whose result is a new image: from the cache, or made by `make`.
    func cachedStep(_ s: inout BuildState, opts: BuildOptions, make: (ImageConfig) throws -> Digest) throws -> Bool {
        if !opts.noCache, let hit = try store.cachedBuildStep(s.key), try store.image(hit) != nil {
            s.image = hit
            s.config = try imageConfig(hit)
            s.dirty = false
            return true
        }
        let id = try make(s.config)
        try store.db.transaction { () throws(HiveError) in try store.recordBuildStep(s.key, image: id) }
        s.image = id
        s.config = try imageConfig(id)
        s.dirty = false
        return false
    }

    func runStep(_ form: CommandForm, network: String?, heredocs: [Heredoc], mounts: [RunMount], state s: inout BuildState,
                 opts: BuildOptions, context: BuildContext?, earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
        let cc = s.config.config ?? ContainerConfig()
        var argv: [String]
        switch form {
        case .exec(let a): argv = a
        case .shell(var c):
            let trimmed = c.trimmed
            if heredocs.count == 1, trimmed == "<<" + heredocs[0].name || trimmed == "<<-" + heredocs[0].name {
                c = heredocs[0].content  // `RUN <<EOF`: the heredoc is the script
            } else {
                // other heredocs go to the shell as written: it reads them itself
                for h in heredocs { c += "\n" + h.content + h.name }
            }
            argv = (cc.shell ?? ["/bin/sh", "-c"]) + [c]
        }
        var net = network ?? opts.network
        if net == "default" { net = opts.network == "default" ? "none" : opts.network }
        if net == "default" { net = "none" }
        let env = s.env.map { "\($0.0)=\($0.1)" }
        // --mount: cache directories persist in the store; bind sources are read from the context or a stage
        var requests: [MountRequest] = []
        var unmounts: [String] = []
        var scratchDirs: [String] = []
        defer {
            var stuck: [String] = []
            for m in unmounts {
                if umount2(m, Int32(MNT_DETACH)) != 0 && errno != EINVAL { stuck.append(m) } else { rmdir(m) }
            }
            // never remove a directory through a source that is still mounted in it (the context itself)
            for d in scratchDirs where !stuck.contains(where: { $0.hasPrefix(d + "/") }) { try? FileTree.remove(path: d) }
        }
        var mountKey = ""
        for m in mounts {
            let target = m.target.hasPrefix("/") ? m.target : (cc.workingDir ?? "/") + "/" + m.target
            switch m.kind {
            case .tmpfs:
                requests.append(MountRequest(kind: .tmpfs, source: nil, target: target, tmpfsOptions: m.size.map { "size=" + $0 }))
                mountKey += " tmpfs:" + target
            case .cache:
                let id = m.id ?? target
                let dir = store.root + "/cache/build/" + Engine.sha256Hex(id)
                for d in [store.root + "/cache", store.root + "/cache/build", dir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
                    throw HiveError.errno("cannot create the build cache directory \(d)")
                }
                requests.append(MountRequest(kind: .bind, source: dir, target: target))
                mountKey += " cache:" + id + ":" + target
            case .bind:
                var root: String
                var digestRoot = "context"
                var ignore: DockerIgnore? = nil
                if let from = m.from {
                    let image: Digest?
                    if let j = stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] { image = st.image } else {
                        do { image = try resolveImage(from).id } catch { throw HiveError(.notFound, "RUN --mount from=\(from): no stage or local image of that name") }
                    }
                    let (r, u) = try mountImage(image)
                    root = r
                    if let u { unmounts.append(u) }
                    digestRoot = image?.hex ?? "scratch"
                } else if let context {
                    root = context.dir
                    ignore = context.ignore
                } else {
                    throw HiveError(.invalidArgument, "RUN --mount=type=bind needs a build context or from=")
                }
                let place = m.from == nil ? "build context" : "image \(m.from!)"
                let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard rootFD >= 0 else { throw HiveError.errno("cannot open the \(place)") }
                defer { close(rootFD) }
                // the source is opened inside its root (symlinks resolved there) and mounted by fd:
                // what the step sees is the object checked here, never a host path a symlink names
                let rel = try BuildFiles.sources(m.source ?? ".", root: rootFD, ignore: ignore, what: "RUN --mount", place: place)[0]
                let src = try BuildFiles.openInRoot(rootFD, rel, what: "RUN --mount", place: place)
                defer { close(src.fd) }
                let h = SHA256()
                try BuildFiles.contentDigest(src, name: rel, into: h)
                let scratch = try store.makeTempDir()
                scratchDirs.append(scratch)
                let source = scratch + "/src"
                if m.readWrite {
                    // writes through a rw bind are discarded, as BuildKit does: the step gets a copy
                    let view = try LayerView(layers: [scratch])
                    let dir = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    guard dir >= 0 else { throw HiveError.errno("cannot open \(scratch)") }
                    defer { close(dir) }
                    try BuildFiles.copy(src, into: dir, name: "src", parentNames: [], target: .init(layer: dir, view: view, lowers: view),
                                        owner: nil, mode: nil)
                } else {
                    try BuildFiles.bindFD(src, at: source)
                    unmounts.append(source)
                }
                requests.append(MountRequest(kind: .bind, source: source, target: target, readonly: !m.readWrite))
                mountKey += " bind:" + digestRoot + ":" + target + ":" + h.finalize().hex
            case .secret, .ssh:
                throw HiveError(.invalidArgument, "RUN --mount=type=\(m.kind.rawValue) is not available")
            }
        }
        s.advance("RUN " + argv.joined(separator: "\u{0}") + " network=" + net + mountKey)
        let createdBy = "RUN " + argv.joined(separator: " ") + " # buildkit"
        let parentImage = s.image
        return try cachedStep(&s, opts: opts) { config in
            guard let image = parentImage else {
                throw HiveError(.invalidArgument, "RUN needs a filesystem with a shell; this stage is FROM scratch with no files yet")
            }
            var o = RunOptions(image: image.hex)
            o.buildStep = true
            o.entrypoint = ""
            o.command = argv
            o.env = env
            o.user = cc.user.flatMap { $0.isEmpty ? nil : $0 }
            o.workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 }
            o.network = net
            o.mounts = requests
            let (id, plan) = try createContainer(o)
            defer { try? cleanupContainer(id) }
            var p = plan
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(null) }
            p.stdio = opts.showRunOutput ? (null, 1, 2) : (null, null, null)
            let pid: pid_t
            do { pid = try Launcher.launch(p) } catch let e as LaunchError {
                throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" could not start: \(e.message)")
            }
            store.unlock()
            let status = Launcher.wait(pid, forwardSignals: true)
            guard status == 0 else {
                throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" did not complete successfully: exit code: \(status)")
            }
            var c = config
            var h = c.history ?? []
            h.append(History(created: Timestamp.now().rfc3339, createdBy: createdBy, comment: "buildkit.dockerfile.v0"))
            c.history = h
            return try makeImage(parent: image, config: c) { fd in try self.writeDiffTar(id, to: fd) }
        }
    }

    func copyStep(_ spec: CopySpec, add: Bool, state s: inout BuildState, lex: ShellLex, opts: BuildOptions, context: BuildContext?,
                  earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
        let what = add ? "ADD" : "COPY"
        func expand(_ w: String) throws -> String { try lex.processWord(w, env: s.env) }
        let cc = s.config.config ?? ContainerConfig()
        // where the files come from: a directory held open, every source resolved inside it
        var root: String
        var place = "build context"
        var fromID = "context"
        var ignore: DockerIgnore? = nil
        var unmount: String? = nil
        defer { if let m = unmount { umount2(m, Int32(MNT_DETACH)); rmdir(m) } }
        if let f = spec.from {
            let from = try expand(f)
            let image: Digest?
            if let j = stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] {
                image = st.image
            } else if let n = Int(from), n >= stage.index {
                throw HiveError(.invalidArgument, "\(what) --from=\(from): stage \(n) is not built before this one")
            } else {
                do { image = try resolveImage(from).id } catch {
                    throw HiveError(.notFound, "\(what) --from=\(from): no stage or local image of that name")
                }
            }
            fromID = image?.hex ?? "scratch"
            (root, unmount) = try mountImage(image)
            place = "image \(from)"
        } else if let context {
            root = context.dir
            ignore = context.ignore
        } else if spec.sources.allSatisfy({ $0.hasPrefix("<<") }) {
            root = "/"  // never read: heredocs only
        } else {
            throw HiveError(.invalidArgument, "\(what) needs a build context, and `hive build -` has none (give a directory)")
        }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw HiveError.errno("cannot open the \(place)") }
        defer { close(rootFD) }
        // where they go
        var dest = try expand(spec.dest)
        let workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        var destIsDir = dest.hasSuffix("/") || dest == "." || spec.sources.count > 1
        if !dest.hasPrefix("/") { dest = workdir + "/" + dest }
        let destRel = DockerIgnore.clean(dest)
        let layers = try s.image.map { try store.layers(of: $0).reversed().map { store.layerDiffDir($0.chainID) } } ?? []
        let image = try LayerView(layers: layers)
        // a destination that is a directory in the image (or a symlink to one, resolved inside the image) receives the sources inside it
        if destRel.isEmpty { destIsDir = true }
        if try BuildFiles.resolveInImage(image, destRel, followLast: true).isDirectory { destIsDir = true }
        // owner and mode
        var owner: (UInt32, UInt32)? = nil
        if let c = spec.chown {
            let spec = try expand(c)
            if let u = UInt32(spec.split(separator: ":").first ?? ""), spec.split(separator: ":").count <= 2,
               spec.split(separator: ":").dropFirst().allSatisfy({ UInt32($0) != nil }) {
                owner = (u, spec.contains(":") ? UInt32(spec.split(separator: ":")[1])! : u)
            } else {
                let r = try UserResolver.resolve(spec, layers: layers)
                owner = (r.uid, spec.contains(":") ? r.gid : r.gid)
            }
        }
        let mode = spec.chmod.flatMap { mode_t($0, radix: 8) }
        // the sources, and what they hold: each opened (O_PATH) inside its root, a symlink named
        // directly followed there; `rel` is the path as written (it names the copy)
        var items: [(rel: String, inline: String?, file: RootedFile?)] = []
        defer { for i in items { if let f = i.file { close(f.fd) } } }
        var sourceCount = 0
        // --exclude patterns hide files as .dockerignore does, relative to each source
        let excludes = try spec.excludes.map(expand)
        func filterFor(_ itemRel: String) -> DockerIgnore? {
            if excludes.isEmpty { return ignore }
            let scoped = excludes.map { itemRel.isEmpty ? $0 : itemRel + "/" + $0 }
            return DockerIgnore((ignore.map { $0.source } ?? "") + "\n" + (excludes + scoped).joined(separator: "\n"))
        }
        let filter = filterFor("")
        for raw in spec.sources {
            if raw.hasPrefix("<<"), let h = spec.heredocs.first(where: { raw == "<<" + $0.name || raw == "<<-" + $0.name }) {
                items.append((h.name, h.expand ? try expand(h.content) : h.content, nil))
                sourceCount += 1
                continue
            }
            let src = try expand(raw)
            if add, src.hasPrefix("http://") || src.hasPrefix("https://") || src.hasPrefix("git@") {
                throw HiveError(.invalidArgument, "ADD \(src): downloading from a URL is not available (hive builds offline); download it into the context and COPY it")
            }
            for rel in try BuildFiles.sources(src, root: rootFD, ignore: filter, what: what, place: place) {
                items.append((rel, nil, try BuildFiles.openInRoot(rootFD, rel, what: what, place: place)))
                sourceCount += 1
            }
        }
        let h = SHA256()
        for item in items {
            if let inline = item.inline {
                h.update(Array("inline\u{0}\(item.rel)\u{0}\(inline)".utf8))
            } else if let f = item.file {
                try BuildFiles.contentDigest(f, name: item.rel, into: h, ignore: filterFor(item.rel))
            }
        }
        let ownerText = owner.map { "\($0.0):\($0.1)" } ?? "-"
        s.advance("\(what) from=\(fromID) dest=\(destRel) dir=\(destIsDir) parents=\(spec.parents) owner=\(ownerText) mode=\(spec.chmod ?? "-") content=\(h.finalize().hex)")
        let parents = spec.parents
        let createdBy = "\(what) \(spec.sources.joined(separator: " ")) \(spec.dest) # buildkit"
        let fromImport = spec.from == nil
        return try layerStep(&s, createdBy: createdBy, opts: opts) { layerDir in
            // the layer being written, by fd, seen over the image: destinations resolve inside the image
            let layer = open(layerDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard layer >= 0 else { throw HiveError.errno("cannot open \(layerDir)") }
            defer { close(layer) }
            let target = BuildFiles.Target(layer: layer, view: try LayerView(layers: [layerDir] + layers), lowers: image)
            for item in items {
                let isDir = item.file?.isDirectory ?? false
                let archive = add && fromImport && item.file?.type == S_IFREG ? try BuildFiles.archiveContent(item.file!, name: item.rel) : nil
                defer { if let archive { close(archive) } }
                let intoDir = destIsDir || isDir || archive != nil || sourceCount > 1
                let name = item.rel.split(separator: "/").last.map(String.init) ?? ""
                let keep = parents && item.inline == nil ? item.rel : name  // --parents keeps the source's path
                let targetRel = intoDir || parents ? (destRel.isEmpty ? keep : destRel + "/" + keep) : destRel
                if isDir || archive != nil {
                    // a directory's contents (or an archive's) go into the destination directory
                    let dirRel = parents && isDir ? targetRel : destRel
                    let (dir, names) = try BuildFiles.targetDirectory(layer, dirRel, view: target.view, lowers: image)
                    defer { close(dir) }
                    if let archive {
                        try BuildFiles.extract(archive, name: item.rel, into: dir)
                        continue
                    }
                    let filter = filterFor(item.rel)
                    for (n, _) in try InRoot.entries(item.file!.fd) {
                        let rel = item.rel.isEmpty ? n : item.rel + "/" + n
                        if let filter, filter.excludes(rel) { continue }
                        let child = try BuildFiles.openChild(item.file!.fd, n)
                        defer { close(child.fd) }
                        try BuildFiles.copy(child, into: dir, name: n, parentNames: names, target: target, owner: owner, mode: mode,
                                            rel: rel, ignore: filter)
                    }
                    continue
                }
                // one entry: its directory resolved inside the image, its own name never followed
                let parentRel = targetRel.split(separator: "/").dropLast().joined(separator: "/")
                let entryName = targetRel.split(separator: "/").last.map(String.init) ?? ""
                guard !entryName.isEmpty else { throw HiveError(.invalidArgument, "\(what) \(item.rel): cannot replace the image's root directory") }
                let (dir, names) = try BuildFiles.targetDirectory(layer, parentRel, view: target.view, lowers: image)
                defer { close(dir) }
                if let inline = item.inline {
                    try BuildFiles.writeInline(inline, into: dir, name: entryName, owner: owner, mode: mode ?? 0o644)
                } else if let f = item.file {
                    try BuildFiles.copy(f, into: dir, name: entryName, parentNames: names, target: target, owner: owner, mode: mode)
                }
            }
        }
    }

    /// The image's filesystem, read-only: its single layer directory, or an overlay of them.
    func mountImage(_ image: Digest?) throws -> (String, String?) {
        // no files: an empty directory, removed afterwards like a mount point
        func empty() throws -> (String, String?) {
            let dir = try store.makeTempDir()
            return (dir, dir)
        }
        guard let image else { return try empty() }
        let layers = try store.layers(of: image).reversed().map { store.layerDiffDir($0.chainID) }
        if layers.count == 1 { return (layers[0], nil) }
        if layers.isEmpty { return try empty() }
        let mnt = try store.makeTempDir()
        guard mount("overlay", mnt, "overlay", UInt(MS_RDONLY), "lowerdir=" + layers.joined(separator: ":")) == 0 else {
            throw HiveError.errno("cannot mount the image \(image.shortID) to copy from it")
        }
        return (mnt, mnt)
    }
}

extension BuildFiles {
    /// The content of a local tar archive (plain or compressed), which ADD
    /// unpacks, as an fd at its start; nil if the file is not one.
    static func archiveContent(_ f: RootedFile, name: String) throws -> Int32? {
        let fd = try openContent(f, name: name)
        var head = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &head, 512)
        guard n >= 4, isArchive(head, n), lseek(fd, 0, SEEK_SET) == 0 else { close(fd); return nil }
        return fd
    }

    static func isArchive(_ head: [UInt8], _ n: Int) -> Bool {
        if head[0] == 0x1F && head[1] == 0x8B { return true }                       // gzip
        if head[0] == 0x42 && head[1] == 0x5A && head[2] == 0x68 { return true }     // bzip2
        if head[0] == 0xFD && head[1] == 0x37 && head[2] == 0x7A && head[3] == 0x58 { return true }  // xz
        if head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD { return true }  // zstd
        return n >= 262 && head[257] == 0x75 && head[258] == 0x73 && head[259] == 0x74 && head[260] == 0x61 && head[261] == 0x72  // ustar
    }

    /// Unpacks an archive into the directory `dir` (an fd in the layer being
    /// written) with the safe extractor: nothing is written outside it or through a symlink.
    static func extract(_ archive: Int32, name: String, into dir: Int32) throws {
        let reader = try ArchiveReader(fd: archive, name: name)
        _ = try LayerExtractor(rootFD: dir).extract(from: reader.handle)
    }

    /// A heredoc's text as the file `name` in `dir`, created without following anything.
    static func writeInline(_ text: String, into dir: Int32, name: String, owner: (UInt32, UInt32)?, mode: mode_t) throws {
        clear(dir, name)
        let fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw HiveError.errno("cannot create \(name)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HiveError.errno("cannot write \(name)") }
            off += n
        }
        if let (u, g) = owner { fchown(fd, u, g) }
        fchmod(fd, mode)
    }
}
