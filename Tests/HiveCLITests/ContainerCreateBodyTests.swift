// The Engine API's create body onto the run request (HiveAPI's
// ContainerCreateBody), from the bodies the docker CLI, compose and
// testcontainers really sent (Tests/fixtures/docker-api/requests).
import Testing
@testable import HiveAPI
import HiveEngine
import HivePlatform
import HiveRuntime

@Suite struct ContainerCreateBodyTests {
    static let requests: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/Tests/fixtures/docker-api/requests/"
    }()

    static func fixture(_ name: String) throws -> [String: JSONValue] {
        let bytes = try #require(Files.read(requests + name))
        return try #require(try JSONValue.parse(bytes).objectValue)
    }

    static func options(_ json: String, name: String? = nil, defaults: ContainerCreateBody.Defaults = .init()) throws -> RunOptions {
        let body = try #require(try JSONValue.parse(Array(json.utf8)).objectValue)
        return try ContainerCreateBody.options(body, name: name, platform: nil, defaults: defaults)
    }

    @Test func dockerRunDetachedWithPortLabelEnv() throws {
        // docker run -d --name web -p 127.0.0.1:18081:80 -l app=web -e A=1 busybox:latest httpd -f -p 80 -h /www
        let o = try ContainerCreateBody.options(try Self.fixture("cli/003-POST-v1-41-containers-create.json"), name: "/web", platform: nil,
                                                defaults: .init(network: "bridge", pidsLimit: 100))
        #expect(o.image == "busybox:latest")
        #expect(o.name == "web")
        #expect(o.command == ["httpd", "-f", "-p", "80", "-h", "/www"])
        #expect(o.entrypoint == nil)
        #expect(o.env == ["A=1"])
        #expect(o.labels == ["app": "web"])
        #expect(o.net.ports == ["127.0.0.1:18081:80/tcp"])
        #expect(o.net.exposed == ["80/tcp"])
        #expect(o.network == "bridge")
        #expect(o.restart == nil)
        #expect(o.remove == false)
        #expect(o.resources.pidsLimit == 100)  // PidsLimit 0: hive.toml's, as the CLI
        #expect(o.resources.memorySwappiness == nil)  // -1: not set
        #expect(o.mounts.isEmpty)
    }

    @Test func composeServiceWithVolumeHealthcheckAndAliases() throws {
        let o = try ContainerCreateBody.options(try Self.fixture("compose/029-POST-v1-41-containers-create.json"), name: "capp-db-1", platform: nil,
                                                defaults: .init())
        #expect(o.network == "capp_default")
        #expect(o.net.aliases == ["capp-db-1", "db"])
        #expect(o.mounts == [MountRequest(kind: .volume, source: "capp_dbdata", target: "/data")])
        #expect(o.health.test == ["CMD", "test", "-f", "/data/ready"])
        #expect(o.health.interval == "1.0s")
        #expect(o.health.timeout == "1.0s")
        #expect(o.health.retries == "10")
        #expect(o.labels["com.docker.compose.service"] == "db")
        // the runtime accepts what the mapping made
        let h = try o.health.resolve(image: nil)
        #expect(h?.interval == 1_000_000_000)
    }

    @Test func testcontainersPortWithoutHostSideGetsAnyPort() throws {
        let o = try ContainerCreateBody.options(try Self.fixture("testcontainers/024-POST-v1-41-containers-create.json"), name: nil, platform: nil,
                                                defaults: .init(network: "mynet"))
        #expect(o.net.ports == ["80/tcp"])
        #expect(o.network == "mynet")  // NetworkMode "default": hive.toml's default network
        #expect(o.name == nil)
    }

    @Test func entrypointCommandAndNulls() throws {
        var o = try Self.options(#"{"Image":"i","Entrypoint":["sh","-c"],"Cmd":["echo hi"],"Env":null,"Labels":null}"#)
        #expect(o.entrypoint == "sh")
        #expect(o.command == ["-c", "echo hi"])
        o = try Self.options(#"{"Image":"i","Entrypoint":[""]}"#)
        #expect(o.entrypoint == "")
        o = try Self.options(#"{"Image":"i","Entrypoint":[],"Cmd":"true"}"#)
        #expect(o.entrypoint == nil)
        #expect(o.command == ["true"])
        o = try Self.options(#"{"Image":"i","Healthcheck":{"Test":["NONE"]}}"#)
        #expect(o.health.disabled)
    }

    @Test func hostConfigKeysBecomeTheFlagsText() throws {
        let o = try Self.options("""
            {"Image":"i","Volumes":{"/anon":{},"/data":{}},"HostConfig":{"Binds":["/h:/b:ro"],
             "Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1024,"Mode":1023}},{"Type":"volume","Source":"vol","Target":"/data"}],
             "Tmpfs":{"/run":"size=1m"},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},
             "Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"","CgroupPermissions":"rw"}],
             "LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}},"Memory":16777216,"MemorySwap":-1,"NanoCpus":1500000000,"PidsLimit":-1,
             "Sysctls":{"net.ipv4.ip_forward":"1"},"ShmSize":65536,"IpcMode":"private","PublishAllPorts":true,"ExtraHosts":["a:1.2.3.4"],
             "Dns":["1.1.1.1"],"CapAdd":["NET_ADMIN"],"Init":true,"AutoRemove":true,"Isolation":"default","UsernsMode":"host"},
             "NetworkingConfig":{"EndpointsConfig":{"n1":{"Aliases":["x"],"IPAMConfig":{"IPv4Address":"10.1.0.5"}},"n2":{"Aliases":["y"]}}}}
            """)
        #expect(o.mounts.map(\.target) == ["/b", "/t", "/data", "/run", "/anon"])
        #expect(o.mounts[0].readonly && o.mounts[0].source == "/h" && o.mounts[0].kind == .bind)
        #expect(o.mounts[1].tmpfsOptions == "size=1024,mode=1777")
        #expect(o.restart == "on-failure:3")
        #expect(o.ulimits == ["nofile=1024:2048"])
        #expect(o.devices == ["/dev/null:/dev/null:rw"])
        #expect(o.logDriver == "json-file" && o.logOptions == ["max-size=1m"])
        #expect(o.resources.memory == 16_777_216 && o.resources.memorySwap == -1 && o.resources.cpus == 1.5)
        #expect(o.resources.pidsLimit == nil)  // -1: unlimited
        #expect(o.isolation.sysctls == ["net.ipv4.ip_forward": "1"] && o.isolation.shmSize == 65536 && o.isolation.ipc == "private")
        #expect(o.net.publishAll && o.net.dns == ["1.1.1.1"] && o.extraHosts == ["a:1.2.3.4"])
        #expect(o.capAdd == ["NET_ADMIN"] && o.initProcess && o.remove)
        // NetworkMode absent: the default network; n1 and n2 are other networks, connected as `network connect` would
        #expect(o.network == "bridge")
        #expect(o.net.connected.map(\.network) == ["n1", "n2"])
        #expect(o.net.connected[0].ip == "10.1.0.5" && o.net.connected[1].aliases == ["y"])
    }

    @Test func networkConflictsAsTheCLIChecksThem() throws {
        var warnings: [String] = []
        let body = try #require(try JSONValue.parse(Array(#"{"Image":"i","HostConfig":{"NetworkMode":"host","PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}"#.utf8)).objectValue)
        let o = try ContainerCreateBody.options(body, name: nil, platform: nil, defaults: .init()) { warnings.append($0) }
        #expect(o.net.ports.isEmpty)
        #expect(warnings == ["Published ports are discarded when using host network mode"])
        let e = #expect(throws: HiveError.self) { try Self.options(#"{"Image":"i","HostConfig":{"NetworkMode":"container:x","Dns":["1.1.1.1"]}}"#) }
        #expect(e?.message == "conflicting options: dns and the network mode")
        #expect(throws: HiveError.self) { try Self.options(#"{"Image":"i","HostConfig":{"PortBindings":{"99999/tcp":[{"HostPort":"1"}]}}}"#) }
    }

    @Test func refusedKeysGetTheCLIFlagsError() throws {
        for (json, flag, value) in [
            (#"{"Image":"i","HostConfig":{"Runtime":"runsc"}}"#, "runtime", "runsc"),
            (#"{"Image":"i","HostConfig":{"Links":["a:b"]}}"#, "link", "a:b"),
            (#"{"Image":"i","HostConfig":{"Isolation":"hyperv"}}"#, "isolation", "hyperv"),
            (#"{"Image":"i","HostConfig":{"CpuCount":2}}"#, "cpu-count", "2"),
            (#"{"Image":"i","HostConfig":{"VolumeDriver":"nfs"}}"#, "volume-driver", "nfs"),
        ] {
            let e = #expect(throws: HiveError.self) { try Self.options(json) }
            #expect(e?.message == RunRefusals.error(flag, value).message)
            #expect(e?.code == .invalidArgument)
        }
    }

    @Test func badBodiesAreInvalidArguments() throws {
        for json in [#"{"Cmd":["true"]}"#, #"{"Image":"i","Cmd":42}"#, #"{"Image":"i","Env":[1]}"#, #"{"Image":"i","HostConfig":"x"}"#,
                     #"{"Image":"i","HostConfig":{"Mounts":[{"Type":"nfs","Target":"/x"}]}}"#, #"{"Image":"i","HostConfig":{"NanoCpus":-5}}"#] {
            let e = #expect(throws: HiveError.self) { try Self.options(json) }
            #expect(e?.code == .invalidArgument, "\(json)")
        }
    }
}
