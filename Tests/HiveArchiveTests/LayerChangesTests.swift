import CHivePlatform
import Glibc
import HiveArchive
import HivePlatform
import Testing

/// `hive diff`'s listing: a real upper directory over real lower layers, with
/// a whiteout, an opaque directory and a lower symlink that must not be followed.
@Suite final class LayerChangesTests {
    let base: String

    init() {
        var template = Array("/tmp/layerchanges.XXXXXX".utf8CString)
        base = String(cString: mkdtemp(&template)!)
    }

    deinit { _ = try? FileTree.remove(path: base) }

    func dirs(_ paths: String...) { for p in paths { mkdir(base + "/" + p, 0o755) } }
    func files(_ paths: String...) throws { for p in paths { try Files.write(base + "/" + p, "x") } }

    @Test func addedChangedDeleted() throws {
        dirs("lower", "lower/etc", "lower/opq", "lower2", "lower2/var", "upper", "upper/etc", "upper/lib", "upper/newdir", "upper/opq")
        try files("lower/etc/passwd", "lower/etc/group", "lower/opq/old", "lower2/var/log")
        // the image's /lib is a symlink to the host's /etc: looking up lib/passwd
        // below must not follow it (the host's /etc/passwd is not the image's)
        symlink("/etc", base + "/lower/lib")
        try files("upper/etc/passwd", "upper/etc/newfile", "upper/lib/passwd", "upper/newdir/f", "upper/opq/old", "upper/opq/fresh")
        symlink("/etc", base + "/upper/link")
        let whiteout = mknod(base + "/upper/etc/group", S_IFCHR | 0o000, 0)
        var y = UInt8(ascii: "y")
        let opaque = setxattr(base + "/upper/opq", "trusted.overlay.opaque", &y, 1, 0)
        guard whiteout == 0, opaque == 0 else { print("skipped: needs root (mknod, trusted xattrs)"); return }
        let changes = try LayerChanges.list(upper: base + "/upper", lowers: [base + "/lower", base + "/lower2", base + "/missing"])
        #expect(changes.map { "\($0.kind.rawValue) \($0.path)" } == [
            "C /etc", "D /etc/group", "A /etc/newfile", "C /etc/passwd",
            "C /lib", "A /lib/passwd",
            "A /link",
            "A /newdir", "A /newdir/f",
            // an opaque directory is listed as today: each name against the lower layers
            "C /opq", "A /opq/fresh", "C /opq/old",
        ])
    }

    @Test func aMissingUpperDirectoryHasNoChanges() throws {
        #expect(try LayerChanges.list(upper: base + "/none", lowers: []).isEmpty)
    }

    @Test func theWalkSeesEachObjectOnceAndDescendsOnlyWhenAsked() throws {
        dirs("t", "t/a", "t/a/b", "t/c")
        try files("t/a/b/f", "t/c/g", "t/z")
        var seen: [String] = []
        try TreeDir.root(base + "/t").walk { path, _, _, sub in
            seen.append(path + (sub == nil ? "" : "/"))
            return path != "c"
        }
        #expect(seen == ["a/", "a/b/", "a/b/f", "c/", "z"])
    }
}
