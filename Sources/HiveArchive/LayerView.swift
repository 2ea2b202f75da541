// An image's filesystem as overlayfs shows it, read straight from its layer
// directories (top first) without a mount: an entry comes from the highest
// layer that has it, a whiteout (a 0/0 character device) hides it, a
// directory merges with the directories below it unless it is opaque
// (trusted.overlay.opaque=y) or the lower entry is not a directory. Every
// lookup is fstatat/openat with O_NOFOLLOW relative to a directory fd, so a
// symlink in a layer is only ever a name to resolve inside the image
// (InRoot.resolve), never a host path.
import CHivePlatform  // sys/xattr.h (fgetxattr)
import Glibc
import HiveOCI
import HivePlatform

public final class LayerView: RootedTree {
    /// One directory of the view: its fd in each layer (-1 where that layer has none or it is hidden).
    public struct Dir {
        var fds: [Int32]
    }

    private let roots: [Int32]
    public var rootDir: Dir { Dir(fds: roots) }

    /// `layers` are directories, the top layer first.
    public init(layers: [String]) throws(HiveError) {
        var fds: [Int32] = []
        for l in layers {
            let fd = open(l, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                let e = errno
                fds.forEach { close($0) }
                throw HiveError.errno("cannot open the layer directory \(l)", e)
            }
            fds.append(fd)
        }
        roots = fds
    }

    deinit { roots.forEach { close($0) } }

    public func lookup(_ dir: Dir, _ name: String) -> RootedNode<Dir> {
        var fds = [Int32](repeating: -1, count: dir.fds.count)
        var top: stat? = nil
        for (i, parent) in dir.fds.enumerated() where parent >= 0 {
            var st = stat()
            if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                if errno == ENOENT { continue }
                let e = errno
                release(Dir(fds: fds))
                return .failed(e)
            }
            let type = st.st_mode & S_IFMT
            if type == S_IFCHR && st.st_rdev == 0 { break }  // a whiteout hides what is below
            if top == nil {
                switch type {
                case S_IFDIR: top = st
                case S_IFLNK:
                    guard let target = InRoot.readLink(parent, name) else { return .failed(errno) }
                    return .symlink(target, st)
                default: return .other(st)
                }
            } else if type != S_IFDIR {
                break  // a directory above hides a lower non-directory
            }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                let e = errno
                release(Dir(fds: fds))
                return .failed(e)
            }
            fds[i] = fd
            var flag: UInt8 = 0
            if fgetxattr(fd, "trusted.overlay.opaque", &flag, 1) == 1 && flag == UInt8(ascii: "y") { break }
        }
        guard let top else { return .missing }
        return .directory(Dir(fds: fds), top)
    }

    public func release(_ dir: Dir) {
        for fd in dir.fds where fd >= 0 { close(fd) }
    }

    /// What the image has at `path` (symlinks resolved inside the image,
    /// the last one too when `followLast`), or nil if a component on the
    /// way is missing, not a directory, or a symlink loop.
    public func find(_ path: String, followLast: Bool) -> RootedPath? {
        guard let r = try? InRoot.resolve(self, path, followLast: followLast), r.exists else { return nil }
        return r
    }
}
