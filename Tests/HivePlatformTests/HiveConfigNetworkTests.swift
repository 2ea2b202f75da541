// hive.toml's [network]: every key parsed, bad values and unknown keys refused
// with file:line and the key named.
import Testing
@testable import HivePlatform

@Suite struct HiveConfigNetworkTests {
    @Test func everyKeyIsParsed() throws {
        let n = try HiveConfig.parse("""
            [gc]
            keep = 1
            [network]
            default_bridge = "br-hive"
            default_subnet = "10.88.0.0/16"
            default_address_pools = [{ base = "10.89.0.0/16", size = 24 }, { base = "fd00:89::/48", size = 64 }]
            mtu = 1400
            firewall_table = "hive_test"
            """, file: "hive.toml").network
        #expect(n.defaultBridge == "br-hive")
        #expect(n.defaultSubnet == "10.88.0.0/16")
        #expect(n.defaultAddressPools == [.init(base: "10.89.0.0/16", size: 24), .init(base: "fd00:89::/48", size: 64)])
        #expect(n.mtu == 1400)
        #expect(n.firewallTable == "hive_test")
    }

    @Test func defaultsWithoutTheSection() throws {
        let n = try HiveConfig.parse("[gc]\nkeep = 2\n", file: "hive.toml").network
        #expect(n == HiveConfig.Network())
        #expect(n.defaultBridge == "hive0" && n.defaultSubnet == nil && n.defaultAddressPools.isEmpty && n.mtu == 0 && n.firewallTable == "hive")
    }

    @Test(arguments: [
        ("[network]\nbridge = \"x\"", "hive.toml:2: unknown key network.bridge"),
        ("[network]\n\ndefault_bridge = \"a-very-long-bridge-name\"", "hive.toml:3: network.default_bridge must be an interface name"),
        ("[network]\ndefault_bridge = \"br/0\"", "hive.toml:2: network.default_bridge must be"),
        ("[network]\ndefault_bridge = 5", "network.default_bridge must be"),
        ("[network]\ndefault_subnet = \"10.88.0.1/16\"", "hive.toml:2: network.default_subnet must be an IPv4 subnet with no host bits set"),
        ("[network]\ndefault_subnet = \"10.88.0.0/31\"", "network.default_subnet must be"),
        ("[network]\ndefault_subnet = \"010.88.0.0/16\"", "network.default_subnet must be"),
        ("[network]\ndefault_subnet = \"fd00::/64\"", "network.default_subnet must be"),
        ("[network]\ndefault_address_pools = []", "network.default_address_pools must be a non-empty array"),
        ("[network]\ndefault_address_pools = [{ base = \"10.89.0.0/16\", size = 8 }]", "network.default_address_pools must be an array of"),
        ("[network]\ndefault_address_pools = [{ base = \"10.89.0.0/16\", size = 32 }]", "network.default_address_pools must be an array of"),
        ("[network]\ndefault_address_pools = [{ base = \"10.89.0.1/16\", size = 24 }]", "network.default_address_pools must be an array of"),
        ("[network]\ndefault_address_pools = [{ base = \"10.89.0.0/16\" }]", "network.default_address_pools must be an array of"),
        ("[network]\ndefault_address_pools = [{ base = \"10.89.0.0/16\", size = 24, x = 1 }]", "network.default_address_pools must be an array of"),
        ("[network]\nmtu = 20", "hive.toml:2: network.mtu must be 0"),
        ("[network]\nmtu = \"1500\"", "network.mtu must be 0"),
        ("[network]\nfirewall_table = \"my table\"", "network.firewall_table must be a table name"),
        ("[network]\nfirewall_table = \"\"", "network.firewall_table must be a table name"),
    ])
    func badValuesNameTheKey(text: String, words: String) {
        do {
            _ = try HiveConfig.parse(text, file: "hive.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.hasPrefix("hive.toml"), "\(error.message)")
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    @Test func interfaceNamesAndSubnets() {
        #expect(HiveConfig.isInterfaceName("hive0"))
        #expect(HiveConfig.isInterfaceName("br-0123456789a"))
        #expect(HiveConfig.isInterfaceName("br-0123456789ab"))
        #expect(!HiveConfig.isInterfaceName("br-0123456789abc"))
        #expect(!HiveConfig.isInterfaceName(".."))
        #expect(!HiveConfig.isInterfaceName("a:b"))
        #expect(HiveConfig.cidr("10.0.0.0/8")! == (32, 8))
        #expect(HiveConfig.cidr("fd00::/8")! == (128, 8))
        #expect(HiveConfig.cidr("10.0.0.0/33") == nil)
        #expect(HiveConfig.cidr("10.0.0.0") == nil)
        #expect(HiveConfig.cidr("10.0.0.0/+8") == nil)
    }
}
