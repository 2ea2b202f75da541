// Integration tests: the real `hive` binary (the build this test run made)
// against a per-test HIVE_ROOT, cleaned up in reverse order.
import Foundation
import Testing

@Suite(.serialized) final class BinaryIntegrationTests {
    let repo: URL
    let hive: String
    var roots: [String] = []

    init() {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        repo = url
        let debug = url.appendingPathComponent(".build/debug/hive").path
        hive = ProcessInfo.processInfo.environment["HIVE"] ?? debug
    }

    deinit {
        for r in roots.reversed() { try? FileManager.default.removeItem(atPath: r) }
    }

    func newRoot() -> String {
        let r = FileManager.default.temporaryDirectory.appendingPathComponent("hive-it-\(UInt64.random(in: 0...UInt64.max))").path
        roots.append(r)
        return r
    }

    @discardableResult
    func run(_ args: [String], root: String, stdin: String? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: hive)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["HIVE_ROOT"] = root
        env["HIVE_RUNROOT"] = root + "-run"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let stdin { p.standardInput = FileHandle(forReadingAtPath: stdin) }
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// A small rootfs tar made with the system tar.
    func rootfsTar() throws -> String {
        let dir = newRoot()
        try FileManager.default.createDirectory(atPath: dir + "/fs/etc", withIntermediateDirectories: true)
        try "root:x:0:0::/root:/bin/sh\n".write(toFile: dir + "/fs/etc/passwd", atomically: false, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = ["-C", dir + "/fs", "--numeric-owner", "-cf", dir + "/rootfs.tar", "."]
        try p.run()
        p.waitUntilExit()
        return dir + "/rootfs.tar"
    }

    @Test func importListSaveLoadRemove() throws {
        guard FileManager.default.isExecutableFile(atPath: hive) else {
            Issue.record("hive binary not built at \(hive) (swift build --build-tests builds it)")
            return
        }
        let root = newRoot()
        let tar = try rootfsTar()
        let (rc, out, err) = try run(["import", "--change", "CMD [\"sh\"]", tar, "it/app:1"], root: root)
        #expect(rc == 0, "\(err)")
        #expect(out.hasPrefix("sha256:"))
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try run(["images", "--format", "{{.Repository}}:{{.Tag}}"], root: root).1 == "it/app:1\n")
        let archive = root + ".tar"
        roots.append(archive)
        #expect(try run(["save", "-o", archive, "it/app:1"], root: root).0 == 0)
        let second = newRoot()
        let (lrc, lout, _) = try run(["load", "-i", archive], root: second)
        #expect(lrc == 0)
        #expect(lout == "Loaded image: it/app:1\n")
        #expect(try run(["images", "-q", "--no-trunc"], root: second).1 == id + "\n")
        let (rrc, rout, _) = try run(["rmi", "it/app:1"], root: second)
        #expect(rrc == 0)
        #expect(rout == "Untagged: it/app:1\nDeleted: \(id)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: second + "/layers").isEmpty)
    }

    @Test func errorsExit125WithOneLine() throws {
        let root = newRoot()
        let (rc, out, err) = try run(["rmi", "nothere"], root: root)
        #expect(rc == 1)
        #expect(out.isEmpty)
        #expect(err == "hive: image \"nothere\" not found locally (hive images lists them)\n")
        let (rc2, _, err2) = try run(["load", "-i", "/nonexistent"], root: root)
        #expect(rc2 == 125)
        #expect(err2 == "hive: cannot open /nonexistent: No such file or directory\n")
    }
}
