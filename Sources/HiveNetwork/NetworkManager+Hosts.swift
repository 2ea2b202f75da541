// Containers' hosts files on user networks: the planner's base, then the
// container's own addresses, then the other containers of its user networks
// by name, short ID and alias (the default network resolves no names, as
// Docker's). HostsFile.render takes an earlier render as its base (its own
// lines and peers replaced), so the file is rewritten in place (the container
// has it bind-mounted) from what it holds. Rewrites happen inside the state
// database's write transaction, so concurrent commands never interleave
// them; the file is opened O_NOFOLLOW and must be a regular file.
import Glibc
import HivePlatform
import HiveStore

extension NetworkManager {
    /// A hosts file read back is at most this long (the container may have written to it).
    static let hostsLimit = 1 << 20

    func hostsPath(_ id: String) -> String { containersDir + "/" + id + "/hosts" }

    /// Writes container `id`'s whole hosts file: `base` (empty: the one the file holds) + its addresses + peers.
    func writeHosts(container id: String, name: String, hostname: String, base given: String, endpoints: [Endpoint]) throws(HiveError) {
        let path = hostsPath(id)
        let base = given.isEmpty ? try readHosts(path) : given
        var own: [HostsFile.Entry] = []
        let named = endpoints.contains { !$0.network.isDefault }
        let names = named && name != hostname && !name.isEmpty ? [hostname, name] : [hostname]
        if let e = endpoints.first {
            if let ip = e.record.ipv4 { own.append(.init(ip: ip, names: names)) }
            if let ip = e.record.ipv6 { own.append(.init(ip: ip, names: names)) }
        }
        try replaceHosts(path, HostsFile.render(base: base, own: own, peers: try peers(of: id)))
    }

    /// Rewrites the peers' part of container `id`'s hosts file (after a connect or disconnect, its own or a peer's).
    func refreshHosts(container id: String) throws(HiveError) {
        let path = hostsPath(id)
        try replaceHosts(path, HostsFile.render(base: try readHosts(path), own: [], peers: try peers(of: id)))
    }

    /// Every other container on `nets` (user networks only) gets its peers' part rewritten.
    func updatePeers(on nets: [NetworkRecord], except id: String) throws(HiveError) {
        var done: Set<String> = [id]
        for n in nets where !n.isDefault {
            for e in try store.endpoints(network: n.id) where !done.contains(e.containerID) {
                done.insert(e.containerID)
                try? refreshHosts(container: e.containerID)  // a peer's file we cannot read is its own problem
            }
        }
    }

    /// The other containers on container `id`'s user networks, one entry per address.
    func peers(of id: String) throws(HiveError) -> [HostsFile.Entry] {
        var out: [HostsFile.Entry] = []
        var seen: Set<IPAddress> = []
        for mine in try store.endpoints(container: id) {
            guard let n = try store.network(mine.networkID), !n.isDefault else { continue }
            for e in try store.endpoints(network: n.id) where e.containerID != id && !e.aliases.isEmpty {
                for ip in [e.ipv4, e.ipv6].compactMap({ $0 }) where !seen.contains(ip) {
                    seen.insert(ip)
                    out.append(.init(ip: ip, names: e.aliases))
                }
            }
        }
        return out
    }

    func openHosts(_ path: String) throws(HiveError) -> Int32 {
        let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open the hosts file \(path)") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw HiveError(.unsafeContent, "the hosts file \(path) is not a regular file")
        }
        return fd
    }

    func readHosts(_ path: String) throws(HiveError) -> String {
        let fd = try openHosts(path)
        defer { close(fd) }
        guard let bytes = Files.read(fd: fd, limit: NetworkManager.hostsLimit) else { throw HiveError.errno("cannot read the hosts file \(path)") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Rewrites the file in place (the container's bind mount keeps its inode).
    func replaceHosts(_ path: String, _ text: String) throws(HiveError) {
        let fd = try openHosts(path)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + off, $0.count - off, off_t(off)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HiveError.errno("cannot write the hosts file \(path)") }
            off += n
        }
        guard ftruncate(fd, off_t(bytes.count)) == 0 else { throw HiveError.errno("cannot write the hosts file \(path)") }
    }
}
