// `--user name|uid[:group|gid]`, resolved from the container's own
// /etc/passwd and /etc/group, read from the image's layer directories (top
// first, as LayerView reads them) without following symlinks and without
// any NSS code. The runtime (--user, exec -u) and the builder (COPY --chown) use it.
import Glibc
import HiveOCI
import HivePlatform

public struct ResolvedUser: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
    public var home: String

    public init(uid: UInt32, gid: UInt32, groups: [UInt32], home: String) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.home = home
    }
}

public enum UserResolver {
    public static func resolve(_ spec: String, layers: [String]) throws -> ResolvedUser {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts[0].isEmpty ? "0" : parts[0]
        let passwd = readFile("etc/passwd", layers: layers).map(parse) ?? []
        let group = readFile("etc/group", layers: layers).map(parse) ?? []
        var uid: UInt32
        var gid: UInt32 = 0
        var home = "/"
        var name: String? = nil
        if let n = UInt32(userPart) {
            uid = n
            if let e = passwd.first(where: { $0.count > 3 && $0[2] == userPart }) {
                gid = UInt32(e[3]) ?? 0
                home = e.count > 5 ? e[5] : "/"
                name = e[0]
            }
        } else if let e = passwd.first(where: { $0.first == userPart && $0.count > 3 }) {
            guard let u = UInt32(e[2]), let g = UInt32(e[3]) else {
                throw HiveError(.invalidArgument, "unable to find user \(userPart): invalid entry in the image's /etc/passwd")
            }
            uid = u
            gid = g
            home = e.count > 5 ? e[5] : "/"
            name = userPart
        } else {
            throw HiveError(.invalidArgument, "unable to find user \(userPart): no matching entries in the image's /etc/passwd")
        }
        if parts.count > 1 {
            if let g = UInt32(parts[1]) { gid = g } else if let e = group.first(where: { $0.first == parts[1] && $0.count > 2 }), let g = UInt32(e[2]) {
                gid = g
            } else {
                throw HiveError(.invalidArgument, "unable to find group \(parts[1]): no matching entries in the image's /etc/group")
            }
        }
        var groups: [UInt32] = [gid]
        if let name {
            for e in group where e.count > 3 && e[3].split(separator: ",").contains(where: { String($0) == name }) {
                if let g = UInt32(e[2]), !groups.contains(g) { groups.append(g) }
            }
        }
        if uid == 0 && home == "/" { home = "/root" }
        return ResolvedUser(uid: uid, gid: gid, groups: groups, home: home)
    }

    /// `--group-add`: a number as is, a name from the image's /etc/group.
    public static func groupID(_ group: String, layers: [String]) throws -> UInt32 {
        if let g = UInt32(group) { return g }
        let entries = readFile("etc/group", layers: layers).map(parse) ?? []
        guard let e = entries.first(where: { $0.first == group && $0.count > 2 }), let g = UInt32(e[2]) else {
            throw HiveError(.invalidArgument, "unable to find group \(group): no matching entries in the image's /etc/group (--group-add takes a name from it or a number)")
        }
        return g
    }

    static func parse(_ text: String) -> [[String]] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The file at `rel` in the topmost layer that has it (a whiteout hides it).
    static func readFile(_ rel: String, layers: [String]) -> String? {
        let comps = rel.split(separator: "/").map(String.init)
        for layer in layers {
            var dir = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dir >= 0 else { continue }
            var found = true
            for c in comps.dropLast() {
                let next = openat(dir, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                close(dir)
                if next < 0 { found = false; dir = -1; break }
                dir = next
            }
            guard found else { continue }
            defer { close(dir) }
            var st = stat()
            guard fstatat(dir, comps.last!, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 { return nil }  // whiteout
            guard (st.st_mode & S_IFMT) == S_IFREG, st.st_size < 4 << 20 else { return nil }
            let fd = openat(dir, comps.last!, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buf = [UInt8](repeating: 0, count: Int(st.st_size))
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            return String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        }
        return nil
    }
}
