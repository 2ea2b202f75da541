// A ContainerRequest's pre-create hook context (ContainerRequest+HookContext):
// what goes out comes back unchanged, a hook's change of the right shape is
// taken, one of the wrong shape is refused; and the pure helpers that moved
// down from the engine with it (`hive cp`'s paths, container names).
import Testing
import HiveOCI
import HivePlatform
@testable import HiveRuntime

@Suite struct ContainerRequestHookContextTests {
    func request() -> ContainerRequest {
        var r = ContainerRequest(image: "busybox")
        r.name = "web"
        r.replace = true
        r.labels = ["team": "a"]
        r.env = ["A=1", "B=two words"]
        r.mounts = [MountRequest(kind: .tmpfs, source: nil, target: "/tmp", tmpfsOptions: "size=1m"),
                    MountRequest(kind: .volume, source: "data", target: "/data", readonly: true),
                    MountRequest(kind: .bind, source: "/", target: "/host", readonly: true)]
        r.resources.memory = 64 << 20
        r.resources.cpus = 1.5
        r.resources.pidsLimit = 100
        r.network = "host"
        r.extraHosts = ["db:192.0.2.1"]
        r.devices = ["/dev/null"]
        r.privileged = false
        r.readOnly = true
        r.capAdd = ["NET_ADMIN"]
        r.capDrop = ["ALL"]
        r.securityOpts = ["no-new-privileges"]
        r.command = ["sh", "-c", "true"]
        r.entrypoint = "/bin/env"
        r.user = "1000:1000"
        r.workdir = "/srv"
        r.remove = true
        r.tty = true
        return r
    }

    @Test func roundTripKeepsEveryField() throws {
        let r = request()
        let ctx = r.hookContext
        #expect(ctx["name"]?.stringValue == "web" && ctx["network"]?.stringValue == "host")
        #expect(ctx["resources"]?["memory"]?.intValue == 64 << 20 && ctx["resources"]?["pids_limit"]?.intValue == 100)
        #expect(ctx["mounts"]?.arrayValue?[2]["source_kind"]?.stringValue == "directory")
        #expect(ctx["mounts"]?.arrayValue?[2]["source_path"]?.stringValue == "/")
        var back = ContainerRequest(image: "other")
        back.command = r.command; back.entrypoint = r.entrypoint; back.user = r.user; back.workdir = r.workdir
        back.remove = r.remove; back.tty = r.tty; back.devices = r.devices  // not changeable by hooks
        try back.apply(hookContext: ctx)
        #expect(back.hookContext == ctx)
        #expect(back.name == "web" && back.image == "busybox" && back.replace && back.labels == ["team": "a"])
        #expect(back.mounts == r.mounts && back.resources == r.resources && back.extraHosts == r.extraHosts)
        #expect(back.readOnly && back.capAdd == ["NET_ADMIN"] && back.capDrop == ["ALL"] && back.securityOpts == ["no-new-privileges"])
    }

    /// The context carries memory, cpus and pids_limit only: the other limits
    /// of the request (swap, shares, cpuset) survive a hook's round trip.
    @Test func resourcesOutsideTheContextAreKept() throws {
        var r = request()
        r.resources.memorySwap = 512 << 20
        r.resources.cpuShares = 512
        r.resources.cpusetCpus = "0"
        let before = r.resources
        try r.apply(hookContext: r.hookContext)
        #expect(r.resources == before)
        guard case .object(var ctx) = r.hookContext else { Issue.record("not an object"); return }
        ctx["resources"] = .object(["memory": .int(256 << 20)])
        try r.apply(hookContext: .object(ctx))
        #expect(r.resources.memory == 256 << 20 && r.resources.cpus == nil && r.resources.pidsLimit == nil)
        #expect(r.resources.memorySwap == 512 << 20 && r.resources.cpuShares == 512 && r.resources.cpusetCpus == "0")
    }

    @Test func changesOfTheRightShapeAreTaken() throws {
        var r = request()
        guard case .object(var ctx) = r.hookContext else { Issue.record("not an object"); return }
        ctx["name"] = .string("")
        ctx["env"] = .array([.string("C=3")])
        ctx["resources"] = .object(["cpus": .int(2), "pids_limit": .int(0)])
        try r.apply(hookContext: .object(ctx))
        #expect(r.name == nil && r.env == ["C=3"])
        #expect(r.resources.cpus == 2 && r.resources.memory == nil && r.resources.pidsLimit == nil)
    }

    @Test(arguments: [
        ("env", JSONValue.array([.string("NOEQUALS")]), "env to an invalid value (KEY=VALUE strings)"),
        ("image", .string(""), "image to an invalid value (an image reference)"),
        ("replace", .string("yes"), "replace to an invalid value (true or false)"),
        ("labels", .object(["k": .int(1)]), "labels to an invalid value (a table of strings)"),
        ("resources", .object(["memory": .int(1024)]), "resources.memory to an invalid value (bytes, at least 6 MiB)"),
        ("mounts", .array([.object(["type": .string("bind"), "source": .string("rel"), "target": .string("/x")])]),
         "mounts to an invalid value (a bind mount needs an absolute source)"),
        ("mounts", .array([.object(["type": .string("nfs"), "target": .string("/x")])]),
         "mounts to an invalid value (each needs type bind|volume|tmpfs and an absolute target)"),
        ("security", .object(["privileged": .string("no")]), "security to an invalid value (privileged and read_only are true or false)"),
    ])
    func wrongShapesAreRefused(_ field: String, _ value: JSONValue, _ message: String) {
        var r = request()
        guard case .object(var ctx) = r.hookContext else { Issue.record("not an object"); return }
        ctx[field] = value
        do { try r.apply(hookContext: .object(ctx)); Issue.record("accepted \(field)") } catch let e as HiveError {
            #expect(e.code == .denied && e.message == "a pre-create hook set " + message)
        } catch { Issue.record("\(error)") }
    }
}

@Suite struct CopyPathsTests {
    @Test func sides() throws {
        #expect(CopyPaths.split("web:/etc/hosts")! == ("web", "/etc/hosts"))
        #expect(CopyPaths.split("web:rel")! == ("web", "rel"))
        #expect(CopyPaths.split("./web:x") == nil && CopyPaths.split("dir/web:x") == nil && CopyPaths.split("plain") == nil)
        let out = try CopyPaths.endpoints("web:/a", "/tmp/b")
        #expect(out.container == "web" && out.path == "/a" && out.outOfContainer)
        let into = try CopyPaths.endpoints("/tmp/b", "web:a")
        #expect(into.container == "web" && into.path == "a" && !into.outOfContainer)
        for (s, d) in [("a:/x", "b:/y"), ("/x", "/y")] {
            do { _ = try CopyPaths.endpoints(s, d); Issue.record("accepted") } catch let e as HiveError {
                #expect(e.code == .invalidArgument && e.message.hasPrefix("copying between containers or between host paths is not supported"))
            }
        }
    }

    @Test func paths() throws {
        #expect(try CopyPaths.containerPath("etc/hosts") == "/etc/hosts")
        #expect(try CopyPaths.containerPath("/a/..b") == "/a/..b")
        #expect(throws: HiveError.self) { try CopyPaths.containerPath("/a/../b") }
        #expect(CopyPaths.baseName("/etc/hosts") == "hosts" && CopyPaths.baseName("dir/") == "dir" && CopyPaths.baseName("/") == "rootfs")
        #expect(CopyPaths.parentDirectory("/tmp/x") == "/tmp" && CopyPaths.parentDirectory("x") == "." && CopyPaths.parentDirectory("/x") == "")
    }
}

@Suite struct ContainerNameTests {
    @Test func validation() throws {
        #expect(try ContainerName.validate("/web-1.a_b") == "web-1.a_b")
        for bad in ["", "-web", "we b", "web/1", "_x"] { #expect(throws: HiveError.self) { try ContainerName.validate(bad) } }
    }

    @Test func generation() throws {
        let n = try ContainerName.generate { _ throws(HiveError) in false }
        #expect(n.split(separator: "_").count == 2 && ContainerName.adjectives.contains(String(n.split(separator: "_")[0])))
        let busy = try ContainerName.generate { _ throws(HiveError) in true }
        #expect(busy.hasPrefix("hive_") && busy.count == 17)
    }
}
