// Paths inside a root (a build context, an image's layers, a layer being
// written), resolved by file descriptor the way BuildKit and the kernel's
// RESOLVE_IN_ROOT do: every component is looked up without following it,
// symlinks are evaluated inside the root (an absolute target restarts at the
// root, `..` stops at it), so nothing reached through the root is ever a host
// path (STYLE.md 13).
//
// Three tools, for every caller that touches a tree it does not trust
// (build today; commit, export and cp can use the same):
//   InRoot.open(rootFD, path, flags)      one object, resolved in the root
//   InRoot.mkdirAll(rootFD, names, ...)   directories made by fd, never through a symlink
//   InRoot.entries(dirFD)                 a directory's children with their lstat
// and the walk itself (`resolve`) over any `RootedTree`, so a view made of
// several directories (an image's layers, HiveArchive's LayerView) resolves
// with the same rules.
import CHivePlatform
import Glibc

/// What one name in a directory is, looked up without following it.
public enum RootedNode<Dir> {
    case missing
    case directory(Dir, stat)
    case symlink(String, stat)
    /// A regular file, device, FIFO or socket.
    case other(stat)
    /// The lookup failed with this errno (other than ENOENT).
    case failed(Int32)
}

/// A tree whose names can be looked up one directory at a time.
public protocol RootedTree {
    associatedtype Dir
    /// The root directory (borrowed: never passed to `release`).
    var rootDir: Dir { get }
    /// `name` (never "", "." or "..") in `dir`, without following it.
    func lookup(_ dir: Dir, _ name: String) -> RootedNode<Dir>
    /// Frees a directory that `lookup` returned.
    func release(_ dir: Dir)
}

/// Where a path leads inside a root.
public struct RootedPath {
    /// The path's components with every symlink and `..` resolved: a path
    /// from the root that names the same object without any symlink.
    public var names: [String]
    /// What is there: 0 if missing, else the S_IFMT type (S_IFLNK only when
    /// the last symlink was not followed).
    public var type: mode_t
    /// Its lstat (zeroed when missing).
    public var stat: stat
    public var exists: Bool { type != 0 }
    public var isDirectory: Bool { type == S_IFDIR }
    public var path: String { names.joined(separator: "/") }
}

public enum InRoot {
    /// O_PATH (a _GNU_SOURCE name Swift's Glibc does not show), for `open`.
    public static let pathOnly: Int32 = hive_O_PATH

    /// Symlinks followed in one resolution, as Linux's MAXSYMLINKS.
    public static let maxSymlinks = 40

    /// Forces the userspace walk instead of openat2 (tests; HIVE_RESOLVE_FALLBACK=1).
    nonisolated(unsafe) public static var forceFallback: Bool = getenv("HIVE_RESOLVE_FALLBACK").map { String(cString: $0) == "1" } ?? false
    nonisolated(unsafe) private static var noOpenat2 = false

    /// Opens `path` inside the directory `root` (an open fd): symlinks and
    /// `..` resolved inside it, magic links refused. A final symlink is
    /// followed unless `flags` has O_NOFOLLOW or O_CREAT (a file is never
    /// created through a symlink). Returns the fd, or -1 with errno set.
    /// To read content, open O_PATH first, check the type with fstat, then `reopen`.
    /// `userspace` skips openat2 (the fallback used where the kernel lacks it).
    public static func open(_ root: Int32, _ path: String, _ flags: Int32, mode: mode_t = 0o644, userspace: Bool = forceFallback) -> Int32 {
        var f = flags | O_CLOEXEC
        if f & O_CREAT != 0 { f |= O_NOFOLLOW }
        if !userspace && !noOpenat2 {
            let fd = hive_openat2_in_root(root, path.isEmpty ? "." : path, f, UInt32(mode))
            if fd >= 0 || errno != ENOSYS { return fd }
            noOpenat2 = true
        }
        return openByWalk(root, path, f, mode: mode)
    }

    /// The userspace resolution: the walk gives the symlink-free path, which
    /// is then opened one component at a time with O_NOFOLLOW, so a tree
    /// changed in between fails (ELOOP, ENOTDIR, ENOENT) and never escapes.
    static func openByWalk(_ root: Int32, _ path: String, _ flags: Int32, mode: mode_t) -> Int32 {
        let follow = flags & O_NOFOLLOW == 0
        let r: RootedPath
        do { r = try resolve(FDTree(root: root), path, followLast: follow) } catch { errno = error.errno; return -1 }
        if !r.exists && flags & O_CREAT == 0 { errno = ENOENT; return -1 }
        var dir = root
        defer { if dir != root { close(dir) } }
        for name in r.names.dropLast() {
            let next = openat(dir, name, hive_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return -1 }
            if dir != root { close(dir) }
            dir = next
        }
        guard let last = r.names.last else { return openat(root, ".", flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), mode) }
        return openat(dir, last, flags | O_NOFOLLOW, mode)
    }

    /// Opens the object an O_PATH fd refers to, for content: the same inode
    /// (through /proc/self/fd, which hive's own /proc provides), never a
    /// name looked up again. Returns the fd, or -1 with errno set.
    public static func reopen(_ pathFD: Int32, _ flags: Int32) -> Int32 {
        Glibc.open("/proc/self/fd/\(pathFD)", (flags & ~O_NOFOLLOW) | O_CLOEXEC | O_NOCTTY)
    }

    /// Resolves `path` in `tree`: components looked up one by one, symlinks
    /// followed inside the root (at most `maxSymlinks`), `..` clamped at the
    /// root. A missing component fails with ENOENT unless `allowMissing`:
    /// then the rest is taken as names to be created (`..` removing the last
    /// one, as securejoin does). Throws `ResolveError` (ELOOP, ENOTDIR, ENOENT...).
    public static func resolve<T: RootedTree>(_ tree: T, _ path: String, followLast: Bool, allowMissing: Bool = false) throws(ResolveError) -> RootedPath {
        var names: [String] = []
        var dirs: [T.Dir?] = []  // the directory each name is (nil: missing, to be created)
        var stats: [stat] = []   // and its lstat
        func release(_ d: T.Dir?) { if let d { tree.release(d) } }
        defer { dirs.forEach(release) }
        var pending: [Substring] = path.split(separator: "/").reversed()
        var links = 0
        var belowMissing: Bool { dirs.last.map { $0 == nil } ?? false }
        while let comp = pending.popLast() {
            if comp == "." { continue }
            if comp == ".." {
                // clamped at the root; the parent of a directory reached
                // through a symlink is its real parent, as in the kernel
                if !names.isEmpty { names.removeLast(); stats.removeLast(); release(dirs.removeLast()) }
                continue
            }
            let name = String(comp)
            let last = !pending.contains { $0 != "." }
            if belowMissing { names.append(name); dirs.append(nil); stats.append(stat()); continue }
            let parent: T.Dir = dirs.last.flatMap { $0 } ?? tree.rootDir
            switch tree.lookup(parent, name) {
            case .directory(let d, let st):
                names.append(name); dirs.append(d); stats.append(st)
            case .symlink(let target, let st):
                if last && !followLast { return RootedPath(names: names + [name], type: S_IFLNK, stat: st) }
                links += 1
                guard links <= maxSymlinks else { throw ResolveError(ELOOP, names + [name]) }
                guard !target.isEmpty else { throw ResolveError(ENOENT, names + [name]) }
                if target.hasPrefix("/") {  // absolute: from the root, never the host's
                    names.removeAll()
                    dirs.forEach(release)
                    dirs.removeAll()
                    stats.removeAll()
                }
                pending.append(contentsOf: target.split(separator: "/").reversed())
            case .other(let st):
                guard last else { throw ResolveError(ENOTDIR, names + [name]) }
                return RootedPath(names: names + [name], type: st.st_mode & S_IFMT, stat: st)
            case .missing:
                if last { return RootedPath(names: names + [name], type: 0, stat: stat()) }
                guard allowMissing else { throw ResolveError(ENOENT, names + [name]) }
                names.append(name); dirs.append(nil); stats.append(stat())
            case .failed(let e):
                throw ResolveError(e, names + [name])
            }
        }
        if belowMissing { return RootedPath(names: names, type: 0, stat: stat()) }
        return RootedPath(names: names, type: S_IFDIR, stat: stats.last ?? stat())
    }

    /// Opens (creating where missing) the directories `names` under `root`,
    /// one component at a time with O_NOFOLLOW: a symlink or a file on the
    /// way fails with ENOTDIR, never followed. `created(index, fd)` runs for
    /// each directory made (to give it an owner, mode, times). Returns the
    /// last directory's fd (a dup of root when `names` is empty).
    public static func mkdirAll(_ root: Int32, _ names: [String], mode: mode_t = 0o755,
                                created: (Int, Int32) throws(HiveError) -> Void = { _, _ in }) throws(HiveError) -> Int32 {
        var dir = fcntlDup(root)
        guard dir >= 0 else { throw HiveError.errno("cannot open a directory") }
        for (i, name) in names.enumerated() {
            guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
                close(dir); throw HiveError(.invalidArgument, "invalid path component \"\(name)\"")
            }
            var next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var made = false
            if next < 0 && errno == ENOENT {
                if mkdirat(dir, name, mode) != 0 && errno != EEXIST {
                    let e = errno; close(dir)
                    throw HiveError.errno("cannot create /\(names[...i].joined(separator: "/"))", e)
                }
                made = true
                next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let e = errno
            close(dir)
            guard next >= 0 else {
                let path = "/" + names[...i].joined(separator: "/")
                if e == ELOOP || e == ENOTDIR { throw HiveError(.invalidArgument, "cannot copy into \(path): it is not a directory") }
                throw HiveError.errno("cannot open \(path)", e)
            }
            dir = next
            if made {
                do { try created(i, dir) } catch { close(dir); throw error }
            }
        }
        return dir
    }

    /// The children of an open directory (no `.` and `..`), sorted by name,
    /// each with its lstat (fstatat, AT_SYMLINK_NOFOLLOW). Nothing is opened
    /// but the directory itself.
    public static func entries(_ dirFD: Int32) throws(HiveError) -> [(name: String, stat: stat)] {
        guard let names = names(dirFD) else { throw HiveError.errno("cannot read a directory") }
        var out: [(name: String, stat: stat)] = []
        out.reserveCapacity(names.count)
        for n in names {
            var st = stat()
            if fstatat(dirFD, n, &st, AT_SYMLINK_NOFOLLOW) == 0 { out.append((n, st)) }
        }
        return out
    }

    /// The names in an open directory (no `.` and `..`), sorted; nil (errno
    /// set) if it cannot be read. Read through a fresh open file description,
    /// so the caller's fd keeps its offset.
    public static func names(_ dirFD: Int32) -> [String]? {
        let fd = openat(dirFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let d = fdopendir(fd) else {
            let e = errno
            if fd >= 0 { close(fd) }
            errno = e
            return nil
        }
        defer { closedir(d) }
        var names: [String] = []
        while let ent = readdir(d) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The target of the symlink `name` in `dirFD` ("" for the fd itself, an O_PATH symlink), or nil.
    public static func readLink(_ dirFD: Int32, _ name: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(dirFD, name, &buf, buf.count - 1)
        guard n >= 0 else { return nil }
        buf[n] = 0
        return String(cString: buf)
    }

    private static func fcntlDup(_ fd: Int32) -> Int32 {
        // F_DUPFD_CLOEXEC through openat: fcntl is variadic
        openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }
}

/// A resolution that failed: errno and the (resolved) components up to the failure.
public struct ResolveError: Error {
    public let errno: Int32
    public let names: [String]
    public init(_ errno: Int32, _ names: [String]) { self.errno = errno; self.names = names }
    public var path: String { "/" + names.joined(separator: "/") }
}

/// One directory tree reached through an fd (the fallback walk of `InRoot.open`).
public struct FDTree: RootedTree {
    public let rootDir: Int32
    public init(root: Int32) { rootDir = root }

    public func lookup(_ dir: Int32, _ name: String) -> RootedNode<Int32> {
        let fd = openat(dir, name, hive_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? .missing : .failed(errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); return .failed(e) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            return .directory(fd, st)
        case S_IFLNK:
            defer { close(fd) }
            guard let target = InRoot.readLink(fd, "") else { return .failed(errno) }
            return .symlink(target, st)
        default:
            close(fd)
            return .other(st)
        }
    }

    public func release(_ dir: Int32) { close(dir) }
}
