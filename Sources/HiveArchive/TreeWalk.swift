// Walking a tree another party can change while it is read (a running
// container's upper directory, its merged layers): every object is reached
// from its parent's fd by one name, opened O_PATH|O_NOFOLLOW, and its type is
// taken from that fd, never from a path. A directory is descended through the
// fd it was checked with; a regular file's content is read only through a
// reopening of that same inode; symlinks, devices, fifos and sockets are never
// opened for content. Swapping a directory for a symlink mid-walk gets the
// symlink itself, never what it points to.
import CHivePlatform
import Glibc
import HiveOCI
import HivePlatform

/// One object, held by an O_PATH|O_NOFOLLOW fd (no content access); `st` is its own.
public final class TreeObject {
    public let fd: Int32
    public let st: stat
    /// Its name in its directory (for messages).
    public let name: String
    public var type: mode_t { st.st_mode & S_IFMT }
    /// An overlay whiteout (a 0/0 character device).
    public var isWhiteout: Bool { type == S_IFCHR && st.st_rdev == 0 }

    init(fd: Int32, st: stat, name: String) {
        self.fd = fd
        self.st = st
        self.name = name
    }

    deinit { close(fd) }

    /// The object an O_PATH fd holds (this object owns the fd from now on).
    public static func adopt(_ fd: Int32, name: String) throws(HiveError) -> TreeObject {
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); errno = e; throw HiveError.errno("cannot stat \(name)") }
        return TreeObject(fd: fd, st: st, name: name)
    }

    /// `name` in directory `dirfd`, never following it; nil if it is gone (ENOENT).
    static func open(_ dirfd: Int32, _ name: String) throws(HiveError) -> TreeObject? {
        let fd = hive_open_path_nofollow(dirfd, name)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw HiveError.errno("cannot open \(name)")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); errno = e; throw HiveError.errno("cannot stat \(name)") }
        return TreeObject(fd: fd, st: st, name: name)
    }

    /// The content of this regular file, opened from this fd (the same inode,
    /// whatever the name now points to) with O_NONBLOCK|O_NOCTTY; the caller closes it.
    /// Throws if the object is not a regular file.
    public func openContent(_ what: String) throws(HiveError) -> (fd: Int32, st: stat) {
        guard type == S_IFREG else { throw HiveError(.unsafeContent, "\(what) is not a regular file: its content is not read") }
        // an O_PATH fd cannot be read; reopening its /proc/self/fd link opens the
        // inode it holds (a magic link: no name is looked up again)
        let fd = Glibc.open("/proc/self/fd/\(self.fd)", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open \(what) (/proc must be mounted)") }
        var now = stat()
        guard fstat(fd, &now) == 0, (now.st_mode & S_IFMT) == S_IFREG, now.st_ino == st.st_ino, now.st_dev == st.st_dev else {
            close(fd)
            throw HiveError(.unsafeContent, "\(what) changed while it was opened: its content is not read")
        }
        return (fd, now)
    }

    /// The target of this symlink.
    public func linkTarget(_ what: String) throws(HiveError) -> String {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlinkat(fd, "", &buf, 4096)
        guard n >= 0 else { throw HiveError.errno("cannot read link \(what)") }
        buf[n] = 0
        return String(cString: buf)
    }
}

/// A directory open for listing, reached without following any symlink.
public final class TreeDir {
    public let fd: Int32
    /// Its name (for messages).
    public let name: String

    private init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }
    deinit { close(fd) }

    /// A root directory (its own last component is not followed).
    public static func root(_ path: String) throws(HiveError) -> TreeDir {
        let fd = hive_open_dir_nofollow(AT_FDCWD, path)
        guard fd >= 0 else { throw HiveError.errno("cannot open \(path)") }
        return TreeDir(fd: fd, name: path)
    }

    /// The directory `o` holds (the same inode); nil if `o` is not a directory.
    public static func from(_ o: TreeObject) throws(HiveError) -> TreeDir? {
        guard o.type == S_IFDIR else { return nil }
        let fd = openat(o.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open directory \(o.name)") }
        return TreeDir(fd: fd, name: o.name)
    }

    /// `name` in this directory, not followed; nil if it is gone.
    public func child(_ name: String) throws(HiveError) -> TreeObject? { try TreeObject.open(fd, name) }

    /// The subdirectory `name`; nil if missing or not a directory (a symlink to one is not one).
    public func subdirectory(_ name: String) throws(HiveError) -> TreeDir? {
        guard let o = try child(name) else { return nil }
        return try TreeDir.from(o)
    }

    /// Names in this directory (without . and ..), sorted.
    public func names() throws(HiveError) -> [String] {
        guard let names = InRoot.names(fd) else { throw HiveError.errno("cannot read directory \(name)") }
        return names
    }

    /// overlayfs marks a directory that hides everything below it.
    public var isOpaque: Bool {
        var v: UInt8 = 0
        return fgetxattr(fd, "trusted.overlay.opaque", &v, 1) == 1 && v == UInt8(ascii: "y")
    }

    /// Whether `rel` (a/b/c) exists under this directory, every parent a real
    /// directory (no symlink followed) and the last component not followed.
    /// Walks this directory depth first, names sorted: `visit` gets each
    /// object's path relative to the walk's root (`a/b`), its name, the
    /// object, and the directory it is if it is one; it returns whether to
    /// descend into that directory. An object removed meanwhile is skipped.
    public func walk(_ rel: String = "", _ visit: (_ path: String, _ name: String, _ object: TreeObject, _ dir: TreeDir?) throws(HiveError) -> Bool) throws(HiveError) {
        for name in try names() {
            guard let o = try child(name) else { continue }
            let path = rel.isEmpty ? name : rel + "/" + name
            let sub = try TreeDir.from(o)
            if try visit(path, name, o, sub), let sub { try sub.walk(path, visit) }
        }
    }

    public func contains(_ rel: String) throws(HiveError) -> Bool {
        let comps = rel.split(separator: "/").map(String.init)
        guard let last = comps.last else { return true }
        var dir = self
        for c in comps.dropLast() {
            guard let next = try dir.subdirectory(c) else { return false }
            dir = next
        }
        return try dir.child(last) != nil
    }
}

/// Raises this process's open-file soft limit to its hard limit: a walk keeps
/// one fd per directory level (per layer for a merged tree).
public func raiseOpenFileLimit() {
    var rl = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0, rl.rlim_cur < rl.rlim_max else { return }
    rl.rlim_cur = rl.rlim_max
    _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl)
}
