// A mount of this process's mount namespace, as /proc/self/mountinfo lists
// it: which one holds a path (the longest mount point that is the path or a
// parent of it), its optional fields (`shared:N`, `master:N`) and its type.
public struct HostMount: Sendable, Equatable {
    public var point: String
    /// The optional fields: `shared:N` (a shared mount), `master:N` (a slave).
    public var optional: [String]
    public var fstype: String

    public init(point: String, optional: [String], fstype: String) {
        self.point = point
        self.optional = optional
        self.fstype = fstype
    }

    /// The mount holding `path` (absolute, without symlinks) in `mountinfo`
    /// (this process's by default); nil if none is listed.
    public static func holding(_ path: String, mountinfo: String? = Files.readText("/proc/self/mountinfo")) -> HostMount? {
        var best: HostMount?
        for line in (mountinfo ?? "").split(separator: "\n") {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
            let f = line.split(separator: " ")
            guard f.count > 6, let dash = f.firstIndex(of: "-"), dash >= 6, dash + 1 < f.count else { continue }
            let point = String(f[4])
            guard path == point || path.hasPrefix(point == "/" ? "/" : point + "/"), point.count >= (best?.point.count ?? 0) else { continue }
            best = HostMount(point: point, optional: f[6..<dash].map(String.init), fstype: String(f[dash + 1]))
        }
        return best
    }
}
