// A directory written as a layer tar: the new layer of a build step (COPY,
// ADD, a created WORKDIR), walked by fd as TreeWalk.swift does (names
// sorted, nothing followed, content only from the inode that was checked).
import HiveOCI
import HivePlatform

extension TarWriter {
    /// The directory `dir` as a layer tar on `fd` (sorted, no whiteouts).
    public static func writeTree(_ dir: String, to fd: Int32) throws(HiveError) {
        let w = try TarWriter(fd: fd)
        func walk(_ d: TreeDir, _ rel: String) throws(HiveError) {
            for name in try d.names() {
                guard let o = try d.child(name) else { continue }
                let path = rel.isEmpty ? name : rel + "/" + name
                guard let sub = try TreeDir.from(o) else {
                    try w.add(path, o)
                    continue
                }
                try w.add(path + "/", o)
                try walk(sub, path)
            }
        }
        try walk(try TreeDir.root(dir), "")
        try w.finish()
    }
}
