// The planner's mounts: requests (and the image's VOLUMEs) -> bind, tmpfs and
// volume mounts; the order the launcher mounts them in; what the record shows
// of each; bind sources resolved as the launcher will take them.
import Glibc
import HiveOCI
import HivePlatform

extension ContainerPlanner {
    /// Turns requests (and the image's VOLUMEs not already covered) into mounts, in
    /// order; a volume's source is its data directory (`volumeData`), and the
    /// volumes are returned for the engine to create and attach with the record.
    public static func mounts(_ requests: [MountRequest], imageVolumes: [String], volumeData: (String) -> String) throws
        -> (mounts: [MountSpec], volumes: [(name: String, anonymous: Bool)]) {
        var mounts: [MountSpec] = []
        var volumes: [(name: String, anonymous: Bool)] = []
        var all = requests
        for v in imageVolumes.sorted() where !requests.contains(where: { $0.target == v }) {
            let r = MountRequest(kind: .volume, source: nil, target: v)
            do { try r.validate("image VOLUME " + v) } catch {
                throw HiveError(.invalidArgument, "the image declares an unsafe VOLUME \"\(v)\" (rejected: it must be an absolute path without .., outside /proc)")
            }
            all.append(r)
        }
        for r in all {
            switch r.kind {
            case .bind:
                var st = stat()
                guard let src = r.source, stat(src, &st) == 0 else {
                    throw HiveError(.invalidArgument, "invalid mount config: bind source path does not exist: \(r.source ?? "")")
                }
                if let p = r.propagation { try checkPropagation(p, source: src) }
                mounts.append(MountSpec(source: src, target: r.target, flags: r.propagation.flatMap { MountRequest.propagationFlags[$0] } ?? 0,
                                        readonly: r.readonly))
            case .tmpfs:
                mounts.append(MountSpec(source: "tmpfs", target: r.target, fstype: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV),
                                        data: r.tmpfsOptions ?? "mode=1777", readonly: r.readonly))
            case .volume:
                let name = r.source ?? DockerNames.randomID()
                volumes.append((name, r.source == nil))
                // a volume made with driver options (VolumeOptions) mounts its device
                if let m = try VolumeOptions.mount(volume: name, data: volumeData(name), target: r.target, readonly: r.readonly) {
                    mounts.append(m)
                    continue
                }
                var m = MountSpec(source: volumeData(name), target: r.target, readonly: r.readonly)
                m.populate = true
                mounts.append(m)
            }
        }
        return (mounts, volumes)
    }

    /// Docker's rule for a bind's propagation: [r]shared needs the source's
    /// mount shared, [r]slave shared or slave (a private one has nothing to
    /// receive from); /proc/self/mountinfo says which the mount is.
    static func checkPropagation(_ mode: String, source: String) throws {
        guard mode.hasSuffix("shared") || mode.hasSuffix("slave") else { return }
        guard let m = HostMount.holding(canonicalPath(source)) else { return }
        let shared = m.optional.contains { $0.hasPrefix("shared:") }, slave = m.optional.contains { $0.hasPrefix("master:") }
        if mode.hasSuffix("shared") ? !shared : !(shared || slave) {
            throw HiveError(.invalidArgument, "path \(source) is mounted on \(m.point) but it is not a \(mode.hasSuffix("shared") ? "shared" : "shared or slave") mount (make it one: mount --make-\(mode.hasSuffix("shared") ? "" : "r")shared \(m.point))")
        }
    }

    /// A mount as the record shows it: a source under `volumesDir` is a volume (named by its directory).
    static func info(_ m: MountSpec, volumesDir: String) -> MountInfo {
        let isVolume = m.source?.hasPrefix(volumesDir + "/") == true
        let name = isVolume ? m.source.map { String($0.dropFirst(volumesDir.count + 1).prefix(while: { $0 != "/" })) } : nil
        let propagation = m.fstype == nil ? MountRequest.propagationFlags.first { $0.value == m.flags }?.key : nil
        return MountInfo(type: m.fstype == "tmpfs" ? "tmpfs" : isVolume ? "volume" : "bind", source: m.fstype == "tmpfs" ? "" : m.source ?? "",
                         destination: m.target, rw: !m.readonly, name: name, propagation: propagation)
    }

    /// Parents before children (a volume on /etc, then /etc/hosts over it), as
    /// Docker orders them; mounts at the same depth keep their order.
    static func ordered(_ mounts: [MountSpec]) -> [MountSpec] {
        mounts.enumerated().sorted { a, b in
            let da = a.element.target.split(separator: "/").count, db = b.element.target.split(separator: "/").count
            return da != db ? da < db : a.offset < b.offset
        }.map(\.element)
    }

    /// `path` with every symlink resolved (realpath); for a name that does not
    /// exist yet, its directory resolved and the name kept; else `path` itself.
    public static func canonicalPath(_ path: String) -> String {
        if let r = realpath(path, nil) { defer { free(r) }; return String(cString: r) }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return path }
        let dir = String(path[..<slash])
        guard let r = realpath(dir, nil) else { return path }
        defer { free(r) }
        return String(cString: r) + path[slash...]
    }
}
