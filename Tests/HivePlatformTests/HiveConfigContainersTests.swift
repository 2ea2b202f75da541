// hive.toml's [containers]: every key parsed, the [logs] keys still read,
// bad values and unknown keys refused naming the file and the key.
import Testing
@testable import HivePlatform

@Suite struct HiveConfigContainersTests {
    @Test func everyKeyIsParsed() throws {
        let c = try HiveConfig.parse("""
            [containers]
            log_driver = "none"
            log_max_size = "2m"
            log_max_file = 3
            log_compress = true
            ulimits = ["nofile=1024:2048", "nproc=unlimited"]
            pids_limit = 100
            default_network = "none"
            """, file: "/etc/hive/hive.toml")
        #expect(c.containers.logDriver == "none")
        #expect(c.logMaxSize == 2 << 20 && c.logMaxFile == 3)
        #expect(c.containers.logCompress)
        #expect(c.containers.ulimits == ["nofile=1024:2048", "nproc=unlimited"])
        #expect(c.containers.pidsLimit == 100)
        #expect(c.containers.defaultNetwork == "none")
    }

    @Test func defaultsAndTheLogsSection() throws {
        let c = try HiveConfig.parse("[logs]\nmax_size = \"-1\"\nmax_file = 2\n", file: "hive.toml")
        #expect(c.containers == HiveConfig.Containers())
        #expect(c.containers.logDriver == "json-file" && c.containers.defaultNetwork == "bridge" && c.containers.pidsLimit == nil)
        #expect(c.logMaxSize == 0 && c.logMaxFile == 2)
        #expect(try HiveConfig.parse("[containers]\npids_limit = 0\n", file: "f").containers.pidsLimit == 0)
    }

    @Test func ulimitSyntax() {
        #expect(HiveConfig.ulimit("nofile=10:20")! == (7, 10, 20))
        #expect(HiveConfig.ulimit("core=-1")! == (4, UInt64.max, UInt64.max))
        #expect(HiveConfig.ulimit("nofile=20:10") == nil)
        #expect(HiveConfig.ulimit("files=1") == nil)
        #expect(HiveConfig.ulimit("nofile=1:2:3") == nil)
        #expect(HiveConfig.ulimit("nofile") == nil)
    }

    @Test(arguments: [
        ("[containers]\nlog_driver = \"syslog\"", "/h.toml: containers.log_driver must be \"json-file\" or \"none\""),
        ("[containers]\nlog_max_size = \"10\"", "/h.toml: containers.log_max_size must be a size of at least 1k"),
        ("[containers]\nlog_max_size = 5", "/h.toml: containers.log_max_size must be"),
        ("[containers]\nlog_max_file = 0", "/h.toml: containers.log_max_file must be an integer from 1 to 1000"),
        ("[containers]\nlog_compress = \"yes\"", "/h.toml: containers.log_compress must be true or false"),
        ("[containers]\nlog_compress = true\nlog_max_file = 1", "/h.toml: containers.log_compress must be false when the log's max_file is less than 2"),
        ("[containers]\nulimits = \"nofile=1\"", "/h.toml: containers.ulimits must be an array of \"name=soft[:hard]\""),
        ("[containers]\nulimits = [\"nofile=9:1\"]", "is not one"),
        ("[containers]\nulimits = [\"bogus=1\"]", "/h.toml: containers.ulimits must be"),
        ("[containers]\npids_limit = -5", "/h.toml: containers.pids_limit must be an integer of at least 0"),
        ("[containers]\ndefault_network = \"container:web\"", "/h.toml: containers.default_network must be a network"),
        ("[containers]\nlogdriver = \"none\"", "/h.toml: unknown key containers.logdriver (log_driver,"),
        ("[logs]\nmax_size = \"1\"", "/h.toml: logs.max_size must be a size of at least 1k"),
    ])
    func badValuesAreNamed(_ text: String, _ want: String) {
        do {
            _ = try HiveConfig.parse(text, file: "/h.toml")
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.message.contains(want), "\(error.message)")
        }
    }
}
