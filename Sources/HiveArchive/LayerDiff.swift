// A container's filesystem as a tar, walked by fd with nothing followed
// (TreeWalk.swift): its changes as an OCI layer (`commit`, a build's RUN
// step) or the union of its layers (`export`). The trees may belong to a
// running container.
import Glibc
import HiveOCI
import HivePlatform

extension TarWriter {
    /// Writes the writable layer `upper` as an OCI layer tar and finishes:
    /// overlay whiteouts become `.wh.NAME`, opaque directories get
    /// `.wh..wh..opq`. An empty file at a path in `hidden` that no layer of
    /// `lowers` has (a mount point hive created) is not content.
    public static func writeDiff(upper: TreeDir, lowers: [TreeDir], hidden: Set<String>, to fd: Int32) throws(HiveError) {
        let w = try TarWriter(fd: fd)
        func inLowers(_ rel: String) throws(HiveError) -> Bool {
            for l in lowers where try l.contains(rel) { return true }
            return false
        }
        try upper.walk { (path, name, o, sub) throws(HiveError) -> Bool in
            if o.isWhiteout {
                try w.addEmpty(String(decoding: path.utf8.dropLast(name.utf8.count), as: UTF8.self) + ".wh." + name)
                return false
            }
            // mount points hive created (empty, not in the image) are not content
            if hidden.contains(path), o.st.st_size == 0, try !inLowers(path) { return false }
            guard let sub else {
                try w.add(path, o)
                return false
            }
            try w.add(path + "/", o)
            if sub.isOpaque { try w.addEmpty(path + "/.wh..wh..opq") }
            return true
        }
        try w.finish()
    }

    /// Writes the union of `layers` (topmost first) as a tar and finishes:
    /// upper layers win; a whiteout hides lower entries; an opaque or
    /// non-directory entry stops the descent into lower layers.
    public static func writeMerged(_ layers: [TreeDir], to fd: Int32) throws(HiveError) {
        let w = try TarWriter(fd: fd)
        func walk(_ rel: String, _ dirs: [TreeDir]) throws(HiveError) {
            var winner: [String: Int] = [:]  // name -> the topmost layer that has it
            for (i, d) in dirs.enumerated() {
                for name in try d.names() where winner[name] == nil { winner[name] = i }
            }
            for (name, i) in winner.sorted(by: { $0.key < $1.key }) {
                guard let o = try dirs[i].child(name), !o.isWhiteout else { continue }
                let path = rel.isEmpty ? name : rel + "/" + name
                guard let sub = try TreeDir.from(o) else {
                    try w.add(path, o)
                    continue
                }
                var below = [sub]
                if !sub.isOpaque {
                    for lower in dirs[(i + 1)...] {
                        guard let lo = try lower.child(name) else { continue }
                        guard let ld = try TreeDir.from(lo) else { break }
                        below.append(ld)
                        if ld.isOpaque { break }
                    }
                }
                try w.add(path + "/", o)
                try walk(path, below)
            }
        }
        try walk("", layers)
        try w.finish()
    }
}
