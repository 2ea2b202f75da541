// Where `save` and `export` write: `-o FILE` (a temp file, fsync, rename, so a
// failure leaves no half-written archive) or stdout (never a terminal).
import Glibc
import HiveOCI
import HivePlatform

enum ArchiveOutput {
    static func write(to path: String?, _ body: (Int32) throws -> Void) throws {
        guard let path else {
            if isatty(1) == 1 {
                throw HiveError(.invalidArgument, "cowardly refusing to save to a terminal (use -o FILE or redirect)")
            }
            try body(1)
            return
        }
        let temp = path + ".hive-tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HiveError.errno("cannot create \(path)") }
        do {
            try body(fd)
            guard fsync(fd) == 0 else { throw HiveError.errno("cannot write \(path)") }
            close(fd)
            guard rename(temp, path) == 0 else { throw HiveError.errno("cannot write \(path)") }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
    }
}
