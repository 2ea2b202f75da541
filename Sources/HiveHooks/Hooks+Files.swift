// Which hook files hive trusts, and each file's signature (the bundle's key).
import Glibc
import HiveOCI
import HivePlatform

extension Hooks {
    /// Refuses a file (or its directory) that is not root's alone.
    static func checkOwnership(_ path: String, what: String) throws(HiveError) -> stat {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw HiveError.errno("cannot read \(what) \(path)") }
        if let why = FileTrust.problem(st, path) { throw HiveError(.denied, "\(what) \(path) is refused: \(why)") }
        return st
    }

    /// Checks a hook file and its directory; returns the file's signature (part of the bundle's key).
    /// `checkedDirs` remembers directories already checked in this command.
    static func checkedFile(_ path: String, checkedDirs: inout Set<String>) throws(HiveError) -> [UInt8] {
        let dir = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) } ?? "."
        if !checkedDirs.contains(dir) {
            _ = try checkOwnership(dir.isEmpty ? "/" : dir, what: "hook directory")
            checkedDirs.insert(dir)
        }
        let st = try checkOwnership(path, what: "hook file")
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw HiveError(.denied, "hook file \(path) is refused: it is not a regular file (symlinks are not followed)")
        }
        var sig = Array(path.utf8)
        sig.reserveCapacity(sig.count + 6 * 21)
        for n in [Int(st.st_ino), Int(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec] {
            sig.append(UInt8(ascii: "|"))
            appendDecimal(Int64(n), to: &sig)
        }
        return sig
    }

    static func checkedFile(_ path: String) throws(HiveError) -> [UInt8] {
        var dirs = Set<String>()
        return try checkedFile(path, checkedDirs: &dirs)
    }
}
