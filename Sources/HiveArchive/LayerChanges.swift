// A container's changes: its overlay upper directory against the image's
// layer directories, as `hive diff` lists them (A added, C changed, D
// deleted). The upper directory belongs to the container, which may be
// running: it is walked by fd with TreeWalk, nothing followed, and a path is
// looked up in a lower layer one component at a time, no symlink followed.
import HivePlatform

public enum LayerChanges {
    public enum Kind: Character, Sendable {
        case added = "A", changed = "C", deleted = "D"
    }

    public struct Change: Equatable, Sendable {
        public var kind: Kind
        /// Absolute inside the container (`/etc/passwd`).
        public var path: String

        public init(_ kind: Kind, _ path: String) {
            self.kind = kind
            self.path = path
        }
    }

    /// Walks `dir` depth first, names sorted: `visit` gets each object's path
    /// relative to the walk's root (`a/b`), the object, and the directory it
    /// is if it is one; it returns whether to descend into that directory.
    /// An object removed meanwhile is skipped.
    public static func walk(_ dir: TreeDir, _ rel: String = "", _ visit: (String, TreeObject, TreeDir?) throws -> Bool) throws {
        for name in try dir.names() {
            guard let o = try dir.child(name) else { continue }
            let path = rel.isEmpty ? name : rel + "/" + name
            let sub = try TreeDir.from(o)
            if try visit(path, o, sub), let sub { try walk(sub, path, visit) }
        }
    }

    /// The changes in `upper` over `lowers` (the image's layer directories,
    /// in any order): a whiteout is a deletion; anything else is a change
    /// if some lower layer has that path, else an addition. Directories are
    /// listed before what they hold. A missing upper directory has none.
    public static func list(upper: String, lowers: [String]) throws -> [Change] {
        guard let top = try? TreeDir.root(upper) else { return [] }
        raiseOpenFileLimit()
        let below = lowers.compactMap { try? TreeDir.root($0) }
        var out: [Change] = []
        try walk(top) { path, o, sub in
            if o.isWhiteout {
                out.append(Change(.deleted, "/" + path))
                return false
            }
            let exists = try below.contains { try $0.contains(path) }
            out.append(Change(exists ? .changed : .added, "/" + path))
            return sub != nil
        }
        return out
    }
}
