import CHivePlatform
import Glibc
import Testing
@testable import HivePlatform

/// Paths resolved inside a root, through openat2 (RESOLVE_IN_ROOT) and
/// through the userspace walk used where the kernel lacks it: both must
/// give the same answers, and neither may ever reach outside the root.
@Suite final class InRootTests {
    let base: String
    let root: String
    let outside: String
    let rootFD: Int32

    init() throws {
        var template = Array("/tmp/hive-inroot-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw HiveError.errno("mkdtemp") }
        base = String(cString: template)
        root = base + "/root"
        outside = base + "/outside"
        for d in [root, outside, root + "/etc", root + "/dir", root + "/dir/sub"] { mkdir(d, 0o755) }
        try Files.write(root + "/etc/passwd", "inside")
        try Files.write(outside + "/canary", "host")
        try Files.write(outside + "/passwd", "host")
        symlink("/etc", root + "/abs")                       // absolute: means <root>/etc
        symlink("../../../../../../etc", root + "/dotdot")   // climbs: clamped at the root
        symlink(outside, root + "/escape")                   // a host path: <root>/<that path>
        symlink("loop2", root + "/loop1")
        symlink("loop1", root + "/loop2")
        symlink(outside + "/created", root + "/dangling")
        symlink("/dir/sub", root + "/dir/deep")
        symlink("../../etc", root + "/dir/sub/up")
        // chains: c40_1 -> c40_2 -> ... -> c40_40 -> etc (40 links), c41 one longer
        for (prefix, n) in [("c40_", 40), ("c41_", 41)] {
            for i in 1...n { symlink(i == n ? "etc" : "\(prefix)\(i + 1)", root + "/\(prefix)\(i)") }
        }
        rootFD = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    deinit {
        close(rootFD)
        Self.removeTree(base)
    }

    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            for n in Files.names(in: path) { removeTree(path + "/" + n) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Opens `path` in the root and reads it; nil with errno on failure.
    func read(_ path: String, userspace: Bool) -> String? {
        let fd = InRoot.open(rootFD, path, O_RDONLY, userspace: userspace)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buf, buf.count)
        return n < 0 ? nil : String(decoding: buf[0..<n], as: UTF8.self)
    }

    func errnoOf(_ path: String, _ flags: Int32 = hive_O_PATH, userspace: Bool) -> Int32 {
        let fd = InRoot.open(rootFD, path, flags, userspace: userspace)
        if fd >= 0 { close(fd); return 0 }
        return errno
    }

    @Test func openat2IsAvailableHere() {
        // the kernel path must really be tested on these machines, not silently the fallback
        let fd = hive_openat2_in_root(rootFD, "abs/passwd", hive_O_PATH | O_CLOEXEC, 0)
        #expect(fd >= 0)
        if fd >= 0 { close(fd) }
    }

    @Test(arguments: [false, true])
    func absoluteSymlinksResolveInsideTheRoot(userspace: Bool) {
        #expect(read("abs/passwd", userspace: userspace) == "inside")
        #expect(read("/abs/passwd", userspace: userspace) == "inside")
        #expect(read("dir/deep/up/passwd", userspace: userspace) == "inside")
    }

    @Test(arguments: [false, true])
    func directoriesOpenThroughSymlinks(userspace: Bool) {
        for flags in [O_RDONLY | O_DIRECTORY, hive_O_PATH | O_DIRECTORY] {
            let fd = InRoot.open(rootFD, "abs", flags, userspace: userspace)
            #expect(fd >= 0)
            var st = stat()
            #expect(fstatat(fd, "passwd", &st, AT_SYMLINK_NOFOLLOW) == 0)
            close(fd)
        }
        #expect(errnoOf("abs/passwd", O_RDONLY | O_DIRECTORY, userspace: userspace) == ENOTDIR)
    }

    @Test(arguments: [false, true])
    func dotDotIsClampedAtTheRoot(userspace: Bool) {
        #expect(read("../../../../etc/passwd", userspace: userspace) == "inside")
        #expect(read("dotdot/passwd", userspace: userspace) == "inside")
        #expect(read("dir/../../etc/passwd", userspace: userspace) == "inside")
        #expect(read("abs/../etc/passwd", userspace: userspace) == "inside")
    }

    @Test(arguments: [false, true])
    func aHostPathInASymlinkIsNotTheHost(userspace: Bool) {
        #expect(read("escape/canary", userspace: userspace) == nil)
        #expect(errnoOf("escape/canary", userspace: userspace) == ENOENT)
    }

    @Test(arguments: [false, true])
    func loopsAndLongChainsFailWithELOOP(userspace: Bool) {
        #expect(errnoOf("loop1", userspace: userspace) == ELOOP)
        #expect(errnoOf("loop1/x", userspace: userspace) == ELOOP)
        // 40 links are followed (Linux's MAXSYMLINKS), the 41st is refused
        #expect(read("c40_1/passwd", userspace: userspace) == "inside")
        #expect(errnoOf("c41_1/passwd", userspace: userspace) == ELOOP)
    }

    @Test(arguments: [false, true])
    func aFileInTheMiddleIsNotADirectory(userspace: Bool) {
        #expect(errnoOf("etc/passwd/x", userspace: userspace) == ENOTDIR)
        #expect(errnoOf("etc/missing/x", userspace: userspace) == ENOENT)
    }

    @Test(arguments: [false, true])
    func aFinalSymlinkIsKeptWithNoFollow(userspace: Bool) {
        let fd = InRoot.open(rootFD, "abs", hive_O_PATH | O_NOFOLLOW, userspace: userspace)
        #expect(fd >= 0)
        var st = stat()
        fstat(fd, &st)
        #expect(st.st_mode & S_IFMT == S_IFLNK)
        close(fd)
        #expect(errnoOf("abs", O_RDONLY | O_NOFOLLOW, userspace: userspace) == ELOOP)
    }

    @Test(arguments: [false, true])
    func createsInsideAndNeverThroughASymlink(userspace: Bool) {
        // `escape` -> the outside directory's host path: the file lands in <root>/<that path>
        // (made here), never in the outside directory (a scratch directory, should this ever fail)
        var path = root
        for c in outside.split(separator: "/") { path += "/" + c; mkdir(path, 0o755) }
        let name = userspace ? "new-u" : "new-k"
        let fd = InRoot.open(rootFD, "escape/" + name, O_WRONLY | O_CREAT | O_EXCL, userspace: userspace)
        #expect(fd >= 0)
        close(fd)
        #expect(access(root + outside + "/" + name, F_OK) == 0)
        #expect(access(outside + "/" + name, F_OK) != 0)
        // a dangling symlink to a host path is not created through
        #expect(errnoOf("dangling", O_WRONLY | O_CREAT, userspace: userspace) != 0)
        #expect(access(outside + "/created", F_OK) != 0)
    }

    @Test(arguments: [false, true])
    func magicLinksDoNotReachTheHost(userspace: Bool) {
        // /proc/self/root is a magic link to the host's /: inside a root that is /proc,
        // it must fail (kernel: ELOOP) or mean /proc's own /etc (userspace: ENOENT), never /etc/hostname
        let proc = Glibc.open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(proc) }
        for path in ["self/root/etc/hostname", "self/cwd", "thread-self/root/etc/hostname"] {
            let fd = InRoot.open(proc, path, O_RDONLY, userspace: userspace)
            #expect(fd < 0, "\(path) opened")
            if fd >= 0 { close(fd) }
        }
    }

    @Test func resolveGivesTheSymlinkFreePath() throws {
        let tree = FDTree(root: rootFD)
        #expect(try InRoot.resolve(tree, "abs/passwd", followLast: true).names == ["etc", "passwd"])
        #expect(try InRoot.resolve(tree, "dir/deep/up", followLast: true).names == ["etc"])
        #expect(try InRoot.resolve(tree, "dir/deep/up", followLast: false).names == ["dir", "sub", "up"])
        let missing = try InRoot.resolve(tree, "abs/new/dir", followLast: true, allowMissing: true)
        #expect(missing.names == ["etc", "new", "dir"] && !missing.exists)
        #expect(try InRoot.resolve(tree, "escape/x", followLast: true, allowMissing: true).names
                == outside.split(separator: "/").map(String.init) + ["x"])
        #expect(throws: ResolveError.self) { try InRoot.resolve(tree, "abs/new/dir", followLast: true) }
        let root = try InRoot.resolve(tree, "../..", followLast: true)
        #expect(root.names.isEmpty && root.isDirectory)
    }

    @Test func mkdirAllNeverFollowsASymlink() throws {
        let fd = try InRoot.mkdirAll(rootFD, ["made", "deeper"])
        close(fd)
        #expect(access(root + "/made/deeper", F_OK) == 0)
        #expect(throws: HiveError.self) { try InRoot.mkdirAll(self.rootFD, ["escape", "x"]) }
        #expect(throws: HiveError.self) { try InRoot.mkdirAll(self.rootFD, ["etc", "passwd", "x"]) }
        #expect(throws: HiveError.self) { try InRoot.mkdirAll(self.rootFD, ["..", "x"]) }
        #expect(access(outside + "/x", F_OK) != 0)
    }

    @Test func entriesListWithoutOpeningAFIFO() throws {
        mkfifo(root + "/dir/fifo", 0o644)
        let dir = InRoot.open(rootFD, "dir", O_RDONLY | O_DIRECTORY)
        defer { close(dir) }
        let e = try InRoot.entries(dir)
        #expect(e.map(\.name) == ["deep", "fifo", "sub"])
        #expect(e[1].stat.st_mode & S_IFMT == S_IFIFO)
        // reopening for content only follows the fd: the same inode
        let p = InRoot.open(rootFD, "abs/passwd", hive_O_PATH)
        defer { close(p) }
        let c = InRoot.reopen(p, O_RDONLY)
        defer { close(c) }
        var buf = [UInt8](repeating: 0, count: 16)
        #expect(Glibc.read(c, &buf, 16) == 6)
    }
}
