import Glibc
import HiveOCI
import HivePlatform
@testable import HiveRuntime
import Testing

/// The parts of container inspect that rebuild what Docker shows from what
/// the spec keeps (126-inspect-shape.bats compares whole trees with Docker's).
@Suite struct ContainerInspectTests {
    func spec(argv: [String] = ["sh"], env: [String] = [], caps: [String] = Capabilities.dockerDefault) -> ContainerSpec {
        ContainerSpec(argv: argv, env: env, cwd: "/", user: "", hostname: "abc", network: "none", privileged: false, readOnly: false,
                      caps: caps, noNewPrivs: true, seccomp: "default", labels: [:], autoRemove: false)
    }

    @Test func dockerShapeFromStateAlone() {
        let st = ContainerInspect.State(id: "abc", name: "web", imageID: "sha256:" + String(repeating: "1", count: 64), imageName: "busybox",
                                        created: 1_704_164_645_000_000_000, started: nil, finished: nil, status: "created", running: false,
                                        pid: 0, exitCode: nil, layerDirs: ["/l/2", "/l/1"], containerDir: "/c/abc")
        let j = ContainerInspect.json(st, spec: nil)
        #expect(j["Name"]?.stringValue == "/web" && j["Created"]?.stringValue == "2024-01-02T03:04:05Z")
        #expect(j["State"]?["Status"]?.stringValue == "created" && j["State"]?["StartedAt"]?.stringValue == "0001-01-01T00:00:00Z")
        #expect(j["State"]?["Health"] == nil && j["State"]?["OOMKilled"] == .bool(false))
        #expect(j["GraphDriver"]?["Data"]?["LowerDir"]?.stringValue == "/l/2:/l/1")
        #expect(j["GraphDriver"]?["Data"]?["UpperDir"]?.stringValue == "/c/abc/upper")
        // no spec: Docker's values for every flag unset
        #expect(j["Config"]?["StopSignal"] == nil && j["Config"]?["WorkingDir"]?.stringValue == "" && j["Config"]?["Entrypoint"] == .null)
        #expect(j["HostConfig"]?["NetworkMode"]?.stringValue == "default" && j["Path"]?.stringValue == "")
        #expect(j["ExecIDs"] == .null && j["LogPath"]?.stringValue == "" && j["Platform"]?.stringValue == "linux")
    }

    @Test func initIsNotPartOfPathAndArgs() {
        #expect(ContainerInspect.command(["/dev/init", "--", "sh", "-c", "x"]) == (true, ["sh", "-c", "x"]))
        #expect(ContainerInspect.command(["/dev/init", "--"]) == (false, ["/dev/init", "--"]))
        #expect(ContainerInspect.command(["sh"]) == (false, ["sh"]))
    }

    @Test func entrypointAndCmdApart() {
        var image = ContainerConfig()
        #expect(ContainerInspect.split(["sh", "-c", "x"], image: image) == (nil, ["sh", "-c", "x"]))
        image.entrypoint = ["/entry.sh"]
        #expect(ContainerInspect.split(["/entry.sh", "run"], image: image) == (["/entry.sh"], ["run"]))
        #expect(ContainerInspect.split(["/entry.sh"], image: image) == (["/entry.sh"], []))
        // --entrypoint over the image's
        #expect(ContainerInspect.split(["/bin/sh", "-c", "x"], image: image) == (["/bin/sh"], ["-c", "x"]))
    }

    @Test func envWithoutWhatHiveAdds() {
        let path = "PATH=" + ContainerInspect.defaultPath
        #expect(ContainerInspect.givenEnv([path, "A=1", "HOSTNAME=h", "HOME=/root"], image: []) == ["A=1"])
        // the image's PATH and a HOME given stay
        #expect(ContainerInspect.givenEnv([path, "HOME=/x", "HOSTNAME=h"], image: [path]) == [path, "HOME=/x"])
        #expect(ContainerInspect.givenEnv(["PATH=/bin", "HOSTNAME=h", "HOME=/root"], image: []) == ["PATH=/bin"])
    }

    @Test func capabilitiesAgainstDockersDefaults() {
        var caps = Capabilities.dockerDefault.filter { $0 != "CAP_MKNOD" } + ["CAP_NET_ADMIN"]
        #expect(ContainerInspect.capabilityChanges(spec(caps: caps)) == (["CAP_NET_ADMIN"], ["CAP_MKNOD"]))
        caps = Capabilities.dockerDefault
        #expect(ContainerInspect.capabilityChanges(spec(caps: caps)) == ([], []))
        var s = spec()
        s.privileged = true
        #expect(ContainerInspect.capabilityChanges(s) == ([], []))
    }

    @Test func hostConfigTypesForAnUnsetFlag() {
        let hc = ContainerInspect.hostConfig(spec(), hasInit: false)
        #expect(hc["CapAdd"] == .null && hc["Binds"] == .null && hc["SecurityOpt"] == .null && hc["GroupAdd"] == .null)
        #expect(hc["Devices"] == .array([]) && hc["Ulimits"] == .array([]) && hc["Memory"] == .int(0))
        #expect(hc["Init"] == nil && hc["Tmpfs"] == nil && hc["Sysctls"] == nil)
        #expect(hc["LogConfig"] == .object(["Type": .string("json-file"), "Config": .object([:])]))
        #expect(ContainerInspect.hostConfig(spec(), hasInit: true)["Init"] == .bool(true))
    }

    @Test func mountsAsDockerShowsThem() {
        let bind = MountInfo(type: "bind", source: "/h", destination: "/c", rw: false, name: nil)
        let named = MountInfo(type: "volume", source: "/v/x/_data", destination: "/x", rw: true, name: "x")
        let anon = String(repeating: "ab", count: 32)
        let anonymous = MountInfo(type: "volume", source: "/v/a/_data", destination: "/a", rw: true, name: anon)
        let tmpfs = MountInfo(type: "tmpfs", source: "", destination: "/t", rw: true, name: nil)
        #expect(ContainerInspect.binds([bind, named, anonymous, tmpfs]) == ["/h:/c:ro", "x:/x"])
        #expect(ContainerInspect.mount(bind)?["Mode"] == .string("ro") && ContainerInspect.mount(bind)?["Name"] == nil)
        #expect(ContainerInspect.mount(named)?["Mode"] == .string("z") && ContainerInspect.mount(anonymous)?["Mode"] == .string(""))
        #expect(ContainerInspect.mount(tmpfs) == nil)
    }

    @Test func logSizesAsGiven() {
        #expect(ContainerInspect.sizeText(10 << 20) == "10m")
        #expect(ContainerInspect.sizeText(3 << 30) == "3g")
        #expect(ContainerInspect.sizeText(1536) == "1536")
        #expect(ContainerInspect.sizeText(2048) == "2k")
    }

    @Test func oomKillsFromTheMemoryGroup() throws {
        var template = Array("/tmp/inspect-oom.XXXXXX".utf8CString)
        let base = String(cString: mkdtemp(&template)!)
        defer { for n in ["memory/memory.oom_control", "memory", "pids"] { _ = remove(base + "/" + n) }; rmdir(base) }
        mkdir(base + "/memory", 0o755)
        mkdir(base + "/pids", 0o755)
        try Files.write(base + "/memory/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
        #expect(ContainerInspect.oomKills(cgroupDirs: [base + "/pids", base + "/memory"]) == 0)
        try Files.write(base + "/memory/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        #expect(ContainerInspect.oomKills(cgroupDirs: [base + "/pids", base + "/memory"]) == 2)
    }
}
