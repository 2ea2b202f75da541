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

    /// The changes in `upper` over `lowers` (the image's layer directories,
    /// in any order): a whiteout is a deletion; anything else is a change
    /// if some lower layer has that path, else an addition. Directories are
    /// listed before what they hold. A missing upper directory has none.
    public static func list(upper: String, lowers: [String]) throws -> [Change] {
        guard let top = try? TreeDir.root(upper) else { return [] }
        raiseOpenFileLimit()
        let below = lowers.compactMap { try? TreeDir.root($0) }
        var out: [Change] = []
        try top.walk { (path, _, o, sub) throws(HiveError) -> Bool in
            if o.isWhiteout {
                out.append(Change(.deleted, "/" + path))
                return false
            }
            var exists = false
            for l in below where try l.contains(path) { exists = true; break }
            out.append(Change(exists ? .changed : .added, "/" + path))
            return sub != nil
        }
        return out
    }
}
