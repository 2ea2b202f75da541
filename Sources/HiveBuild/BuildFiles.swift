// The files side of COPY, ADD and RUN --mount: sources opened inside their
// root (the build context, BuildContext.swift, or an image) and walked by
// fd, destinations resolved inside the image (LayerView) and written into
// the new layer by fd, never through a symlink (InRoot.swift has the rules).
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

enum BuildFiles {
    /// Opens `rel` inside the directory `root` (symlinks resolved inside it,
    /// a final symlink followed) without opening it for content.
    static func openInRoot(_ root: Int32, _ rel: String, what: String, place: String) throws -> RootedFile {
        let fd = InRoot.open(root, rel, InRoot.pathOnly)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP { throw HiveError(.invalidArgument, "\(what) failed: \"/\(rel)\": too many levels of symbolic links") }
            if e == ENOENT || e == ENOTDIR {
                let link = InRoot.open(root, rel, InRoot.pathOnly | O_NOFOLLOW)
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

    /// Opens `f` for `flags` and checks that it is still the object its
    /// lstat described: a source through its O_PATH fd (the same inode), a
    /// walked child by name with O_NOFOLLOW | O_NONBLOCK (a FIFO swapped in
    /// does not block, and fails the check).
    private static func openChecked(_ f: RootedFile, _ flags: Int32, name: String) throws -> Int32 {
        let fd = f.fd >= 0 ? InRoot.reopen(f.fd, flags | O_NONBLOCK)
                           : openat(f.dir, f.name, flags | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot read \(name)") }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == f.type, st.st_ino == f.st.st_ino, st.st_dev == f.st.st_dev else {
            close(fd)
            throw HiveError(.unsafeContent, "cannot read \(name): it changed while being copied")
        }
        return fd
    }

    /// The content of a regular file (its type checked before it is opened:
    /// a FIFO or a device is never opened for reading): an fd at its start.
    static func openContent(_ f: RootedFile, name: String) throws -> Int32 {
        guard f.type == S_IFREG else { throw HiveError(.invalidArgument, "cannot read \(name): not a regular file") }
        return try openChecked(f, O_RDONLY, name: name)
    }

    /// Runs `body` over the children of the directory `f` (names sorted, each with its lstat).
    static func walk(_ f: RootedFile, name: String, _ body: (RootedFile) throws -> Void) throws {
        let dir = f.fd >= 0 ? f.fd : try openChecked(f, O_RDONLY | O_DIRECTORY, name: name)
        defer { if dir != f.fd { close(dir) } }
        for (n, st) in try InRoot.entries(dir) { try body(RootedFile(child: n, in: dir, st: st)) }
    }

    /// The target of the symlink `f`.
    static func linkTarget(_ f: RootedFile) -> String? {
        f.fd >= 0 ? InRoot.readLink(f.fd, "") : InRoot.readLink(f.dir, f.name)
    }

    /// A small regular file inside `root` (symlinks resolved inside it), or nil.
    static func readRegular(_ root: Int32, _ rel: String) -> [UInt8]? {
        let fd = InRoot.open(root, rel, InRoot.pathOnly)
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

    /// Where a copy writes: the layer being written (a directory fd) seen
    /// over the image's layers, so that a directory the image reaches through
    /// a symlink is resolved inside the image.
    struct Target {
        let layer: Int32
        let view: LayerView    // the layer being written over the image
        let lowers: LayerView  // the image alone (owners and modes of its directories)
    }

    /// Creates the entry `name` in `parent` with `make` (which must fail with
    /// EEXIST rather than follow anything); a file or symlink an earlier
    /// source wrote there is replaced, a directory is not.
    @discardableResult
    static func create(_ parent: Int32, _ name: String, _ shown: String, _ make: () -> Int32) throws -> Int32 {
        var r = make()
        if r < 0 && errno == EEXIST {
            var st = stat()
            if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) != S_IFDIR && unlinkat(parent, name, 0) == 0 {
                r = make()
            } else {
                errno = EEXIST
            }
        }
        guard r >= 0 else { throw HiveError.errno("cannot create \(shown)") }
        return r
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
            try walk(src, name: shown) { child in
                let childRel = rel.isEmpty ? child.name : rel + "/" + child.name
                if let ignore, ignore.excludes(childRel) { return }
                try copy(child, into: dir, name: child.name, parentNames: names, target: target, owner: owner, mode: mode, rel: childRel, ignore: ignore)
            }
            fchown(dir, uid, gid)
            fchmod(dir, mode ?? (st.st_mode & 0o7777))
            futimens(dir, &times)
        case S_IFLNK:
            guard let link = linkTarget(src) else { throw HiveError.errno("cannot read the link \(name)") }
            try create(parent, name, shown) { symlinkat(link, parent, name) }
            fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW)
            utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW)
        case S_IFREG:
            let inFD = try openContent(src, name: name)
            defer { close(inFD) }
            let outFD = try create(parent, name, shown) { openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
            defer { close(outFD) }
            try pump(inFD, outFD, name: shown)
            fchown(outFD, uid, gid)
            fchmod(outFD, mode ?? (st.st_mode & 0o7777))  // after chown, which clears setuid bits
            futimens(outFD, &times)
        case S_IFIFO, S_IFCHR, S_IFBLK:
            // copied as the entry it is (Docker does the same), never opened;
            // an overlay whiteout (0/0) in an image copied from is an absence
            if src.type == S_IFCHR && st.st_rdev == 0 { return }
            try create(parent, name, shown) { mknodat(parent, name, src.type | 0o600, st.st_rdev) }
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
            try walk(f, name: name) { c in
                let child = name.isEmpty ? c.name : name + "/" + c.name
                if let ignore, ignore.excludes(child) { return }
                try contentDigest(c, name: child, into: h, ignore: ignore)
            }
        case S_IFLNK:
            if let target = linkTarget(f) { h.update(Array(target.utf8)) }
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
                let dir = InRoot.open(root, base, InRoot.pathOnly | O_DIRECTORY)
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
        let fd = try create(dir, name, name) { openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
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
