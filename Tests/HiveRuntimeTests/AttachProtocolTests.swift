import CHiveLaunch
import Glibc
import Testing
@testable import HiveRuntime
import HivePlatform

@Suite struct AttachProtocolTests {
    // MARK: detach keys (Docker's syntax)

    @Test func detachKeys() throws {
        #expect(try AttachProtocol.detachKeys(AttachProtocol.defaultDetachKeys) == [16, 17])
        #expect(try AttachProtocol.detachKeys("a") == [97])
        #expect(try AttachProtocol.detachKeys("ctrl-a,X") == [1, 88])
        #expect(try AttachProtocol.detachKeys("ctrl-P,Ctrl-q") == [16, 17])
        #expect(try AttachProtocol.detachKeys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,ctrl-z") == [0, 27, 28, 29, 30, 31, 26])
    }

    @Test(arguments: ["", ",", "ctrl-", "ctrl-1", "ctrl-pq", "ab", "ctrl-p,,ctrl-q", "alt-p", "ctrl-é",
                      Array(repeating: "a", count: 17).joined(separator: ",")])
    func badDetachKeysRefused(_ text: String) {
        #expect(throws: HiveError.self, "\(text.debugDescription)") { try AttachProtocol.detachKeys(text) }
    }

    // MARK: frames

    @Test func headerWireFormat() {
        #expect(AttachProtocol.header(type: 1, length: 5) == [1, 0, 0, 0, 0, 0, 0, 5])
        #expect(AttachProtocol.header(type: 16, length: 0x0102_0304) == [16, 0, 0, 0, 1, 2, 3, 4])
        let h = AttachProtocol.header(type: Int32(HIVE_ATTACH_STDERR.rawValue), length: 300)
        #expect(AttachProtocol.parseHeader(h, toMonitor: false)! == (Int32(HIVE_ATTACH_STDERR.rawValue), 300))
    }

    @Test(arguments: [
        // (type, length, to the monitor, accepted)
        (1, 1, false, true), (2, 32768, false, true), (1, 32769, false, false), (1, 0, false, false),
        (3, 4, false, true), (3, 5, false, false), (4, 4, false, true), (4, 0, false, false),
        (16, 1, true, true), (16, 32768, true, true), (16, 0, true, false), (16, 0xFFFF_FFFF, true, false),
        (17, 4, true, true), (17, 5, true, false), (17, 3, true, false),
        (1, 1, true, false), (16, 1, false, false), (3, 4, true, false), (0, 1, true, false), (99, 4, true, false),
    ] as [(Int32, UInt32, Bool, Bool)])
    func headerBounds(_ c: (Int32, UInt32, Bool, Bool)) {
        let parsed = AttachProtocol.parseHeader(AttachProtocol.header(type: c.0, length: c.1), toMonitor: c.2)
        #expect((parsed != nil) == c.3, "type \(c.0) length \(c.1) toMonitor \(c.2)")
    }

    @Test func reservedBytesRefused() {
        for i in 1...3 {
            var h = AttachProtocol.header(type: 16, length: 1)
            h[i] = 1
            #expect(AttachProtocol.parseHeader(h, toMonitor: true) == nil)
        }
        #expect(AttachProtocol.parseHeader([16, 0, 0, 0, 0, 0, 1], toMonitor: true) == nil)
    }

    // MARK: the socket

    /// A directory whose path is longer than sun_path (108 bytes), as container directories can be.
    private func longDir() throws -> (top: String, dir: String) {
        let top = "/tmp/hive-attach-test-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        var path = top
        guard mkdir(path, 0o700) == 0 else { throw HiveError.errno("mkdir \(path)") }
        while path.utf8.count < 200 {
            path += "/" + String(repeating: "d", count: 40)
            guard mkdir(path, 0o700) == 0 else { throw HiveError.errno("mkdir \(path)") }
        }
        return (top, path)
    }

    @Test func listenAndConnectThroughALongPath() throws {
        let (top, dir) = try longDir()
        defer {
            var p = dir
            while p.count >= top.count { rmdir(p); p = String(p[..<p.lastIndex(of: "/")!]) }
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(dfd >= 0)
        defer { close(dfd) }
        // nothing there yet: ENOENT, which attach reports as "no attach socket"
        #expect(throws: HiveError.self) { try AttachProtocol.connect(containerDir: dir, name: "t") }
        let l = hive_attach_listen(dfd)
        #expect(l >= 0)
        var st = stat()
        #expect(stat(dir + "/attach", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
        let c = try AttachProtocol.connect(containerDir: dir, name: "t")
        close(c)
        // a second listener replaces a stale socket (a monitor killed before)
        close(l)
        #expect(throws: HiveError.self) { try AttachProtocol.connect(containerDir: dir, name: "t") }  // ECONNREFUSED
        let l2 = hive_attach_listen(dfd)
        #expect(l2 >= 0)
        let c2 = try AttachProtocol.connect(containerDir: dir, name: "t")
        close(c2)
        close(l2)
        unlink(dir + "/attach")
    }

    // MARK: the client against a scripted monitor

    private func frame(_ type: Int32, _ payload: [UInt8]) -> [UInt8] {
        AttachProtocol.header(type: type, length: UInt32(payload.count)) + payload
    }

    /// Runs the client (no stdin, no output written) against a peer that sends `bytes`, then closes.
    private func client(_ bytes: [UInt8]) -> AttachProtocol.Outcome {
        var sv: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sv) == 0)
        let w = bytes.withUnsafeBytes { write(sv[1], $0.baseAddress, $0.count) }
        #expect(w == bytes.count)
        close(sv[1])
        var o = AttachProtocol.Options()
        o.stdin = false
        o.sigProxy = false
        return AttachProtocol.run(sv[0], options: o)
    }

    private let hello: [UInt8] = [UInt8(HIVE_ATTACH_VERSION), 0, 0, 0]

    @Test func exitStatusArrives() {
        #expect(client(frame(4, hello) + frame(3, [0, 0, 0, 42])) == .exited(42))
        #expect(client(frame(4, hello) + frame(3, [0, 0, 0, 137]) + frame(1, [1])) == .exited(137))
    }

    @Test func connectionEndingWithoutStatusIsLost() {
        #expect(client(frame(4, hello)) == .lost)
        #expect(client([]) == .lost)
        #expect(client(frame(4, hello) + [3, 0, 0]) == .lost)  // a partial frame
    }

    @Test func notTheProtocolIsRefused() {
        #expect(client(frame(3, [0, 0, 0, 1])) == .protocolError)                   // no HELLO first
        #expect(client(frame(4, [2, 0, 0, 0]) + frame(3, [0, 0, 0, 1])) == .protocolError)  // another version
        #expect(client(frame(4, hello) + frame(4, hello)) == .protocolError)        // HELLO twice
        #expect(client(frame(4, hello) + frame(16, [1])) == .protocolError)         // a client's frame
        #expect(client(frame(4, hello) + [1, 0, 0, 0, 0, 1, 0, 0]) == .protocolError)  // 64 KiB of output: too long
    }
}
