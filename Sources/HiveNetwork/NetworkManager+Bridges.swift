// The kernel side of a network: its bridge (gateway addresses, up), its rules
// in hive's nftables table, and IP forwarding. hive turns `net.ipv4.ip_forward`
// on when it makes a bridge and, if it was the one that turned it on (a marker
// in $HIVE_RUNROOT), back off when its last bridge goes.
import Glibc
import HivePlatform
import HiveStore

extension NetworkManager {
    /// The MTU of a network's links (nil: the kernel's default).
    func mtu(_ n: NetworkRecord) -> UInt32? {
        if let m = n.options["com.docker.network.driver.mtu"].flatMap(UInt32.init) { return m }
        return settings.mtu > 0 ? settings.mtu : nil
    }

    /// The network's bridge (its index), made with its rules if missing (after a
    /// reboot, or the default network's first use). Inside the caller's write
    /// transaction: two commands never make one bridge twice.
    func ensureBridge(_ n: NetworkRecord) throws(HiveError) -> Int32 {
        if let i = bridges[n.bridge] { return i }
        if let i = try hostSocket().index(of: n.bridge) {
            bridges[n.bridge] = i
            return i
        }
        return try makeBridge(n)
    }

    @discardableResult
    func makeBridge(_ n: NetworkRecord) throws(HiveError) -> Int32 {
        let s = try hostSocket()
        try s.addBridge(n.bridge, mtu: mtu(n))
        guard let i = s.index(of: n.bridge) else { throw HiveError(.io, "bridge \(n.bridge) of network \(n.name) was not made") }
        try s.addAddress(i, n.gateway, prefix: n.subnet.prefix)
        if let g6 = n.gateway6, let s6 = n.subnet6 { try s.addAddress(i, g6, prefix: s6.prefix) }
        try s.setLink(i, up: true)
        let fw = firewall  // one socket for both (each one's close hands a kernel wait to a child)
        try fw.ensure()
        try fw.addNetwork(bridge: n.bridge, subnet: n.subnet, subnet6: n.subnet6, isInternal: n.isInternal)
        try enableForwarding(v6: n.subnet6 != nil)
        bridges[n.bridge] = i
        return i
    }

    /// Deletes a network's bridge and rules (what is missing is fine).
    func removeBridge(_ n: NetworkRecord) {
        try? firewall.removeNetwork(bridge: n.bridge, subnet: n.subnet, subnet6: n.subnet6)
        try? hostSocket().deleteLink(n.bridge)
        bridges[n.bridge] = nil
    }

    /// Published ports from 127.0.0.1 reach a container through its bridge only with route_localnet.
    func allowLocalnet(_ n: NetworkRecord) {
        let key = "net.ipv4.conf.\(n.bridge).route_localnet"
        if Netlink.sysctl(key)?.hasPrefix("1") != true { try? Netlink.setSysctl(key, "1") }
    }

    var forwardingMarker: String { runroot + "/ip_forward.hive" }

    func enableForwarding(v6: Bool) throws(HiveError) {
        if Netlink.sysctl("net.ipv4.ip_forward")?.hasPrefix("1") != true {
            let fd = open(forwardingMarker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 { close(fd) }
            try Netlink.setSysctl("net.ipv4.ip_forward", "1")
        }
        if v6, Netlink.sysctl("net.ipv6.conf.all.forwarding")?.hasPrefix("1") != true {
            try Netlink.setSysctl("net.ipv6.conf.all.forwarding", "1")
        }
    }

    /// With no user network and no endpoint left, the default network's bridge,
    /// hive's table and forwarding (if hive turned it on) go too: nothing of
    /// hive stays in the host's network. Its record stays; the next attach makes them again.
    func tidyIfIdle() throws(HiveError) {
        let networks = try store.networks()
        guard networks.allSatisfy(\.isDefault), try store.allEndpoints().isEmpty else { return }
        for n in networks { removeBridge(n) }
        try? firewall.removeTable()
        if access(forwardingMarker, F_OK) == 0 {
            try? Netlink.setSysctl("net.ipv4.ip_forward", "0")
            unlink(forwardingMarker)
        }
    }
}
