import Foundation
import Glibc
import Testing
import HiveArchive
import HiveOCI
import HivePlatform
import CHiveLaunch
@testable import HiveRuntime

/// run/create's namespace, kernel and cgroup flags (issue #15): Docker's checks,
/// what the planner makes of them, and the plan file that carries them.
@Suite final class RunFlagsTests {
    let dir: String
    let layer: String
    let id = String(repeating: "cd", count: 32)

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hive-flags-\(UInt64.random(in: 0...UInt64.max))").path
        layer = dir + "/layer"
        for d in [dir, layer, layer + "/etc", dir + "/containers", dir + "/cache"] { mkdir(d, 0o755) }
        try Files.write(layer + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        try Files.write(layer + "/etc/group", "root:x:0:\nstaff:x:50:\nvideo:x:44:\n")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as HiveError { return e.message } catch { return "\(error)" }
        return nil
    }

    func iso(_ f: (inout IsolationRequest) -> Void) -> IsolationRequest {
        var i = IsolationRequest()
        f(&i)
        return i
    }

    func plan(_ r: ContainerRequest, ipcJoin: SharedNamespace? = nil) throws -> ContainerPlan {
        var inputs = ContainerPlanner.Inputs(id: id, image: ContainerConfig(), layerDirs: [layer], dir: dir + "/containers/" + id,
                                             volumesDir: dir + "/volumes", volumeData: { $0 }, initBinary: "", seccompCacheDir: dir + "/cache")
        inputs.ipcJoin = ipcJoin
        return try ContainerPlanner().plan(r, inputs)
    }

    func request(_ i: IsolationRequest) -> ContainerRequest {
        var r = ContainerRequest(image: "img")
        r.command = ["sh"]
        r.securityOpts = ["seccomp=unconfined"]
        r.isolation = i
        return r
    }

    @Test func namespaceModesAreCheckedAsDockerChecksThem() {
        #expect(message { try self.iso { $0.ipc = "bogus" }.check(network: "bridge", hostname: nil) }!.hasPrefix("invalid IPC mode: bogus"))
        #expect(message { try self.iso { $0.ipc = "container:" }.check(network: "bridge", hostname: nil) }!.hasPrefix("invalid IPC mode"))
        #expect(message { try self.iso { $0.pid = "private2" }.check(network: "bridge", hostname: nil) }!.hasPrefix("--pid: invalid PID mode"))
        #expect(message { try self.iso { $0.uts = "host" }.check(network: "bridge", hostname: "h") }!.hasPrefix("conflicting options: hostname and the UTS mode"))
        #expect(message { try self.iso { $0.cgroupns = "x" }.check(network: "bridge", hostname: nil) }!.hasPrefix("invalid cgroup namespace mode: x"))
        #expect(message { try self.iso { $0.oomScoreAdj = -1001 }.check(network: "bridge", hostname: nil) } == "invalid value -1001, range for oom score adj is [-1000, 1000]")
        #expect(message { try self.iso { $0.cgroupParent = "a/../b" }.check(network: "bridge", hostname: nil) }!.hasPrefix("invalid --cgroup-parent"))
        for ok in ["private", "shareable", "host", "none", "container:db"] {
            #expect(message { try self.iso { $0.ipc = ok }.check(network: "bridge", hostname: nil) } == nil)
        }
        #expect(IsolationRequest.containerRef("container:db") == "db")
        #expect(IsolationRequest.containerRef("host") == nil)
    }

    @Test func sysctlsOnlyNamespacedAndInTheirNamespace() {
        func check(_ k: String, network: String = "bridge", ipc: String? = nil) -> String? {
            message { try self.iso { $0.sysctls = [k: "1"]; $0.ipc = ipc }.check(network: network, hostname: nil) }
        }
        #expect(check("net.ipv4.ip_forward") == nil)
        #expect(check("net/ipv4/conf/eth0.1/forwarding") == nil)
        #expect(check("kernel.shmmax") == nil)
        #expect(check("fs.mqueue.msg_max") == nil)
        #expect(check("kernel.hostname")!.hasSuffix("use --hostname"))
        #expect(check("kernel.domainname")!.hasSuffix("use --domainname"))
        #expect(check("vm.swappiness")!.hasPrefix("sysctl 'vm.swappiness' is not allowed: only namespaced ones"))
        #expect(check("kernel.pid_max")!.contains("not allowed"))
        #expect(check("net.ipv4.ip_forward", network: "host")!.contains("not allowed with --network host"))
        #expect(check("net.ipv4.ip_forward", network: "container:abc")!.contains("not allowed with --network container:abc"))
        #expect(check("kernel.sem", ipc: "host")!.contains("not allowed with --ipc host"))
        #expect(check("kernel.sem", ipc: "shareable") == nil)
        #expect(check("net..x")!.hasPrefix("invalid --sysctl key"))
        #expect(check("net/../../x")!.hasPrefix("invalid --sysctl key"))
    }

    @Test func deviceCgroupRulesParse() throws {
        #expect(try IsolationRequest.deviceRule("c 1:3 rwm") == DeviceRule("c", 1, 3, "rwm"))
        #expect(try IsolationRequest.deviceRule("b *:* m") == DeviceRule("b", -1, -1, "m"))
        #expect(try IsolationRequest.deviceRule("c 10:* r").line == "c 10:* r")
        for bad in ["x 1:3 rwm", "c 1:3", "c 1-3 rw", "c 1:3 rwx", "c 1:3 rr", "c a:3 r"] {
            #expect(message { _ = try IsolationRequest.deviceRule(bad) } != nil, "\(bad)")
        }
    }

    @Test func theIsolationReachesTheLaunchPlanAndTheSpec() throws {
        let i = iso {
            $0.ipc = "container:" + String(repeating: "e", count: 64)
            $0.pid = "host"
            $0.shmSize = 1 << 20
            $0.sysctls = ["net.ipv4.ip_forward": "1", "net.core.somaxconn": "10"]
            $0.groupAdd = ["staff", "4242", "video", "staff"]
            $0.domainname = "example.org"
            $0.oomScoreAdj = 300
            $0.cgroupns = "host"
        }
        let p = try plan(request(i), ipcJoin: .join(pid: 42, start: 7))
        #expect(p.launch.ipc == .join(pid: 42, start: 7))
        #expect(p.launch.pid == .host)
        #expect(p.launch.shmSize == 1 << 20)
        #expect(p.launch.sysctls == ["net.core.somaxconn=10", "net.ipv4.ip_forward=1"])
        #expect(p.launch.user.groups == [0, 50, 4242, 44])
        #expect(p.launch.domainname == "example.org")
        #expect(p.launch.oomScoreAdj == 300)
        #expect(p.launch.cgroupnsHost && !p.launch.utsHost)
        #expect(p.spec.isolation == i)
        #expect(p.spec.json.contains("\"isolation\":{"))
        // the spec keeps it through its JSON
        let back = try JSONCoding.decode(ContainerSpec.self, from: Array(p.spec.json.utf8))
        #expect(back.isolation == i)
        #expect(message { _ = try self.plan(self.request(self.iso { $0.groupAdd = ["nope"] })) }!.hasPrefix("unable to find group nope"))
        let uts = try plan(request(iso { $0.uts = "host" }))
        #expect(uts.launch.utsHost && uts.launch.hostname == ContainerPlanner.hostHostname())
    }

    @Test func thePlanFileCarriesTheNewFields() throws {
        var lp = LaunchPlan(rootfs: "/r", overlayData: "o", hostname: "h", argv: ["sh"], env: [], cwd: "/")
        lp.ipc = .none
        lp.pid = .join(pid: 99, start: 12345)
        lp.utsHost = true
        lp.shmSize = 3 << 20
        lp.domainname = "d.example"
        lp.sysctls = ["a.b=1", "c.d=2"]
        lp.oomScoreAdj = -5
        let path = dir + "/plan"
        try Launcher.write(lp, to: path)
        var p = hive_plan()
        #expect(hive_plan_read(path, &p) == 0)
        #expect(p.ipc == HIVE_NS_NONE && p.pid_mode == HIVE_NS_JOIN && p.pid_pid == 99 && p.pid_start == 12345)
        #expect(p.uts_host == 1 && p.cgroupns_host == 0 && p.shm_size == 3 << 20)
        #expect(String(cString: p.domainname) == "d.example")
        #expect(String(cString: p.sysctls[1]!) == "c.d=2" && p.sysctls[2] == nil)
        #expect(p.oom_score_adj_set == 1 && p.oom_score_adj == -5)
        try Launcher.setJoins(planFile: path, ipc: .join(pid: 5, start: 6), pid: nil)
        var q = hive_plan()
        #expect(hive_plan_read(path, &q) == 0)
        #expect(q.ipc == HIVE_NS_JOIN && q.ipc_pid == 5 && q.ipc_start == 6 && q.pid_pid == 99)
    }

    /// The API service reads a plan per exec, cp and update: what the reader
    /// and an exec's overrides allocate goes with the plan. Each read here
    /// makes four 256 KiB strings, past the mmap threshold this test fixes
    /// (so a freed one leaves the process at once): 200 leaking reads would
    /// add ~200 MB to the resident set, freed ones next to nothing.
    @Test func aReadPlanIsFreedWithItsOverrides() throws {
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt"), to: MallOpt.self)  // RTLD_DEFAULT
        _ = mallopt(-3, 64 << 10)  // M_MMAP_THRESHOLD (malloc.h is not in Swift's Glibc)
        func resident() -> Int {
            let f = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
            return (Int(f.split(separator: " ").dropFirst().first ?? "") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
        }
        let big = String(repeating: "x", count: 256 << 10)
        let lp = LaunchPlan(rootfs: "/r", overlayData: "o", hostname: "h", argv: ["sh"], env: ["BIG=" + big], cwd: "/")
        let path = dir + "/plan"
        try Launcher.write(lp, to: path)
        let user = ResolvedUser(uid: 1, gid: 2, groups: [3, 4], home: "/")
        func once() throws {
            let p = try Launcher.execPlan(planFile: path, argv: ["true"], env: ["PATH=/bin", "MORE=" + big],
                                          user: user, cwd: "/w", stdio: (-1, -1, -1), tty: false, privileged: false)
            #expect(String(cString: p.p.cwd) == "/w" && p.p.ngroups == 2 && p.p.groups[1] == 4)
            #expect(String(cString: p.p.search_path) == "/bin" && String(cString: p.p.envp[0]!).hasPrefix("BIG=x"))
        }
        try once()
        let before = resident()
        for _ in 0..<200 { try once() }
        let grown = resident() - before
        #expect(grown < 64 << 20, "200 reads kept \(grown) bytes")
    }

    @Test func volumeSpecsTakeRelativePathsAndDockersOptions() throws {
        let r = try MountRequest.parseVolume("./data:/d:ro,z", cwd: "/srv/app")
        #expect(r.kind == .bind && r.source == "/srv/app/data" && r.readonly)
        #expect(try MountRequest.parseVolume(".:/w", cwd: "/srv/app").source == "/srv/app")
        #expect(try MountRequest.parseVolume("../x/./y:/w", cwd: "/srv/app").source == "/srv/x/y")
        #expect(try MountRequest.parseVolume("/h:/c:rslave").propagation == "rslave")
        #expect(try MountRequest.parseVolume("/h:/c:cached").propagation == nil)
        #expect(try MountRequest.parseVolume("/h:/c:delegated,rw").readonly == false)
        #expect(try MountRequest.parseVolume("name:/c").kind == .volume)
        #expect(message { _ = try MountRequest.parseVolume("vol:/c:shared") }!.contains("applies to bind mounts only"))
        #expect(message { _ = try MountRequest.parseVolume("/h:/c:ro,rw") }!.contains("ro and rw both given"))
        #expect(message { _ = try MountRequest.parseVolume("/h:/c:slave,shared") }!.contains("more than one propagation mode"))
        #expect(try MountRequest.parseMount("type=bind,src=/h,dst=/c,bind-propagation=rshared").propagation == "rshared")
        #expect(message { _ = try MountRequest.parseMount("type=bind,src=/h,dst=/c,bind-propagation=x") }!.contains("invalid propagation mode"))
        #expect(MountRequest.propagationFlags["rslave"] == UInt(MS_SLAVE | MS_REC))
    }

    @Test func tuningLimitsAreCheckedAsDockerChecksThem() {
        func check(_ f: (inout Resources) -> Void) -> String? {
            var r = Resources()
            f(&r)
            return message { try ContainerPlanner.checkResources(r) }
        }
        #expect(check { $0.memoryReservation = 1 << 20 } == "Minimum memory reservation allowed is 6MB")
        #expect(check { $0.memoryReservation = 64 << 20; $0.memory = 32 << 20 }!.hasPrefix("Minimum memory limit can not be less than memory reservation"))
        #expect(check { $0.memorySwappiness = 101 } == "Invalid value: 101, valid memory swappiness range is 0-100")
        #expect(check { $0.memorySwappiness = -1 } == nil)
        #expect(check { $0.cpus = 1; $0.cpuQuota = 50000 } == "Conflicting options: Nano CPUs and CPU Quota cannot both be set")
        #expect(check { $0.cpuPeriod = 999 }!.hasPrefix("CPU cfs period can not be less than 1ms"))
        #expect(check { $0.cpuQuota = 10 }!.hasPrefix("CPU cfs quota can not be less than 1ms"))
        #expect(check { $0.cpuRtPeriod = 1000; $0.cpuRtRuntime = 2000 } == "cpu real-time runtime cannot be higher than cpu real-time period")
        #expect(check { $0.blkioWeight = 5 } == "Range of blkio weight is from 10 to 1000")
        #expect(check { $0.blkioWeight = 0 } == nil)
        #expect(check { $0.cpusetMems = "x" } == "Invalid value x for cpuset mems")
        #expect(check { $0.cpusetMems = "4000" }!.hasPrefix("Requested memory nodes are not available"))
    }

    @Test func cgroupParentPaths() {
        #expect(Cgroups.parentPath(nil, "/own") == "/own")
        #expect(Cgroups.parentPath("/a/b/", "/own") == "/a/b")
        #expect(Cgroups.parentPath("/", "/own") == "")
        #expect(Cgroups.parentPath("rel", "/own") == "/own/rel")
        #expect(Cgroups.parentPath("rel", "") == "/rel")
        #expect(Cgroups.parentOf("/sys/fs/cgroup/cpu/a/b/hive-x") == "/a/b")
        #expect(Cgroups.parentOf("/sys/fs/cgroup/cpu/hive-x") == "/")
        #expect(Cgroups.v1Dir("memory", ["memory": "/own"], "hive-1", parent: "/p") == "/sys/fs/cgroup/memory/p/hive-1")
        #expect(Cgroups.v2Weight(10) == 1 && Cgroups.v2Weight(1000) == 10000)
    }

    @Test func memoryAndCpuTuningFiles() throws {
        var r = Resources()
        r.memoryReservation = 32 << 20
        r.cpuPeriod = 50000
        r.cpuQuota = 25000
        let v1 = try Cgroups.tuned([:], r, v2: false, own: [:])
        #expect(v1["memory"]!.map(\.file) == ["memory.soft_limit_in_bytes"])
        #expect(v1["cpu"]!.map { "\($0.file)=\($0.value)" } == ["cpu.cfs_period_us=50000", "cpu.cfs_quota_us=25000"])
        let v2 = try Cgroups.tuned([:], r, v2: true, own: [:])
        #expect(v2["memory"]!.map { "\($0.file)=\($0.value)" } == ["memory.low=33554432"])
        #expect(v2["cpu"]!.map { "\($0.file)=\($0.value)" } == ["cpu.max=25000 50000"])
        var o = Resources()
        o.oomKillDisable = true
        #expect(message { _ = try Cgroups.tuned([:], o, v2: true, own: [:]) }!.hasPrefix("--oom-kill-disable is not supported on cgroup v2"))
    }
}
