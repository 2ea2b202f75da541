import CHivePlatform
import Glibc
import Testing
@testable import HiveArchive
@testable import HiveOCI
import HivePlatform

/// An image's layers seen as overlayfs shows them, and paths resolved in
/// that view: symlinks stay inside the image, whiteouts and opaque
/// directories hide what is below (root for the whiteout devices and trusted xattrs).
@Suite final class LayerViewTests {
    let base: String

    init() throws {
        var template = Array("/tmp/hive-layerview-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw HiveError.errno("mkdtemp") }
        base = String(cString: template)
        let lower = base + "/lower", upper = base + "/upper"
        for d in [lower, upper, base + "/host", lower + "/etc", lower + "/d", lower + "/o", lower + "/usr", lower + "/usr/lib",
                  upper + "/o", upper + "/d"] { mkdir(d, 0o755) }
        chmod(lower + "/usr/lib", 0o750)
        try Files.write(lower + "/etc/passwd", "lower")
        try Files.write(lower + "/d/x", "x")
        try Files.write(lower + "/d/y", "y")
        try Files.write(lower + "/o/a", "a")
        try Files.write(upper + "/o/b", "b")
        try Files.write(base + "/host/canary", "host")
        symlink("/etc", upper + "/link")                 // absolute: the image's /etc
        symlink(base + "/host", upper + "/hostdir")     // a host path: means <image>/<that path>
        symlink("usr/lib", lower + "/lib")              // merged /usr
        mknod(upper + "/d/x", S_IFCHR, 0)               // whiteout of d/x
        var y = UInt8(ascii: "y")
        setxattr(upper + "/o", "trusted.overlay.opaque", &y, 1, 0)
    }

    deinit { try? FileTree.remove(path: base) }

    @Test(.enabled(if: getuid() == 0, "needs root for whiteout devices and trusted xattrs"))
    func symlinksResolveInsideTheImage() throws {
        let v = try LayerView(layers: [base + "/upper", base + "/lower"])
        let p = try #require(v.find("link/passwd", followLast: true))
        #expect(p.names == ["etc", "passwd"] && p.type == S_IFREG && p.stat.st_size == 5)
        #expect(v.find("hostdir/canary", followLast: true) == nil)
        let lib = try #require(v.find("lib", followLast: true))
        #expect(lib.names == ["usr", "lib"] && lib.isDirectory && lib.stat.st_mode & 0o777 == 0o750)
        #expect(v.find("link", followLast: false)?.type == S_IFLNK)
        // a path to be created below a symlink lands inside the image
        let made = try InRoot.resolve(v, "hostdir/new/f", followLast: true, allowMissing: true)
        #expect(made.names == base.split(separator: "/").map(String.init) + ["host", "new", "f"] && !made.exists)
    }

    @Test(.enabled(if: getuid() == 0, "needs root for whiteout devices and trusted xattrs"))
    func whiteoutsAndOpaqueDirectoriesHide() throws {
        let v = try LayerView(layers: [base + "/upper", base + "/lower"])
        #expect(v.find("d/x", followLast: true) == nil)
        #expect(v.find("d/y", followLast: true)?.type == S_IFREG)
        #expect(v.find("o/a", followLast: true) == nil)
        #expect(v.find("o/b", followLast: true)?.type == S_IFREG)
        // the lower layer alone still has them
        let lower = try LayerView(layers: [base + "/lower"])
        #expect(lower.find("d/x", followLast: true) != nil && lower.find("o/a", followLast: true) != nil)
    }
}
