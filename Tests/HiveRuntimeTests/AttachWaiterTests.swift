import Glibc
import Testing
@testable import HiveRuntime
import HivePlatform

/// The Engine API's attach before start: a waiter's socket in a directory
/// whose path is longer than sun_path, the starter's connection, the cleanup.
@Suite struct AttachWaiterTests {
    func tempDir() -> String {
        var t = Array("/tmp/hive-waiter.XXXXXX".utf8CString)
        let p = mkdtemp(&t)!
        var dir = String(cString: p)
        // deeper than sun_path's 108 bytes: reached through /proc/self/fd/N
        dir += "/" + String(repeating: "d", count: 100)
        #expect(mkdir(dir, 0o700) == 0)
        return dir
    }

    @Test func starterConnectsAndWaiterAccepts() throws {
        let dir = tempDir()
        var waiter: AttachWaiter? = try AttachWaiter(dir: dir, name: "attach-wait.t1")
        #expect(waiter!.accept() == nil)  // nobody yet (non-blocking)
        let c = AttachProtocol.connect(dir: dir, name: "attach-wait.t1")
        #expect(c >= 0)
        let a = try #require(waiter!.accept())
        // bytes go both ways: what a monitor would send reaches the waiter
        let frame = AttachProtocol.resize(rows: 40, columns: 100)
        #expect(write(c, frame, frame.count) == frame.count)
        var buf = [UInt8](repeating: 0, count: 16)
        #expect(read(a, &buf, buf.count) == 12)
        #expect(Array(buf[0..<12]) == [17, 0, 0, 0, 0, 0, 0, 4, 0, 40, 0, 100])
        close(a)
        close(c)
        waiter = nil
        // gone with it: a later start finds nothing to connect to
        #expect(access(dir + "/attach-wait.t1", F_OK) != 0)
        #expect(AttachProtocol.connect(dir: dir, name: "attach-wait.t1") < 0 && errno == ENOENT)
    }

    @Test func missingDirectoryThrows() {
        #expect(throws: HiveError.self) { try AttachWaiter(dir: "/nonexistent/hive-waiter", name: "attach-wait.x") }
    }
}
