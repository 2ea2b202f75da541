// Removing directory trees through fds, never following symlinks.
import Glibc
import HiveOCI
import HivePlatform

public enum FileTree {
    /// Removes `name` in `dirfd` (file or whole tree). A missing name is success.
    /// A directory on another filesystem than its parent (a mount point: a
    /// build's bind mount, an overlay left mounted) is not entered: its
    /// content belongs to whatever is mounted there.
    public static func remove(_ dirfd: Int32, _ name: String) throws(HiveError) {
        try remove(dirfd, name, parentDevice: nil)
    }

    static func remove(_ dirfd: Int32, _ name: String, parentDevice: dev_t?) throws(HiveError) {
        if unlinkat(dirfd, name, 0) == 0 || Glibc.errno == ENOENT { return }
        guard Glibc.errno == EISDIR else { throw HiveError.errno("cannot remove \(name)") }
        if unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || Glibc.errno == ENOENT { return }
        let fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open \(name)") }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); throw HiveError.errno("cannot stat \(name)") }
        if let parentDevice, st.st_dev != parentDevice {
            close(fd)
            throw HiveError(.io, "cannot remove \(name): it is a mount point (unmount it first)")
        }
        guard let dir = fdopendir(fd) else { close(fd); throw HiveError.errno("cannot read \(name)") }
        var children: [String] = []
        while let ent = readdir(dir) {
            let child = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if child != "." && child != ".." { children.append(child) }
        }
        var failure: HiveError?
        for child in children {
            do { try remove(fd, child, parentDevice: st.st_dev) } catch { failure = error }
        }
        closedir(dir)
        if let failure { throw failure }
        if unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && Glibc.errno != ENOENT {
            throw HiveError.errno("cannot remove \(name)")
        }
    }

    /// Removes an absolute path (file or tree). A missing path is success.
    public static func remove(path: String) throws(HiveError) {
        try remove(AT_FDCWD, path)
    }

    /// The names in a directory (without . and ..); empty if it cannot be read.
    public static func names(in path: String) -> [String] { Files.names(in: path) }

    /// Bytes of the regular files under `path` (`ps -s`, `system df`).
    public static func diskUsage(_ path: String) -> Int64 {
        // the tree may be a container's (its upper directory, a volume): walked
        // by fd with nothing followed, so a swapped symlink cannot lead it out
        guard let root = try? TreeDir.root(path) else { return 0 }
        var total: Int64 = 0
        var linked = Set<UInt64>()  // a hard-linked file counts once, as du counts it
        try? root.walk { (_, _, o, sub) throws(HiveError) -> Bool in
            if sub == nil, (o.st.st_mode & S_IFMT) == S_IFREG, o.st.st_nlink < 2 || linked.insert(UInt64(o.st.st_ino)).inserted {
                total += Int64(o.st.st_size)
            }
            return true
        }
        return total
    }
}
