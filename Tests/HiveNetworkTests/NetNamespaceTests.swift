import Glibc
import HiveNetwork
import HivePlatform
import XCTest

/// Namespaces made, pinned, opened, refused and unpinned for real.
final class NetNamespaceTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/hive-netns-test-XXXXXX".utf8CString)
        dir = try XCTUnwrap(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
    }

    override func tearDown() {
        for sub in ["/netns", "/run/netns"] {
            if let d = opendir(dir + sub) {
                while let e = readdir(d) {
                    let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { NetNamespace.remove(dir + sub + "/" + name) }
                }
                closedir(d)
            }
            rmdir(dir + sub)
        }
        rmdir(dir + "/run")
        unlink(dir + "/file")
        rmdir(dir)
    }

    private func inode(_ fd: Int32) -> UInt64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    /// Open fds of network namespaces (other tests of this process open and
    /// close other files concurrently: counting every fd was flaky).
    private func openFDs() -> Int {
        guard let d = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(d) }
        var n = 0
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            var buf = [CChar](repeating: 0, count: 64)
            let len = readlink("/proc/self/fd/" + name, &buf, buf.count - 1)
            if len > 0, String(cString: buf).hasPrefix("net:") { n += 1 }
        }
        return n
    }

    // A pinned namespace outlives its thread and fd, is opened by path with lo up,
    // and is gone once removed.
    func testPinOpenRemove() throws {
        let fd = try NetNamespace.prepare().take()
        let ino = inode(fd)
        let path = dir + "/run/netns/c1"
        try NetNamespace.pin(fd, at: path)
        close(fd)
        var st = stat()
        XCTAssertEqual(stat(dir + "/run/netns", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700, "the netns directory is private (made with its parent)")

        let again = try NetNamespace.open(path)
        defer { close(again) }
        XCTAssertEqual(inode(again), ino, "the same namespace")
        let links = try Netlink.Socket(netnsFD: again).linkDetails()
        XCTAssertEqual(links.map(\.name), ["lo"])
        XCTAssertEqual(links.first?.isUp, true, "loopback is up")

        // A second pin on a live one is refused and leaves the first intact.
        XCTAssertThrowsError(try NetNamespace.pin(again, at: path)) { XCTAssertEqual(($0 as? HiveError)?.code, .conflict) }
        XCTAssertEqual(inode(try NetNamespace.open(path)), ino)

        NetNamespace.remove(path)
        XCTAssertNotEqual(access(path, F_OK), 0, "the pin file is deleted")
        NetNamespace.remove(path)   // idempotent
        XCTAssertThrowsError(try NetNamespace.open(path)) { e in
            XCTAssertEqual((e as? HiveError)?.code, .notFound)
            XCTAssertTrue("\(e)".contains(path), "\(e)")
        }
    }

    // Each prepare is a new namespace, not the caller's.
    func testPrepareMakesDistinctNamespaces() throws {
        let a = NetNamespace.prepare(), b = NetNamespace.prepare()
        let fa = try a.take(), fb = try b.take()
        defer { close(fa); close(fb) }
        let own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        defer { close(own) }
        XCTAssertNotEqual(inode(fa), inode(fb))
        XCTAssertNotEqual(inode(fa), inode(own))
        XCTAssertEqual(try a.take(), fa, "a second take gives the same fd")
        // The socket the making thread opened is in the new namespace (lo up, nothing else).
        let inside = try XCTUnwrap(a.socket())
        XCTAssertNil(a.socket(), "handed out once")
        try inside.addBridge("made-inside", mtu: nil)
        XCTAssertEqual(try Netlink.Socket(netnsFD: fa).linkDetails().map(\.name).sorted(), ["lo", "made-inside"])
        XCTAssertNil(try Netlink.Socket().index(of: "made-inside"))
    }

    // A namespace prepared and never taken is closed, not leaked.
    func testUntakenIsClosed() throws {
        let before = openFDs()
        for _ in 0..<5 { _ = NetNamespace.prepare() }
        XCTAssertEqual(openFDs(), before)
    }

    // What is not a network namespace is refused by open and by pin.
    func testRefusesOtherFiles() throws {
        let file = dir + "/file"
        let f = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(f, 0)
        close(f)
        for path in [file, "/proc/self/ns/mnt", "/proc/self/ns/uts"] {
            XCTAssertThrowsError(try NetNamespace.open(path), path) { e in
                XCTAssertEqual((e as? HiveError)?.code, .invalidArgument)
                XCTAssertTrue("\(e)".contains("\(path) is not a network namespace"), "\(e)")
            }
        }
        let mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)
        defer { close(mnt) }
        XCTAssertThrowsError(try NetNamespace.pin(mnt, at: dir + "/netns/x"))
        XCTAssertNotEqual(access(dir + "/netns/x", F_OK), 0, "nothing left behind")
        // /proc/PID/ns/net (a symlink to the namespace) is one.
        let own = try NetNamespace.open("/proc/self/ns/net")
        close(own)
    }
}
