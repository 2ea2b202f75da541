import Foundation
import Glibc
import Testing
import HiveArchive
import HiveOCI
import HivePlatform
import CHiveLaunch
@testable import HiveRuntime

/// The planner as a function: given this request and image, this plan.
@Suite final class ContainerPlannerTests {
    let dir: String
    let layer: String
    let id = String(repeating: "ab", count: 32)

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hive-plan-\(UInt64.random(in: 0...UInt64.max))").path
        layer = dir + "/layer"
        for d in [dir, layer, layer + "/etc", dir + "/volumes", dir + "/containers", dir + "/cache", dir + "/src"] { mkdir(d, 0o755) }
        try Files.write(layer + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n")
        try Files.write(layer + "/etc/group", "root:x:0:\nnogroup:x:65534:\nstaff:x:50:app\n")
        try Files.write(dir + "/resolv.conf", "nameserver 192.0.2.53\n")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    var planner: ContainerPlanner {
        var d = ContainerPlanner.Defaults()
        d.hardNofile = 4096
        d.hostResolvConf = dir + "/resolv.conf"
        d.hostEnv = { $0 == "FROMHOST" ? "h" : nil }
        return ContainerPlanner(defaults: d)
    }

    func inputs(_ image: ContainerConfig = ContainerConfig()) -> ContainerPlanner.Inputs {
        ContainerPlanner.Inputs(id: id, image: image, layerDirs: [layer], dir: dir + "/containers/" + id,
                                volumesDir: dir + "/volumes", volumeData: { [dir] in dir + "/volumes/" + $0 + "/_data" },
                                initBinary: dir + "/hive-init", seccompCacheDir: dir + "/cache")
    }

    /// A request for `sh` (no seccomp compile unless a test asks for it).
    func request(_ command: [String] = ["sh"]) -> ContainerRequest {
        var r = ContainerRequest(image: "img")
        r.command = command
        r.securityOpts = ["seccomp=unconfined"]
        return r
    }

    func plan(_ r: ContainerRequest, _ image: ContainerConfig = ContainerConfig()) throws -> ContainerPlan {
        try planner.plan(r, inputs(image))
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as HiveError { return e.message } catch { return "\(error)" }
        return nil
    }

    @Test func entrypointAndCmdCompose() throws {
        var image = ContainerConfig()
        image.entrypoint = ["/bin/sh", "-c"]
        image.cmd = ["echo hi"]
        #expect(try plan(request([]), image).launch.argv == ["/bin/sh", "-c", "echo hi"])
        #expect(try plan(request(["date"]), image).launch.argv == ["/bin/sh", "-c", "date"])
        var r = request([])
        r.entrypoint = "/bin/true"  // --entrypoint drops the image's CMD too
        #expect(try plan(r, image).launch.argv == ["/bin/true"])
        r.entrypoint = ""
        r.command = ["ls"]
        #expect(try plan(r, image).spec.argv == ["ls"])
    }

    @Test func noCommandIsRefused() {
        #expect(message { _ = try plan(request([])) } == "no command specified: image img has no CMD or ENTRYPOINT (give one after the image name)")
    }

    @Test func envMergeOrder() throws {
        var image = ContainerConfig()
        image.env = ["A=1", "PATH=/x", "K=image"]
        var r = request()
        r.env = ["A=2", "FROMHOST", "MISSING", "K=req"]
        let p = try plan(r, image)
        #expect(p.launch.env == ["PATH=/x", "A=2", "FROMHOST=h", "K=req", "HOSTNAME=" + String(id.prefix(12)), "HOME=/root"])
        #expect(p.spec.env == p.launch.env)
        // no PATH in the image: Docker's default first
        #expect(try plan(request()).launch.env.first == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    }

    @Test func userFromTheImagePasswd() throws {
        var r = request()
        r.user = "app"
        let p = try plan(r)
        #expect(p.launch.user == ResolvedUser(uid: 1000, gid: 1000, groups: [1000, 50], home: "/home/app"))
        #expect(p.launch.env.last == "HOME=/home/app")
        #expect(p.spec.user == "app")
        var image = ContainerConfig()
        image.user = "nobody:nogroup"
        #expect(try plan(request(), image).launch.user.uid == 65534)
        r.user = "ghost"
        #expect(message { _ = try plan(r) } == "unable to find user ghost: no matching entries in the image's /etc/passwd")
    }

    @Test func workdir() throws {
        var image = ContainerConfig()
        image.workingDir = "/app"
        #expect(try plan(request(), image).launch.cwd == "/app")
        image.workingDir = ""
        #expect(try plan(request(), image).launch.cwd == "/")
        var r = request()
        r.workdir = "rel"
        #expect(message { _ = try plan(r) } == "the working directory \"rel\" is invalid: it must be absolute")
    }

    @Test func hostnameAndHostsContent() throws {
        var r = request()
        r.extraHosts = ["db:192.0.2.7", "v6:fe80::1"]
        r.network = "none"  // on a network the manager writes the hostname's line with the address
        let p = try plan(r)
        #expect(p.spec.hostname == String(id.prefix(12)))
        // split at the first colon, as Docker does: an IPv6 address needs no brackets
        #expect(p.hosts == "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t\(id.prefix(12))\n192.0.2.7\tdb\nfe80::1\tv6\n")
        #expect(p.spec.extraHosts == ["db:192.0.2.7", "v6:fe80::1"])
        r.network = "bridge"
        #expect(try plan(r).hosts == "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n192.0.2.7\tdb\nfe80::1\tv6\n")
        r.hostname = "web"
        r.extraHosts = []
        let q = try plan(r)
        #expect(q.launch.hostname == "web")
        #expect(q.launch.env.contains("HOSTNAME=web"))
        r.extraHosts = ["nocolon"]
        #expect(message { _ = try plan(r) } == "bad format for add-host: \"nocolon\" (use NAME:IP, NAME=IP or NAME:host-gateway)")
        #expect(q.spec.extraHosts == nil)
    }

    @Test func networkModes() throws {
        var n = request()
        n.network = "none"
        let none = try plan(n)
        #expect(none.launch.network == .new)
        #expect(none.resolvConf == "")
        var r = request()
        r.network = "host"
        let host = try plan(r)
        #expect(host.launch.network == .host)
        #expect(host.resolvConf == "nameserver 192.0.2.53\n")
        #expect(host.spec.network == "host")
        // bridge (the default) and user networks join the namespace the manager pins; container:NAME the other's
        #expect(ContainerRequest(image: "x").network == "bridge")
        var inputs = inputs(ContainerConfig())
        inputs.netnsPath = "/run/hive/netns/" + id
        r.network = "bridge"
        #expect(try planner.plan(r, inputs).launch.network == .join("/run/hive/netns/" + id))
        // its resolv.conf: the host's upstream servers (ResolvConf), --dns* replacing them
        #expect(try planner.plan(r, inputs).resolvConf == "nameserver 192.0.2.53\n")
        var d = r
        d.net.dns = ["198.51.100.1"]
        d.net.dnsSearch = ["example.test"]
        #expect(try planner.plan(d, inputs).resolvConf == "nameserver 198.51.100.1\nsearch example.test\n")
        r.network = "mynet"
        #expect(try planner.plan(r, inputs).spec.network == "mynet")
        r.network = "container:web"
        inputs.sharedDir = dir + "/other"
        inputs.sharedHostname = "webhost"
        let joined = try planner.plan(r, inputs)
        #expect(joined.launch.hostname == "webhost")
        #expect(joined.launch.mounts.contains { $0.source == dir + "/other/hosts" && $0.target == "/etc/hosts" })
        r.hostname = "x"
        #expect(message { _ = try planner.plan(r, inputs) }?.hasPrefix("conflicting options: --hostname and --network container:web") == true)
        r.hostname = nil
        for refused in ["bad name", "container:", "-x"] {
            r.network = refused
            #expect(message { _ = try plan(r) } != nil)
        }
        #expect(try NetworkMode.parse("none").namespace(netnsPath: nil) == .new)
        #expect(try NetworkMode.parse("default") == .bridge)
        #expect(try NetworkMode.parse("container:db") == .container("db"))
    }

    @Test func mountsInOrderWithVolumes() throws {
        var image = ContainerConfig()
        image.volumes = ["/data": EmptyObject(), "/a": EmptyObject()]
        var r = request()
        r.mounts = [try MountRequest.parseVolume(dir + "/src:/etc/conf:ro"), try MountRequest.parseVolume("named:/a"),
                    try MountRequest.parseVolume("/anon")]
        let p = try plan(r, image)
        // the record: requests in order, then the image's VOLUMEs not already covered
        #expect(p.spec.mounts?.map(\.destination) == ["/etc/conf", "/a", "/anon", "/data"])
        #expect(p.spec.mounts?.map(\.type) == ["bind", "volume", "volume", "volume"])
        #expect(p.spec.mounts?[0].rw == false)
        #expect(p.spec.mounts?[1].name == "named")
        #expect(p.volumes.map(\.name).first == "named")
        #expect(p.volumes.map(\.anonymous) == [false, true, true])
        // the launcher: parents before children, in request order at one depth
        #expect(p.launch.mounts.map(\.target) == ["/a", "/anon", "/data", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/conf"])
        #expect(p.launch.mounts.filter(\.populate).count == 3)
        #expect(p.launch.mounts.first { $0.target == "/a" }?.source == dir + "/volumes/named/_data")
    }

    @Test func badMountsAndVolumes() throws {
        var r = request()
        r.mounts = [MountRequest(kind: .bind, source: dir + "/nope", target: "/x")]
        #expect(message { _ = try plan(r) } == "invalid mount config: bind source path does not exist: \(dir)/nope")
        var image = ContainerConfig()
        image.volumes = ["/proc/x": EmptyObject()]
        #expect(message { _ = try plan(request(), image) }
            == "the image declares an unsafe VOLUME \"/proc/x\" (rejected: it must be an absolute path without .., outside /proc)")
        #expect(message { _ = try MountRequest.parseVolume("a:b:c:d") } == "invalid volume specification \"a:b:c:d\": too many colons")
        #expect(message { _ = try MountRequest.parseVolume("/a:/b:xx") } == "invalid volume specification \"/a:/b:xx\": unknown option \"xx\" (ro, rw, z, Z, cached, delegated, or a propagation: [r]private, [r]slave, [r]shared)")
        #expect(message { _ = try MountRequest.parseVolume("/a:/proc/self") }
            == "invalid mount target \"/proc/self\" in \"/a:/proc/self\": nothing may be mounted inside /proc")
        #expect(message { _ = try MountRequest.parseVolume("/a:/b/../c") }
            == "invalid mount target \"/b/../c\" in \"/a:/b/../c\": must be an absolute path inside the container, without .. and not /")
        #expect(message { _ = try MountRequest.parseMount("type=nfs,target=/x") }
            == "invalid --mount \"type=nfs,target=/x\": unsupported type \"nfs\" (bind, volume or tmpfs)")
        #expect(message { _ = try MountRequest.parseMount("type=bind,target=/x") } == "invalid --mount \"type=bind,target=/x\": a bind mount needs a source")
        #expect(message { _ = try MountRequest.parseVolume("x:/y") }
            == "invalid volume name \"x\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (at least 2 characters)")
        #expect(try MountRequest.parseVolume("/proc/cpuinfo:/proc/cpuinfo:ro").readonly)
    }

    @Test func readOnlyAndTmpfs() throws {
        var r = request()
        r.readOnly = true
        r.mounts = [try MountRequest.parseTmpfs("/run:size=64m"), try MountRequest.parseMount("type=tmpfs,target=/scratch,tmpfs-size=1m,readonly")]
        let p = try plan(r)
        #expect(p.launch.readonlyRootfs)
        let run = try #require(p.launch.mounts.first { $0.target == "/run" })
        #expect(run.fstype == "tmpfs" && run.data == "size=64m" && run.flags == UInt(MS_NOSUID | MS_NODEV) && !run.readonly)
        let scratch = try #require(p.launch.mounts.first { $0.target == "/scratch" })
        #expect(scratch.data == "size=1m" && scratch.readonly)
        #expect(p.spec.mounts?.map(\.type) == ["tmpfs", "tmpfs"])
        #expect(p.spec.mounts?.map(\.source) == ["", ""])
        r.mounts = [try MountRequest.parseTmpfs("/t")]
        #expect(try plan(r).launch.mounts.first { $0.target == "/t" }?.data == "mode=1777")
    }

    @Test func ulimits() throws {
        var r = request()
        #expect(try plan(r).launch.nofile == (1024, 4096))
        r.ulimits = ["nofile=100:200", "nproc=10"]
        let p = try plan(r)
        #expect(p.launch.nofile == (100, 200))
        #expect(p.launch.rlimits.count == 1 && p.launch.rlimits[0] == (6, 10, 10))
        r.ulimits = ["bogus=1"]
        #expect(message { _ = try plan(r) }?.hasPrefix("invalid --ulimit \"bogus=1\" (e.g. nofile=1024:2048; names: as, core, cpu,") == true)
        r.ulimits = ["nofile=20:10"]
        #expect(message { _ = try plan(r) } == "invalid --ulimit \"nofile=20:10\": soft must not exceed hard")
    }

    @Test func devices() throws {
        var r = request()
        r.devices = ["/dev/null:/dev/mynull:rw"]
        let p = try plan(r)
        #expect(p.launch.mounts.contains { $0.source == "/dev/null" && $0.target == "/dev/mynull" && $0.fstype == nil })
        #expect(p.spec.devices == ["/dev/null:/dev/mynull:rw"])
        let rules = Cgroups.devicePolicy(privileged: false, devices: [try DeviceRequest.parse("/dev/null:/dev/mynull:rw")])
        #expect(rules?.last == DeviceRule("c", 1, 3, "rw"))
        r.devices = ["/dev/null:/dev/x:rwz"]
        #expect(message { _ = try plan(r) }
            == "invalid --device \"/dev/null:/dev/x:rwz\": permissions \"rwz\" must be a subset of rwm (use HOST[:CONTAINER][:PERMS], PERMS a subset of rwm)")
        r.devices = ["\(dir)/resolv.conf"]
        #expect(message { _ = try plan(r) } == "--device: \(dir)/resolv.conf is not a device node (give a character or block device)")
    }

    @Test func privileged() throws {
        var r = request()
        r.privileged = true
        r.securityOpts = []
        let p = try plan(r)
        #expect(p.launch.privileged)
        #expect(p.launch.seccomp == nil)  // no filter, whatever the mode
        #expect(p.launch.caps.isSuperset(of: Set(Capabilities.dockerDefault)))
        #expect(p.spec.privileged && p.spec.seccomp == "default")
    }

    @Test func capabilitiesAndSecurityOpts() throws {
        var r = request()
        r.capDrop = ["ALL"]
        r.capAdd = ["chown", "NET_RAW"]
        let p = try plan(r)
        #expect(p.launch.caps == ["CAP_CHOWN", "CAP_NET_RAW"])
        #expect(p.spec.caps == ["CAP_CHOWN", "CAP_NET_RAW"])
        r.capDrop = ["MKNOD"]
        r.capAdd = []
        #expect(try plan(r).spec.caps == Capabilities.dockerDefault.filter { $0 != "CAP_MKNOD" }.sorted())
        r.capAdd = ["NOPE"]
        #expect(message { _ = try plan(r) } == "unknown capability \"NOPE\" (see capabilities(7))")
        r.capAdd = []
        r.securityOpts = ["no-new-privileges=false", "seccomp=unconfined"]
        #expect(try plan(r).launch.noNewPrivs == false)
        r.securityOpts = ["no-new-privileges=maybe"]
        #expect(message { _ = try plan(r) } == "invalid --security-opt no-new-privileges=maybe (no-new-privileges=true|false)")
        r.securityOpts = ["foo"]
        #expect(message { _ = try plan(r) } == "invalid --security-opt \"foo\" (use seccomp=unconfined|FILE or no-new-privileges=true|false)")
        r.securityOpts = ["seccomp=" + dir + "/none.json"]
        #expect(message { _ = try plan(r) } == "cannot read seccomp profile \(dir)/none.json")
    }

    @Test func defaultSeccompIsCompiled() throws {
        var r = request()
        r.securityOpts = []
        let p = try plan(r)
        let bpf = try #require(p.launch.seccomp)
        #expect(!bpf.isEmpty && bpf.count % 8 == 0)
    }

    @Test func initProcess() throws {
        var r = request(["sleep", "1"])
        r.initProcess = true
        #expect(message { _ = try plan(r) } == "--init needs \(dir)/hive-init (make build builds it)")
        try Files.write(dir + "/hive-init", "#!/bin/sh\n")
        chmod(dir + "/hive-init", 0o755)
        let p = try plan(r)
        #expect(p.launch.argv == ["/dev/init", "--", "sleep", "1"])
        #expect(p.launch.mounts.contains { $0.target == "/dev/init" && $0.source == dir + "/hive-init" && $0.readonly })
    }

    @Test func ttyAndRemoveAndOverlay() throws {
        var r = request()
        r.tty = true
        r.remove = true
        let p = try plan(r)
        #expect(p.launch.env.last == "TERM=xterm")
        #expect(!p.spec.env.contains("TERM=xterm"))  // the record keeps the env as asked
        let c = dir + "/containers/" + id
        #expect(p.launch.overlayData == "lowerdir=\(layer),upperdir=\(c)/upper,workdir=\(c)/work,volatile")
        #expect(p.launch.rootfs == c + "/rootfs")
        #expect(p.spec.autoRemove)
        #expect(p.launch.cgroupProcs.count == p.cgroups.count && !p.cgroups.isEmpty)
        #expect(p.cgroups.allSatisfy { $0.dir.hasSuffix("/hive-" + String(id.prefix(16))) })
    }

    @Test func specJSONIsStable() throws {
        var r = request()
        r.labels = ["a": "b"]
        r.stopTimeout = 3
        let p = try plan(r)
        let json = p.spec.json
        #expect(json.hasPrefix("{\"argv\":[\"sh\"],\"autoRemove\":false,\"caps\":["))
        let back = try JSONCoding.decode(ContainerSpec.self, from: Array(json.utf8))
        #expect(back.json == json)
        #expect(back.labels == ["a": "b"] && back.stopTimeout == 3 && back.mounts?.isEmpty == true)
    }

    @Test func buildStepRequest() throws {
        var image = ContainerConfig()
        image.entrypoint = ["/entry"]
        image.cmd = ["ignored"]
        image.user = "app"
        var r = ContainerRequest.buildStep(image: "img", argv: ["/bin/sh", "-c", "make"], env: ["X=1"], user: "", workdir: nil,
                                           network: "host", mounts: [MountRequest(kind: .tmpfs, source: nil, target: "/tmp/cache")])
        #expect(r.buildStep)
        r.securityOpts = ["seccomp=unconfined"]
        let p = try plan(r, image)
        #expect(p.launch.argv == ["/bin/sh", "-c", "make"])
        #expect(p.launch.user.uid == 1000)  // an empty user is the image's
        #expect(p.launch.network == .host)
        #expect(p.launch.env.contains("X=1"))
        #expect(p.launch.mounts.contains { $0.target == "/tmp/cache" && $0.fstype == "tmpfs" })
    }

    @Test func materializeWritesFilesAndResolvesBinds() throws {
        symlink(dir + "/src", dir + "/link")
        var r = request()
        r.mounts = [MountRequest(kind: .bind, source: dir + "/link", target: "/src")]
        var p = try plan(r)
        #expect(p.launch.mounts.first { $0.target == "/src" }?.source == dir + "/link")
        try p.materialize(parent: dir + "/containers")
        let c = dir + "/containers/" + id
        #expect(Files.readText(c + "/hostname") == String(id.prefix(12)) + "\n")
        #expect(Files.readText(c + "/hosts") == p.hosts)
        #expect(Files.readText(c + "/resolv.conf") == p.resolvConf)
        #expect(Files.readText(c + "/cgroups") == p.cgroups.map(\.dir).joined(separator: "\n") + "\n")
        for d in ["upper", "work", "rootfs"] { #expect(access(c + "/" + d, F_OK) == 0) }
        let real = ContainerPlanner.canonicalPath(dir + "/src")
        #expect(p.launch.mounts.first { $0.target == "/src" }?.source == real)
        #expect(p.launch.mounts.first { $0.target == "/etc/hosts" }?.source == ContainerPlanner.canonicalPath(c + "/hosts"))
    }

    @Test func planFileKeepsTheNetworkPart() throws {
        var p = try plan(request()).launch
        p.network = .join("/run/netns/test")
        try Launcher.write(p, to: dir + "/plan")
        var c = hive_plan_for_test(dir + "/plan")
        #expect(c.netns == 2 && c.path == "/run/netns/test")
        p.network = .host
        try Launcher.write(p, to: dir + "/plan")
        c = hive_plan_for_test(dir + "/plan")
        #expect(c.netns == 0 && c.path == nil)
    }
}

/// A plan file's network part as the C reader (the monitor's) sees it.
func hive_plan_for_test(_ path: String) -> (netns: Int32, path: String?) {
    var p = hive_plan()
    guard hive_plan_read(path, &p) == 0 else { return (-1, "unreadable") }
    return (p.netns, p.netns_path.map { String(cString: $0) })
}

@Suite struct PlanFileTests {
    /// A version-5 file (a container created by the hive before) still reads: its
    /// new_netns slot holds the same values, and it has no netns_path.
    @Test func readsVersion5() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hive-plan5-\(UInt64.random(in: 0...UInt64.max))").path
        defer { unlink(path); unlink(path + "5") }
        var plan = LaunchPlan(rootfs: "/r", overlayData: "lowerdir=/l", hostname: "h", argv: ["sh"], env: [], cwd: "/")
        plan.network = .host
        try Launcher.write(plan, to: path)
        var bytes = try #require(Files.read(path))
        #expect(Array(bytes.prefix(10)) == Array("HIVEPLAN7\n".utf8))
        // version 7's 13 fields come last; without them (a version-6 file) it reads too
        bytes.removeLast(13 * 8)
        bytes.replaceSubrange(0..<10, with: Array("HIVEPLAN6\n".utf8))
        try Files.write(path + "5", bytes: bytes)
        #expect(hive_plan_for_test(path + "5") == (0, nil))
        #expect(Array(bytes.suffix(8)) == [UInt8](repeating: 0xff, count: 8))  // a nil netns_path, last
        bytes.removeLast(8)
        bytes.replaceSubrange(0..<10, with: Array("HIVEPLAN5\n".utf8))
        try Files.write(path + "5", bytes: bytes)
        #expect(hive_plan_for_test(path + "5") == (0, nil))
        bytes.replaceSubrange(0..<10, with: Array("HIVEPLAN4\n".utf8))
        try Files.write(path + "5", bytes: bytes)
        #expect(hive_plan_for_test(path + "5").netns == -1)
    }
}
