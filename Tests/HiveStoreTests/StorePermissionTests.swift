import Foundation
import Glibc
import Testing
@testable import HiveOCI
import HivePlatform
@testable import HiveStore

/// CVE-2021-41091: the store root and runroot are 0700 whatever existed before.
@Suite final class StorePermissionTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hive-perm-\(UInt64.random(in: 0...UInt64.max))").path
        mkdir(dir, 0o755)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        stat(path, &st)
        return st.st_mode & 0o7777
    }

    @Test func newDirectoriesAre0700WithoutNotices() throws {
        let s = try Store(root: dir + "/root", runroot: dir + "/run")
        #expect(mode(dir + "/root") == 0o700)
        #expect(mode(dir + "/run") == 0o700)
        #expect(s.notices.isEmpty)
    }

    @Test func widerDirectoriesAreNarrowedAndNoted() throws {
        mkdir(dir + "/root", 0o700)
        mkdir(dir + "/run", 0o700)
        chmod(dir + "/root", 0o755)
        chmod(dir + "/run", 0o1777)
        let s = try Store(root: dir + "/root", runroot: dir + "/run")
        #expect(mode(dir + "/root") == 0o700)
        #expect(mode(dir + "/run") == 0o700)
        #expect(s.notices == ["\(dir)/root was mode 0755; set to 0700", "\(dir)/run was mode 01777; set to 0700"])
        // fixed once: the next open has nothing to say
        #expect(try Store(root: dir + "/root", runroot: dir + "/run").notices.isEmpty)
    }

    @Test func aFileInPlaceOfTheRootIsAnError() throws {
        FileManager.default.createFile(atPath: dir + "/file", contents: nil)
        #expect(throws: HiveError.self) { try Store(root: dir + "/file", runroot: dir + "/run") }
    }
}
