// `hive cp`'s arguments as paths: which side is `CONTAINER:PATH`, the path
// inside the container (absolute, never with ..), and the name a copied file
// takes on the other side. Launcher.copy does the copying (CHiveLaunch/copy.c).
import HivePlatform

public enum CopyPaths {
    /// `CONTAINER:PATH` split at its first colon; nil for a host path (one
    /// with a slash before the colon, or starting with a dot).
    public static func split(_ s: String) -> (container: String, path: String)? {
        guard let colon = s.firstIndex(of: ":"), !s[..<colon].contains("/"), !s.hasPrefix(".") else { return nil }
        return (String(s[..<colon]), String(s[s.index(after: colon)...]))
    }

    /// The container side of `hive cp SRC DST` (exactly one side names a
    /// container) and whether the copy goes out of it.
    public static func endpoints(_ src: String, _ dst: String) throws -> (container: String, path: String, outOfContainer: Bool) {
        let s = split(src), d = split(dst)
        guard (s == nil) != (d == nil) else {
            throw HiveError(.invalidArgument, "copying between containers or between host paths is not supported: one side must be CONTAINER:PATH")
        }
        let (ref, path) = s ?? d!
        return (ref, path, s != nil)
    }

    /// The container path made absolute; `..` is refused.
    public static func containerPath(_ path: String) throws -> String {
        let cpath = path.hasPrefix("/") ? path : "/" + path
        guard !cpath.split(separator: "/").contains("..") else {
            throw HiveError(.invalidArgument, "invalid container path \"\(path)\": .. is not allowed")
        }
        return cpath
    }

    /// The last component of `p` (`rootfs` for `/`): the name a copy takes.
    public static func baseName(_ p: String) -> String {
        let t = p.split(separator: "/").last.map(String.init) ?? ""
        return t.isEmpty ? "rootfs" : t
    }

    /// The name a container path's entries take in a tar stream (`hive cp
    /// CTR:PATH -`): its last component; `.` for `/`.
    public static func tarName(_ p: String) -> String {
        p.split(separator: "/").last.map(String.init) ?? "."
    }

    /// The directory a host destination that is not a directory goes into
    /// (`.` for a bare name, empty for one right under /).
    public static func parentDirectory(_ p: String) -> String {
        p.contains("/") ? String(p[..<p.lastIndex(of: "/")!]) : "."
    }
}
