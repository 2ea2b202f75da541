import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import Testing

/// FileTree.remove deletes a tree through fds and never enters a mount point
/// below it (a build's bind mount, an overlay left mounted): what is mounted
/// there is not the tree's to delete.
@Suite struct FileTreeTests {
    @Test func removeStopsAtAMountPoint() throws {
        guard getuid() == 0 else { print("skipped: needs root to mount a tmpfs"); return }
        var template = Array("/tmp/filetree.XXXXXX".utf8CString)
        let base = String(cString: mkdtemp(&template)!)
        defer { umount2(base + "/tree/mnt", Int32(MNT_DETACH)); _ = try? FileTree.remove(path: base) }
        #expect(mkdir(base + "/tree", 0o755) == 0 && mkdir(base + "/tree/mnt", 0o755) == 0 && mkdir(base + "/tree/sub", 0o755) == 0)
        try Files.write(base + "/tree/sub/file", "x")
        #expect(mount("tmpfs", base + "/tree/mnt", "tmpfs", 0, nil) == 0)
        try Files.write(base + "/tree/mnt/keep", "mounted")
        #expect(throws: HiveError.self) { try FileTree.remove(path: base + "/tree") }
        // the mounted file survives; what was the tree's own is gone
        #expect(Files.readText(base + "/tree/mnt/keep") == "mounted")
        #expect(access(base + "/tree/sub", F_OK) != 0)
        umount2(base + "/tree/mnt", Int32(MNT_DETACH))
        try FileTree.remove(path: base + "/tree")
        #expect(access(base + "/tree", F_OK) != 0)
    }

    @Test func diskUsageCountsRegularFilesAndFollowsNoLink() throws {
        var template = Array("/tmp/hive-du-XXXXXX".utf8CString)
        let base = String(cString: mkdtemp(&template)!)
        defer { _ = try? FileTree.remove(path: base) }
        #expect(mkdir(base + "/tree", 0o755) == 0 && mkdir(base + "/tree/sub", 0o755) == 0 && mkdir(base + "/outside", 0o755) == 0)
        try Files.write(base + "/tree/a", "12345")
        try Files.write(base + "/tree/sub/b", "123")
        try Files.write(base + "/outside/big", String(repeating: "x", count: 10_000))
        #expect(symlink(base + "/outside", base + "/tree/link") == 0)
        #expect(symlink(base + "/outside/big", base + "/tree/sub/bigLink") == 0)
        #expect(FileTree.diskUsage(base + "/tree") == 8)
        #expect(FileTree.diskUsage(base + "/missing") == 0)
    }
}
