// Safe extraction of a layer tar into a directory: every name is resolved
// component by component with O_NOFOLLOW from the layer's root fd, so no
// entry can write outside it (`..`, absolute paths, symlinks followed by a
// write, hardlinks to outside, whiteouts that climb out). OCI whiteouts
// become overlayfs whiteouts. Ownership is numeric only (never NSS).
import CArchive
import CHivePlatform
import CHiveTar
import Glibc
import HiveOCI
import HivePlatform

public struct ExtractStats: Sendable {
    /// Sum of the sizes of regular files (the layer's content size).
    public var contentSize: Int64 = 0
    public var entries: Int = 0
    /// Regular files with content, in archive order (path, size): what a tar-split references.
    public var contentFiles: [(String, Int64)] = []
    /// An entry replaced something an earlier entry wrote (the earlier content is gone).
    public var replaced = false
}

public final class LayerExtractor {
    private let rootFD: Int32
    private var stackNames: [String] = []
    private var stackFDs: [Int32] = []
    private var dirTimes: [([String], timespec, timespec)] = []
    private var replaced = false
    private static let maxDepth = 256
    /// Names with a NUL byte that libarchive reported truncated: (visible part, whole raw name).
    var nulNameCheck: (() -> ([UInt8], [UInt8])?)?
    /// `hive cp - CTR:DIR` (a user's tar, Docker's extraction): `.wh.` names
    /// are plain entries (no overlay whiteouts), and an existing directory is
    /// never replaced by a non-directory nor the reverse (NoOverwriteDirNonDir).
    public var copyMode = false
    /// Replaces every entry's uid/gid when set.
    public var owner: (uid: uid_t, gid: gid_t)? = nil
    /// What the root is, in messages ("the layer", "the destination").
    public var scope = "the layer"

    /// `rootFD` is an open directory; the extractor does not close it.
    public init(rootFD: Int32) {
        self.rootFD = rootFD
        setlocale(LC_CTYPE, "C.UTF-8")
        umask(0)  // modes from the archive apply as they are
    }

    deinit { truncateStack(to: 0) }

    /// Extracts every entry of the tar reader `a`.
    public func extract(from a: OpaquePointer) throws(HiveError) -> ExtractStats {
        var stats = ExtractStats()
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            if r < ARCHIVE_WARN || entry == nil {
                throw HiveError(.corrupt, "invalid layer archive", cause: Archive.errorString(a))
            }
            try extractEntry(a, entry!, &stats)
            stats.entries += 1
        }
        if let (_, whole) = nulNameCheck?() {
            throw HiveError(.unsafeContent, "unsafe archive entry \(EntryPath.printable(whole)): name contains a NUL byte")
        }
        try applyDirTimes()
        truncateStack(to: 0)
        stats.replaced = replaced
        return stats
    }

    private func extractEntry(_ a: OpaquePointer, _ e: OpaquePointer, _ stats: inout ExtractStats) throws(HiveError) {
        guard let cpath = archive_entry_pathname(e) else {
            throw HiveError(.unsafeContent, "unsafe archive entry: name cannot be read")
        }
        let raw = Array(UnsafeBufferPointer(start: UnsafeRawPointer(cpath).assumingMemoryBound(to: UInt8.self), count: strlen(cpath)))
        if let (visible, whole) = nulNameCheck?(), visible == raw {
            throw HiveError(.unsafeContent, "unsafe archive entry \(EntryPath.printable(whole)): name contains a NUL byte")
        }
        let shown = EntryPath.printable(raw)
        let comps = try EntryPath.components(raw, entry: shown)
        let type = UInt32(archive_entry_filetype(e))
        let mode = mode_t(archive_entry_perm(e)) & 0o7777
        let uid = owner?.uid ?? uid_t(truncatingIfNeeded: archive_entry_uid(e))
        let gid = owner?.gid ?? gid_t(truncatingIfNeeded: archive_entry_gid(e))
        let mtime = timespec(tv_sec: archive_entry_mtime(e), tv_nsec: Int(archive_entry_mtime_nsec(e)))
        let atime = archive_entry_atime_is_set(e) != 0
            ? timespec(tv_sec: archive_entry_atime(e), tv_nsec: Int(archive_entry_atime_nsec(e))) : mtime
        let hardlink = archive_entry_hardlink(e)

        if comps.isEmpty {
            guard type == hive_ae_ifdir() && hardlink == nil else {
                throw HiveError(.unsafeContent, "unsafe archive entry \(shown): replaces the root of \(scope)")
            }
            try check(fchown(rootFD, uid, gid), "chown", shown)
            try check(fchmod(rootFD, mode), "chmod", shown)
            return
        }
        guard comps.count <= LayerExtractor.maxDepth else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(shown): nested deeper than \(LayerExtractor.maxDepth) directories")
        }
        let name = comps[comps.count - 1]
        let parent = try openParent(Array(comps.dropLast()), entry: shown)

        if name.hasPrefix(".wh.") && !copyMode {
            try whiteout(parent: parent, name: name, entry: shown)
            return
        }
        if let hardlink {
            let traw = Array(UnsafeBufferPointer(start: UnsafeRawPointer(hardlink).assumingMemoryBound(to: UInt8.self), count: strlen(hardlink)))
            try link(parent: parent, name: name, target: traw, entry: shown)
            return
        }
        switch type {
        case hive_ae_ifreg():
            var fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0o777)
            if fd < 0 && Glibc.errno == EEXIST {
                try removeExisting(parent, name, keepDirectory: false, entry: shown)
                fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0o777)
            }
            guard fd >= 0 else { throw HiveError.errno("cannot create \(shown)") }
            defer { close(fd) }
            let size = try writeData(a, fd: fd, size: archive_entry_size(e), entry: shown)
            stats.contentSize += size
            if size > 0 { stats.contentFiles.append((comps.joined(separator: "/"), size)) }
            try check(fchown(fd, uid, gid), "chown", shown)
            // chown clears setuid/setgid: set those bits after it
            if mode & 0o7000 != 0 { try check(fchmod(fd, mode), "chmod", shown) }
            try applyXattrs(e, fd: fd, entry: shown)
            var times = [atime, mtime]
            try check(futimens(fd, &times), "set times of", shown)
        case hive_ae_ifdir():
            try removeExisting(parent, name, keepDirectory: true, entry: shown)
            if mkdirat(parent, name, 0o700) != 0 && Glibc.errno != EEXIST {
                throw HiveError.errno("cannot create directory \(shown)")
            }
            let fd = hive_open_dir_nofollow(parent, name)
            guard fd >= 0 else { throw HiveError.errno("cannot open directory \(shown)") }
            defer { close(fd) }
            try check(fchown(fd, uid, gid), "chown", shown)
            try check(fchmod(fd, mode), "chmod", shown)
            try applyXattrs(e, fd: fd, entry: shown)
            dirTimes.append((comps, atime, mtime))
        case hive_ae_iflnk():
            guard let target = archive_entry_symlink(e) else {
                throw HiveError(.corrupt, "archive entry \(shown): symlink without a target")
            }
            try removeExisting(parent, name, keepDirectory: false, entry: shown)
            guard symlinkat(target, parent, name) == 0 else { throw HiveError.errno("cannot create symlink \(shown)") }
            try check(fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW), "chown", shown)
            var times = [atime, mtime]
            try check(utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW), "set times of", shown)
        case hive_ae_ifchr(), hive_ae_ifblk(), hive_ae_ififo():
            try removeExisting(parent, name, keepDirectory: false, entry: shown)
            let dev = type == hive_ae_ififo() ? 0 : hive_makedev(UInt32(archive_entry_rdevmajor(e)), UInt32(archive_entry_rdevminor(e)))
            guard mknodat(parent, name, mode_t(type) | (mode & 0o777), dev) == 0 else {
                throw HiveError.errno("cannot create device or fifo \(shown)")
            }
            try check(fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW), "chown", shown)
            try check(fchmodat(parent, name, mode, 0), "chmod", shown)
            var times = [atime, mtime]
            try check(utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW), "set times of", shown)
        case hive_ae_ifsock():
            return  // sockets are not content
        default:
            throw HiveError(.corrupt, "archive entry \(shown): unknown file type \(type)")
        }
    }

    // MARK: - Whiteouts and hardlinks

    private func whiteout(parent: Int32, name: String, entry: String) throws(HiveError) {
        if name == ".wh..wh..opq" {
            let y: [UInt8] = [121]
            guard fsetxattr(parent, "trusted.overlay.opaque", y, 1, 0) == 0 else {
                throw HiveError.errno("cannot mark directory opaque for \(entry)")
            }
            return
        }
        if name.hasPrefix(".wh..wh.") { return }  // aufs metadata: not content
        let target = String(name.dropFirst(4))
        guard !target.isEmpty, target != ".", target != ".." else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): whiteout of \"\(target)\" climbs out")
        }
        try removeExisting(parent, target, keepDirectory: false, entry: entry)
        guard mknodat(parent, target, S_IFCHR, 0) == 0 else {
            throw HiveError.errno("cannot create whiteout for \(entry)")
        }
        try check(fchownat(parent, target, 0, 0, AT_SYMLINK_NOFOLLOW), "chown", entry)
    }

    private func link(parent: Int32, name: String, target: [UInt8], entry: String) throws(HiveError) {
        let tcomps: [String]
        do { tcomps = try EntryPath.components(target, entry: entry) } catch {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): hardlink target \(EntryPath.printable(target)) is outside \(scope)")
        }
        guard let tname = tcomps.last else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): hardlink to the root of \(scope)")
        }
        // Resolve the target's directory with a separate walk (no creation, no symlinks).
        var dir = dup(rootFD)
        defer { close(dir) }
        for c in tcomps.dropLast() {
            let next = hive_open_dir_nofollow(dir, c)
            guard next >= 0 else {
                throw HiveError(.unsafeContent, "unsafe archive entry \(entry): hardlink target \(EntryPath.printable(target)) is not inside \(scope == "the layer" ? "this layer" : scope)")
            }
            close(dir)
            dir = next
        }
        var st = stat()
        guard fstatat(dir, tname, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): hardlink target \(EntryPath.printable(target)) is not inside \(scope == "the layer" ? "this layer" : scope)")
        }
        guard (st.st_mode & S_IFMT) != S_IFDIR else {
            throw HiveError(.unsafeContent, "unsafe archive entry \(entry): hardlink to a directory")
        }
        try removeExisting(parent, name, keepDirectory: false, entry: entry)
        guard linkat(dir, tname, parent, name, 0) == 0 else { throw HiveError.errno("cannot create hardlink \(entry)") }
    }

    // MARK: - Data, xattrs, metadata

    private func writeData(_ a: OpaquePointer, fd: Int32, size: Int64, entry: String) throws(HiveError) -> Int64 {
        var buf: UnsafeRawPointer?
        var len = 0
        var offset: Int64 = 0
        var end: Int64 = 0
        while true {
            let r = archive_read_data_block(a, &buf, &len, &offset)
            if r == ARCHIVE_EOF { break }
            if r < ARCHIVE_WARN { throw HiveError(.corrupt, "cannot read \(entry) from the archive", cause: Archive.errorString(a)) }
            var done = 0
            while done < len {
                let w = pwrite(fd, buf! + done, len - done, Int(offset) + done)
                if w < 0 {
                    if Glibc.errno == EINTR { continue }
                    throw HiveError.errno("cannot write \(entry)")
                }
                done += w
            }
            end = max(end, offset + Int64(len))
        }
        if end < size { try check(ftruncate(fd, Int(size)), "truncate", entry) }
        return size
    }

    private func applyXattrs(_ e: OpaquePointer, fd: Int32, entry: String) throws(HiveError) {
        guard archive_entry_xattr_reset(e) > 0 else { return }
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let key = String(cString: name)
            // A layer may not forge overlayfs metadata (opaque dirs, redirects).
            if key.hasPrefix("trusted.overlay.") { continue }
            if fsetxattr(fd, name, value, size, 0) != 0 {
                let err = Glibc.errno
                if err == EOPNOTSUPP { continue }
                throw HiveError.errno("cannot set xattr \(key) on \(entry)", err)
            }
        }
    }

    private func check(_ rc: Int32, _ what: String, _ entry: String) throws(HiveError) {
        if rc != 0 { throw HiveError.errno("cannot \(what) \(entry)") }
    }

    private func applyDirTimes() throws(HiveError) {
        for (comps, atime, mtime) in dirTimes {
            let parent: Int32
            do { parent = try openParent(Array(comps.dropLast()), entry: "", create: false) } catch { continue }
            var times = [atime, mtime]
            var st = stat()
            guard fstatat(parent, comps.last!, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            _ = utimensat(parent, comps.last!, &times, AT_SYMLINK_NOFOLLOW)
        }
        dirTimes.removeAll()
    }

    // MARK: - Path walking

    /// The fd of the directory `comps` under the root, created (0755) where
    /// missing; fails if any component is a symlink or not a directory.
    private func openParent(_ comps: [String], entry: String, create: Bool = true) throws(HiveError) -> Int32 {
        var common = 0
        while common < comps.count && common < stackNames.count && comps[common] == stackNames[common] { common += 1 }
        truncateStack(to: common)
        while stackNames.count < comps.count {
            let name = comps[stackNames.count]
            let cur = stackFDs.last ?? rootFD
            var fd = hive_open_dir_nofollow(cur, name)
            if fd < 0 && Glibc.errno == ENOENT && create {
                if mkdirat(cur, name, 0o755) != 0 && Glibc.errno != EEXIST {
                    throw HiveError.errno("cannot create directory for \(entry)")
                }
                fd = hive_open_dir_nofollow(cur, name)
            }
            if fd < 0 {
                let err = Glibc.errno
                if err == ELOOP || err == ENOTDIR {
                    let path = comps[0...stackNames.count].joined(separator: "/")
                    throw HiveError(.unsafeContent, "unsafe archive entry \(entry): \"\(path)\" is a symlink or not a directory, so the entry would be written through it")
                }
                throw HiveError.errno("cannot open directory for \(entry)", err)
            }
            stackNames.append(name)
            stackFDs.append(fd)
        }
        return stackFDs.last ?? rootFD
    }

    private func truncateStack(to n: Int) {
        while stackFDs.count > n {
            close(stackFDs.removeLast())
            stackNames.removeLast()
        }
    }

    /// Makes room for a new entry `name` in `parent`: removes a non-directory,
    /// or a directory unless the new entry is one too.
    private func removeExisting(_ parent: Int32, _ name: String, keepDirectory: Bool, entry: String) throws(HiveError) {
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if copyMode && ((st.st_mode & S_IFMT) == S_IFDIR) != keepDirectory {
            throw HiveError(.conflict, keepDirectory
                ? "cannot overwrite non-directory \(entry) with a directory"
                : "cannot overwrite directory \(entry) with a non-directory")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if keepDirectory { return }
            try FileTree.remove(parent, name)
        } else if unlinkat(parent, name, 0) != 0 {
            throw HiveError.errno("cannot replace \(entry)")
        }
        replaced = true
    }
}

enum Archive {
    static func errorString(_ a: OpaquePointer) -> String {
        if let s = archive_error_string(a) { return String(cString: s) }
        return "unknown archive error"
    }
}
