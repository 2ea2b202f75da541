// Reading a build's Dockerfile (`hive build`, the Engine API's POST /build).
import Glibc
import HivePlatform

extension Builder {
    /// The Dockerfile's text. With a `context`, `inContext` (the context's
    /// own `Dockerfile`, or the Engine API's `dockerfile` parameter) is opened
    /// inside it (a symlink in it resolves in the context, never on the
    /// host); else `path` is the user's own file (`-f`). Either must be a
    /// regular file: a FIFO or device is refused, not read.
    public static func readDockerfile(context: String?, path: String, inContext: String = "Dockerfile") throws -> String {
        func failure(_ why: String) -> HiveError {
            HiveError(.notFound, "cannot read the Dockerfile \(path): \(why) (give it with -f, or a context directory that has one)")
        }
        var fd: Int32 = -1
        if let context {
            let root = open(context, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard root >= 0 else { throw failure(String(cString: strerror(errno))) }
            fd = InRoot.open(root, inContext, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            let e = errno
            close(root)
            errno = e
        } else {
            fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw failure("not a regular file") }
        guard let bytes = Files.read(fd: fd) else { throw failure(String(cString: strerror(errno))) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
