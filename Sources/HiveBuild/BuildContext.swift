// The build context held open (every source resolved from its fd, inside
// it) with its .dockerignore, and a source object with its lstat: what
// BuildFiles opens, walks and copies.
import Glibc
import HivePlatform

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

/// An object inside its root with its lstat: a source opened O_PATH
/// (symlinks resolved in the root), or a child of a directory being walked,
/// named in that directory's fd and opened, when it must be, without
/// following it (no O_PATH round trip per file).
struct RootedFile {
    /// The object's own fd (O_PATH), or -1 for a child named `name` in `dir`.
    let fd: Int32
    let dir: Int32
    let name: String
    let st: stat
    var type: mode_t { st.st_mode & S_IFMT }
    var isDirectory: Bool { type == S_IFDIR }

    init(fd: Int32, st: stat) { self.fd = fd; dir = -1; name = ""; self.st = st }
    init(child name: String, in dir: Int32, st: stat) { fd = -1; self.dir = dir; self.name = name; self.st = st }
}
