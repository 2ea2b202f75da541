// A build context that comes as an archive (the Engine API's POST /build
// body: a tar, plain or compressed, or a bare Dockerfile as `docker build -
// < Dockerfile` sends it). It is a stranger's tar: extracted as `hive cp -`
// extracts one (LayerExtractor's copy mode: every entry resolved inside the
// directory with O_NOFOLLOW, hardlinks only to files inside, `.wh.` names
// plain), owned by root, into a private directory of the store's temp area
// that goes when the build ends.
import Glibc
import HiveArchive
import HivePlatform

extension Engine {
    /// Extracts the archive at `path` into a private directory and runs
    /// `body` with it; the directory is removed afterwards.
    public func withArchiveContext<T>(_ path: String, _ body: (String) throws -> T) throws -> T {
        let dir = try store.makeTempDir()
        defer { try? FileTree.remove(path: dir) }
        try extractContext(path, into: dir)
        return try body(dir)
    }

    func extractContext(_ path: String, into dir: String) throws {
        let root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw HiveError.errno("cannot open \(dir)") }
        defer { close(root) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot read the build context") }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &head, 512, 0)
        if n >= 0 && !ContextKind.isArchive(Array(head.prefix(max(n, 0)))) {
            // a Dockerfile alone, as the context's Dockerfile
            guard let text = Files.read(fd: fd) else { throw HiveError.errno("cannot read the build context") }
            try Files.write(dir + "/Dockerfile", String(decoding: text, as: UTF8.self))
            return
        }
        let reader = try ArchiveReader(fd: fd, name: "the build context")
        let x = LayerExtractor(rootFD: root)
        x.copyMode = true
        x.owner = (0, 0)
        x.scope = "the build context"
        _ = try x.extract(from: reader.handle)
    }
}

/// Whether a body is an archive: a compressed stream's magic, or a tar header (`ustar` at 257).
enum ContextKind {
    static func isArchive(_ b: [UInt8]) -> Bool {
        let magics: [[UInt8]] = [[0x1f, 0x8b], [0x28, 0xb5, 0x2f, 0xfd], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]]
        if magics.contains(where: { b.starts(with: $0) }) { return true }
        return b.count >= 262 && Array(b[257..<262]) == Array("ustar".utf8)
    }
}
