import CHivePlatform
import Foundation
import Testing
@testable import HiveArchive
@testable import HiveOCI
import HivePlatform

/// Extraction into a real directory (root is needed for whiteout devices,
/// trusted.* xattrs and ownership; CI runs as root).
@Suite final class LayerExtractorTests {
    private var dirs: [String] = []

    deinit {
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
    }

    /// Writes `tar` to a file and extracts it into a fresh directory.
    func extract(_ tar: [UInt8]) throws -> (String, Digest, ExtractStats) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hive-x-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/root", withIntermediateDirectories: true)
        dirs.append(dir)
        let file = dir + "/layer.tar"
        try Data(tar).write(to: URL(fileURLWithPath: file))
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        let root = open(dir + "/root", O_RDONLY | O_DIRECTORY)
        defer { close(root) }
        let stream = try LayerStream(fd: fd, decompress: true, name: "test layer")
        let (digest, stats, _) = try stream.extract(into: root, name: "test layer")
        return (dir + "/root", digest, stats)
    }

    func attr(_ path: String, _ key: String) -> String? {
        var buf = [UInt8](repeating: 0, count: 64)
        let n = lgetxattr(path, key, &buf, buf.count)
        return n < 0 ? nil : String(decoding: buf[0..<n], as: UTF8.self)
    }

    @Test(.enabled(if: getuid() == 0, "needs root for device nodes and trusted xattrs"))
    func whiteoutsBecomeOverlayWhiteouts() throws {
        var t = TarBuilder()
        t.add("dir/", .dir, mode: 0o755)
        t.add("dir/.wh..wh..opq")
        t.add("dir/.wh.gone")
        t.add("dir/kept", data: Array("k".utf8))
        t.add(".wh.top")
        let (root, _, stats) = try extract(t.finished())
        var st = stat()
        #expect(lstat(root + "/dir/gone", &st) == 0)
        #expect((st.st_mode & S_IFMT) == S_IFCHR)
        #expect(st.st_rdev == 0)
        #expect(lstat(root + "/top", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        #expect(attr(root + "/dir", "trusted.overlay.opaque") == "y")
        #expect(access(root + "/dir/.wh.gone", F_OK) != 0)
        #expect(access(root + "/dir/.wh..wh..opq", F_OK) != 0)
        #expect(stats.contentSize == 1)
    }

    @Test(.enabled(if: getuid() == 0, "needs root to set ownership"))
    func keepsOwnershipModesHardlinksAndTimes() throws {
        var t = TarBuilder()
        t.add("bin/", .dir, mode: 0o711, uid: 5, gid: 6)
        t.add("bin/su", data: Array("#!".utf8), mode: 0o4755, uid: 0, gid: 0)
        t.add("bin/own", data: Array("x".utf8), mode: 0o600, uid: 1000, gid: 100)
        t.add("bin/link", .hardlink, link: "bin/own")
        t.add("bin/sym", .symlink, mode: 0o777, link: "/etc/passwd")
        let (root, _, _) = try extract(t.finished())
        var st = stat()
        lstat(root + "/bin/su", &st)
        #expect(st.st_mode & 0o7777 == 0o4755)
        lstat(root + "/bin/own", &st)
        #expect(st.st_uid == 1000 && st.st_gid == 100 && st.st_mode & 0o777 == 0o600)
        let inode = st.st_ino
        lstat(root + "/bin/link", &st)
        #expect(st.st_ino == inode)
        lstat(root + "/bin", &st)
        #expect(st.st_uid == 5 && st.st_gid == 6 && st.st_mode & 0o777 == 0o711)
        #expect(st.st_mtim.tv_sec == 1_700_000_000)
        // a symlink pointing outside is just a value; nothing follows it during extraction
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sym") == "/etc/passwd")
    }

    @Test func digestIsTheUncompressedStream() throws {
        var t = TarBuilder()
        t.add("a", data: Array("hello".utf8))
        let tar = t.finished()
        let (_, digest, _) = try extract(tar)
        #expect(digest == Digest.of(tar))
    }

    @Test(arguments: [
        ("../x", "path climbs out"),
        ("a/../../x", "path climbs out"),
        ("/abs", "absolute path"),
    ])
    func rejectsEscapingNames(_ name: String, _ message: String) throws {
        var t = TarBuilder()
        t.add(name, data: Array("x".utf8))
        #expect { try extract(t.finished()) } throws: { e in
            (e as? HiveError)?.description.contains(message) == true && (e as? HiveError)?.code == .unsafeContent
        }
    }

    @Test func rejectsWritesThroughSymlinks() throws {
        var t = TarBuilder()
        t.add("link", .symlink, link: "/tmp")
        t.add("link/x", data: Array("x".utf8))
        #expect { try extract(t.finished()) } throws: { e in
            (e as? HiveError)?.description.contains("\"link\" is a symlink") == true
        }
    }

    @Test func rejectsHardlinksOutside() throws {
        for target in ["../etc/passwd", "/etc/passwd", "missing"] {
            var t = TarBuilder()
            t.add("h", .hardlink, link: target)
            #expect(throws: HiveError.self) { try extract(t.finished()) }
        }
    }

    @Test func laterEntriesReplaceEarlierOnes() throws {
        var t = TarBuilder()
        t.add("x/", .dir)
        t.add("x/inner", data: Array("1".utf8))
        t.add("x", data: Array("now a file".utf8))
        t.add("y", .symlink, link: "x")
        t.add("y/", .dir)
        let (root, _, _) = try extract(t.finished())
        #expect(try String(contentsOfFile: root + "/x", encoding: .utf8) == "now a file")
        var st = stat()
        lstat(root + "/y", &st)
        #expect((st.st_mode & S_IFMT) == S_IFDIR)
    }

    @Test func entryPaths() throws {
        #expect(try EntryPath.components(Array("./a//b/./c".utf8), entry: "e") == ["a", "b", "c"])
        #expect(try EntryPath.components(Array("./".utf8), entry: "e") == [])
        #expect(throws: HiveError.self) { try EntryPath.components([0x61, 0xff], entry: "e") }
        #expect(throws: HiveError.self) { try EntryPath.components([0x61, 0, 0x62], entry: "e") }
        #expect(EntryPath.printable([0x61, 0xff, 0x22]) == "\"a\\xff\\x22\"")
        #expect(EntryPath.printable(Array("é".utf8)) == "\"é\"")
    }
}
