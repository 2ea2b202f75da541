import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import Testing

@testable import HiveHooks

/// A hooks directory of its own, removed afterwards.
final class HookDir {
    let path: String
    let cache: String
    var logs: [String] = []

    init() {
        var t = Array("/tmp/hive-hooks-XXXXXX".utf8CString)
        path = t.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        cache = path + "/.cache"
        mkdir(cache, 0o700)
    }

    deinit { try? FileTree.remove(path: path) }

    func add(_ name: String, _ source: String, mode: mode_t = 0o644) {
        try! Files.write(path + "/" + name, source)
        chmod(path + "/" + name, mode)
    }

    func hooks(_ config: HiveConfig = HiveConfig(), logLevel: Hooks.LogLevel = .debug) -> Hooks {
        let h = Hooks(config: config, hooksDirs: [path], cacheDir: cache, logLevel: logLevel)
        h.write = { [unowned self] in self.logs.append($0) }
        return h
    }
}

func limits(instructions: Int64 = 1_000_000, timeout: Int64 = 300_000_000, memory: Int64 = 8 << 20) -> HiveConfig {
    var c = HiveConfig()
    c.limits = .init(instructions: instructions, timeoutNanos: timeout, memory: memory)
    return c
}

let createContext: JSONValue = .object([
    "name": .string("web"), "image": .string("busybox"), "labels": .object(["team": .string("a")]),
    "env": .array([.string("A=1")]), "privileged": .bool(false),
])

@Suite struct HookEngineTests {
    @Test func preCreateMayChangeAllowedFieldsAndDeny() throws {
        let d = HookDir()
        d.add("10-name.lua", """
            hive.on("pre-create", function(c)
              c.name = c.labels.team .. "-" .. c.name
              table.insert(c.env, "B=2")
            end)
            """)
        d.add("20-deny.lua", """
            hive.on("pre-create", function(c)
              if c.privileged then hive.deny("no privileged containers here") end
            end, {when = {image = "busy*"}})
            """)
        let h = d.hooks()
        let (out, changes) = try h.run(.preCreate, createContext, subject: .init(image: "busybox"))
        #expect(out["name"] == .string("a-web"))
        #expect(out["env"] == .array([.string("A=1"), .string("B=2")]))
        #expect(changes.map(\.field) == ["env", "name"])
        var priv = createContext.objectValue!
        priv["privileged"] = .bool(true)
        #expect(throws: HiveError.self) { try h.run(.preCreate, .object(priv), subject: .init(image: "busybox")) }
        do { _ = try h.run(.preCreate, .object(priv), subject: .init(image: "busybox")) } catch {
            #expect(error.message.contains("no privileged containers here"))
            #expect(error.message.contains("20-deny.lua"))
        }
        // the when= condition: another image is not seen by the deny hook
        _ = try h.run(.preCreate, .object(priv), subject: .init(image: "alpine"))
    }

    @Test func preStartAllowsOrDenies() throws {
        let d = HookDir()
        d.add("a.lua", "hive.on('pre-start', function(c) c.name = 'ignored' if c.labels.team == 'no' then hive.deny('nope') end end)")
        let h = d.hooks()
        let (out, changes) = try h.run(.preStart, createContext)
        #expect(changes.isEmpty && out == createContext)
        var denied = createContext.objectValue!
        denied["labels"] = .object(["team": .string("no")])
        #expect(throws: HiveError.self) { try h.run(.preStart, .object(denied)) }
    }

    @Test func readOnlyFieldsCannotChange() throws {
        let d = HookDir()
        d.add("a.lua", "hive.on('pre-create', function(c) c.privileged = true end)")
        #expect(throws: HiveError.self) { try d.hooks().run(.preCreate, createContext) }
    }

    @Test func errorsNameScriptLineAndEvent() throws {
        let d = HookDir()
        d.add("10-names.lua", "local x\nhive.on('post-create', function(c)\n  return x.y\nend)\n")
        let h = d.hooks()
        _ = try h.run(.postCreate, createContext)  // logged, not thrown
        #expect(d.logs.contains { $0.contains("hook \(d.path)/10-names.lua:3 (post-create): attempt to index a nil value") })
        d.add("20-pre.lua", "hive.on('pre-start', function(c) error('boom') end)")
        let h2 = d.hooks()
        do { _ = try h2.run(.preStart, createContext); Issue.record("pre-start should fail closed") } catch {
            #expect(error.message.contains("20-pre.lua:1 (pre-start): boom"))
        }
    }

    @Test func hostileHooksFailWithinTheirBudgets() throws {
        let cases: [(String, String)] = [
            ("loop", "while true do end"),
            ("pcall-loop", "while true do pcall(function() while true do end end) end"),
            ("memory", "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end"),
            ("rep", "local s = string.rep('x', 4 * 1024 * 1024 * 1024)"),
            ("execute", "os.execute('touch /tmp/hive-pwned')"),
            ("io", "io.open('/etc/shadow')"),
            ("require", "require 'os'"),
            ("bytecode", "load(string.dump(function() end))"),
            ("bytecode2", "assert(load('\\27Lua'))"),
            ("debug", "debug.sethook()"),
            ("setmetatable", "setmetatable(hive, {})"),
            ("rawset", "rawset(hive, 'deny', function() end)"),
            ("assign", "hive.deny = nil"),
            ("log-assign", "hive.log.info = nil"),
            ("coroutine", "local co = coroutine.wrap(function() while true do end end) co()"),
            ("gc", "collectgarbage('stop')"),
            ("dofile", "dofile('/etc/passwd')"),
            ("loadfile", "loadfile('/etc/passwd')"),
        ]
        for (name, body) in cases {
            let d = HookDir()
            d.add("h.lua", "hive.on('pre-create', function(c) \(body) end)\nhive.on('post-create', function(c) \(body) end)")
            let h = d.hooks(limits())
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let start = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
            #expect(throws: HiveError.self, "\(name) should be denied") { try h.run(.preCreate, createContext) }
            _ = try h.run(.postCreate, createContext)  // logged; the operation goes on
            #expect(d.logs.contains { $0.contains("h.lua") }, "\(name): \(d.logs)")
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let took = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec) - start
            #expect(took < 3_000_000_000, "\(name) took \(took / 1_000_000) ms")
        }
        #expect(access("/tmp/hive-pwned", F_OK) != 0)
    }

    @Test func theDeadlineStopsWhatTheInstructionBudgetAllows() throws {
        let d = HookDir()
        d.add("slow.lua", "hive.on('pre-create', function(c) local s = 0 for i = 1, 1e12 do s = s + i end end)")
        let h = d.hooks(limits(instructions: Int64.max / 2, timeout: 100_000_000))
        do { _ = try h.run(.preCreate, createContext); Issue.record("should time out") } catch {
            #expect(error.message.contains("exceeded its time budget (deadline of 100 ms)"))
        }
    }

    @Test func aStateStaysUsableAfterItsBudgetIsSpent() throws {
        let d = HookDir()
        d.add("a.lua", """
            local n = 0
            hive.on('post-create', function(c) n = n + 1 if n == 1 then while true do end end end)
            hive.on('pre-create', function(c) c.labels.calls = tostring(n) end)
            """)
        let h = d.hooks(limits())
        _ = try h.run(.postCreate, createContext)
        _ = try h.run(.postCreate, createContext)
        let (out, _) = try h.run(.preCreate, createContext)
        #expect(out["labels"]?["calls"] == .string("2"))
    }

    @Test func writableOrForeignFilesAreRefused() throws {
        let d = HookDir()
        d.add("bad.lua", "hive.on('pre-create', function(c) end)", mode: 0o664)
        do { _ = try d.hooks().run(.preCreate, createContext); Issue.record("group-writable hook accepted") } catch {
            #expect(error.message.contains("writable by group or others"))
        }
        d.add("bad.lua", "hive.on('pre-create', function(c) end)", mode: 0o644)
        chown(d.path + "/bad.lua", 1000, 0)
        do { _ = try d.hooks().run(.preCreate, createContext); Issue.record("foreign hook accepted") } catch {
            #expect(error.message.contains("owned by uid 1000"))
        }
    }

    @Test func orderIsPluginsThenSiteHooksByNameThenPriority() throws {
        let d = HookDir()
        let plugins = HookDir()
        mkdir(plugins.path + "/policy", 0o755)
        // plugins run again after site hooks change something, so they are written to be idempotent
        try Files.write(plugins.path + "/policy/p.lua", """
            hive.on('pre-create', function(c)
              if (c.labels.order or ''):sub(1, 1) ~= 'P' then c.labels.order = 'P' .. (c.labels.order or '') end
            end)
            """)
        d.add("20-b.lua", "hive.on('pre-create', function(c) c.labels.order = c.labels.order .. 'B' end)")
        d.add("10-a.lua", """
            hive.on('pre-create', function(c) c.labels.order = c.labels.order .. 'A' end)
            hive.on('pre-create', function(c) c.labels.order = c.labels.order .. 'a' end, {priority = 10})
            """)
        var c = limits()
        c.pluginDirs = [plugins.path]
        c.enabledPlugins = ["policy/p"]
        let (out, _) = try d.hooks(c).run(.preCreate, createContext)
        #expect(out["labels"]?["order"] == .string("PaAB"))
    }

    @Test func aSiteHookCannotUndoAPluginPolicy() throws {
        let d = HookDir()
        let plugins = HookDir()
        mkdir(plugins.path + "/policy", 0o755)
        try Files.write(plugins.path + "/policy/no-root.lua", """
            hive.on('pre-create', function(c) if c.name == 'root' then hive.deny('root is reserved') end end)
            """)
        d.add("50-rename.lua", "hive.on('pre-create', function(c) c.name = 'root' end)")
        var c = limits()
        c.pluginDirs = [plugins.path]
        c.enabledPlugins = ["policy/no-root"]
        do { _ = try d.hooks(c).run(.preCreate, createContext); Issue.record("site hook overrode the policy") } catch {
            #expect(error.message.contains("root is reserved"))
        }
    }

    @Test func noLuaWhenNobodyListens() throws {
        let d = HookDir()
        d.add("a.lua", "hive.on('on-remove', function(c) end)")
        let h = d.hooks()
        #expect(try h.listens(.onRemove))
        #expect(try !h.listens(.preCreate))
        // a second engine answers from the index without loading the file
        let h2 = d.hooks()
        #expect(try !h2.listens(.postStart))
        #expect(h2.loadedScripts == 0)
        // an edited file is read again
        d.add("a.lua", "hive.on('post-start', function(c) end)")
        let h3 = d.hooks()
        #expect(try h3.listens(.postStart))
    }

    @Test func configAndQueriesReachTheScript() throws {
        final class Host: HookHost {
            func hookQuery(_ op: String, _ arg: JSONValue) throws -> JSONValue {
                op == "images" ? .array([.object(["id": .string("abc")])]) : .null
            }
        }
        let host = Host()
        let d = HookDir()
        d.add("q.lua", """
            hive.on('pre-create', function(c)
              c.labels.limit = tostring(hive.config.limit)
              c.labels.first = hive.images()[1].id
              c.labels.now = tostring(hive.now() > 0)
            end)
            """)
        var c = limits()
        c.pluginConfig["q"] = .object(["limit": .int(3)])
        let h = d.hooks(c)
        h.host = host
        let (out, _) = try h.run(.preCreate, createContext)
        #expect(out["labels"]?["limit"] == .string("3"))
        #expect(out["labels"]?["first"] == .string("abc"))
        #expect(out["labels"]?["now"] == .string("true"))
    }

    @Test func execIsForSystemHooksOnly() throws {
        let d = HookDir()
        d.add("net.lua", """
            hive.on('pre-create', function(c)
              local r = hive.exec({"/bin/echo", "wired", c.name})
              c.labels.out = r.stdout
            end)
            """)
        let (out, _) = try d.hooks().run(.preCreate, createContext)
        #expect(out["labels"]?["out"] == .string("wired web\n"))
        let plugins = HookDir()
        mkdir(plugins.path + "/policy", 0o755)
        try Files.write(plugins.path + "/policy/x.lua", "hive.on('pre-create', function(c) hive.exec({'/bin/true'}) end)")
        var c = limits()
        c.pluginDirs = [plugins.path]
        c.enabledPlugins = ["policy/x"]
        let empty = HookDir()
        do { _ = try empty.hooks(c).run(.preCreate, createContext); Issue.record("a policy plugin ran hive.exec") } catch {
            #expect(error.message.contains("exec"))
        }
    }

    @Test func aHandlerThatChangesNothingIsSeenAsUnchanged() throws {
        let d = HookDir()
        let h = d.hooks()
        let vm = try LuaVM(limits: .init(), hooks: h)
        let script = try vm.load(path: d.path + "/x.lua", source: { Array("hive.on('pre-create', function(c) local _ = c.name end)".utf8) },
                                 tier: .site, allowExec: false, config: .object([:])).script
        var ctx = createContext.objectValue!
        ctx["resources"] = .object(["memory": .int(64 << 20), "cpus": .double(1.5), "pids_limit": .int(2048)])
        ctx["mounts"] = .array([])
        ctx["entrypoint"] = .null
        let outcome = vm.call(script.handlers[0], encoded: JSONValue.object(ctx).luaEncoded, wantResult: true)
        guard case .unchanged = outcome else { Issue.record("expected unchanged, got \(outcome)"); return }
    }

    @Test func eachFileHasItsOwnEnvironment() throws {
        let d = HookDir()
        d.add("10-vandal.lua", """
            -- the libraries are shared, read-only views: changing them fails
            assert(not pcall(function() string.upper = nil end))
            assert(not pcall(function() table.insert = function() error("hijacked") end end))
            assert(not pcall(function() rawset(string, "upper", nil) end))
            assert(not pcall(function() os.time = nil end))
            assert(not pcall(setmetatable, string, {}))
            shared = "from 10"
            load("leaked = true")()
            hive.on('pre-create', function(c) end)
            """)
        d.add("20-victim.lua", """
            hive.on('pre-create', function(c)
              table.insert(c.env, string.upper("ok") .. tostring(shared) .. tostring(leaked) .. type(os.time))
              c.labels.meta = tostring(getmetatable(""))
            end)
            """)
        let (out, _) = try d.hooks().run(.preCreate, createContext)
        #expect(out["env"] == .array([.string("A=1"), .string("OKnilnilfunction")]))
        #expect(out["labels"]?["meta"] == .string("locked"))
    }

    @Test func eachHandlerSeesWhatThePreviousLeftAndMayUndoIt() throws {
        let d = HookDir()
        d.add("10-a.lua", "hive.on('pre-create', function(c) c.name = 'tmp'; c.labels.a = '1' end)")
        d.add("20-b.lua", "hive.on('pre-create', function(c) assert(c.name == 'tmp' and c.labels.a == '1'); c.name = 'web' end)")
        d.add("30-c.lua", "hive.on('pre-create', function(c) c.labels.seen = c.name .. c.labels.a end)")
        let (out, changes) = try d.hooks().run(.preCreate, createContext)
        #expect(out["name"] == .string("web"))
        #expect(out["labels"] == .object(["team": .string("a"), "a": .string("1"), "seen": .string("web1")]))
        #expect(changes.map { "\($0.script.split(separator: "/").last!):\($0.field)" } == ["10-a.lua:labels", "10-a.lua:name", "20-b.lua:name", "30-c.lua:labels"])
    }

    @Test func removedAndOddFieldsAreSeenAsChanges() throws {
        // only the changed fields come back from Lua; a removed one counts, and so does a non-string key
        for (body, want) in [("c.privileged = nil", "changed privileged"), ("c[1] = 'x'", "changed 1"),
                             ("c.env = nil", "")] {
            let d = HookDir()
            d.add("a.lua", "hive.on('pre-create', function(c) \(body) end)")
            do {
                let (out, changes) = try d.hooks().run(.preCreate, createContext)
                #expect(want.isEmpty, "\(body) was accepted")
                #expect(out["env"] == nil && changes.map(\.field) == ["env"], "\(body): \(out)")
            } catch {
                #expect(!want.isEmpty && error.message.contains(want), "\(body): \(error.message)")
            }
        }
    }

    @Test func eventsOnOneBaseEachGetAFreshCopy() throws {
        // a container's fields that stay the same are decoded once; each event gets its own copy
        let d = HookDir()
        d.add("a.lua", """
            hive.on('post-start', function(c) hive.log.warn('start ' .. c.name .. ' ' .. c.state .. ' ' .. tostring(c.labels.x)); c.labels.x = 'dirty' end)
            hive.on('on-exit', function(c) hive.log.warn('exit ' .. c.name .. ' ' .. c.state .. ' ' .. c.status .. ' ' .. tostring(c.labels.x)) end)
            """)
        let h = d.hooks(logLevel: .warn)
        let base = Hooks.Base(key: "c1", value: .object(["name": .string("web"), "labels": .object(["team": .string("a")])]))
        _ = try h.run(.postStart, .object(["state": .string("running")]), base: base)
        _ = try h.run(.onExit, .object(["state": .string("exited"), "status": .int(3)]), base: base)
        #expect(d.logs.contains { $0.hasSuffix("start web running nil") }, "\(d.logs)")
        #expect(d.logs.contains { $0.hasSuffix("exit web exited 3 nil") }, "\(d.logs)")
    }

    @Test func garbageIsCollectedAtTheMemoryCap() throws {
        // the collector takes no steps of its own: the cap's emergency collection frees garbage
        let d = HookDir()
        d.add("g.lua", """
            hive.on('pre-create', function(c)
              for i = 1, 4000 do local s = string.rep('x', 10000) .. i end
              c.labels.kb = tostring(collectgarbage('count') < 8 * 1024)
            end)
            """)
        // what is measured is memory: a loaded 2-core machine running a debug build takes
        // longer than the default 300 ms for 40 MB of collections, so time is not the limit here
        let (out, _) = try d.hooks(limits(instructions: 100_000_000, timeout: 10_000_000_000, memory: 8 << 20)).run(.preCreate, createContext)
        #expect(out["labels"]?["kb"] == .string("true"))
    }

    @Test func librariesOpenOnFirstUseAndStayReadOnly() throws {
        let d = HookDir()
        d.add("a.lua", """
            hive.on('pre-create', function(c)
              assert(os.execute == nil and os.getenv == nil and os.remove == nil)
              assert(not pcall(function() math.pi = 3 end))
              assert(not pcall(function() utf8.x = 1 end))
              assert(not pcall(function() table.concat = nil end))
              c.labels.libs = table.concat({math.floor(2.5), utf8.char(72), type(os.clock()), os.date('!%Y', 0)}, ',')
            end)
            """)
        let (out, _) = try d.hooks().run(.preCreate, createContext)
        #expect(out["labels"]?["libs"] == .string("2,H,number,1970"))
    }

    @Test func eachFileSeesItsOwnConfigAndCannotReplaceIt() throws {
        let d = HookDir()
        d.add("a.lua", "local mine = hive.config\nhive.on('pre-create', function(c) c.labels.a = tostring(hive.config.v) .. tostring(mine == hive.config) end)")
        d.add("b.lua", """
            hive.on('pre-create', function(c)
              c.labels.b = tostring(hive.config.v)
              c.labels.write = tostring(pcall(function() hive.config = {v = 'x'} end))
            end)
            """)
        var c = HiveConfig()
        c.pluginConfig["a"] = .object(["v": .int(1)])
        c.pluginConfig["b"] = .object(["v": .int(2)])
        let (out, _) = try d.hooks(c).run(.preCreate, createContext)
        #expect(out["labels"]?["a"] == .string("1true"))
        #expect(out["labels"]?["b"] == .string("2"))
        #expect(out["labels"]?["write"] == .string("false"))
    }

    @Test func theCacheBundleIsRebuiltWhenDamagedOrStale() throws {
        let d = HookDir()
        d.add("a.lua", "hive.on('pre-create', function(c) c.labels.v = 'one' end)")
        _ = try d.hooks().run(.preCreate, createContext)
        let bundles = { Files.names(in: d.cache + "/hooks").filter { $0.hasSuffix(".bundle") } }
        #expect(bundles().count == 1)
        // a later engine loads the compiled chunk from the bundle
        let (out, _) = try d.hooks().run(.preCreate, createContext)
        #expect(out["labels"]?["v"] == .string("one"))
        // a chunk that does not load (its signature damaged): the file is
        // loaded from its text, and the bundle is dropped and made again
        let path = d.cache + "/hooks/" + bundles()[0]
        let good = Files.read(path)!
        var bytes = good
        let at = (0..<(bytes.count - 4)).first { bytes[$0] == 0x1b && bytes[$0 + 1...$0 + 3].elementsEqual("Lua".utf8) }!
        bytes[at + 3] = UInt8(ascii: "x")
        try Files.write(path, bytes: bytes)
        let (again, _) = try d.hooks().run(.preCreate, createContext)
        #expect(again["labels"]?["v"] == .string("one"))
        #expect(bundles().isEmpty)
        _ = try d.hooks().run(.preCreate, createContext)
        #expect(Files.read(path) == good)
        // a truncated bundle is not read at all
        try Files.write(path, bytes: Array(good.prefix(good.count / 2)))
        let (cut, _) = try d.hooks().run(.preCreate, createContext)
        #expect(cut["labels"]?["v"] == .string("one"))
        #expect(Files.read(path) == good)
        // an edited file: a new bundle, the new text runs
        d.add("a.lua", "hive.on('pre-create', function(c) c.labels.v = 'two' end)")
        let (edited, _) = try d.hooks().run(.preCreate, createContext)
        #expect(edited["labels"]?["v"] == .string("two"))
        #expect(bundles().count == 2)
    }

    @Test func unknownEventsAndLateRegistrationsAreErrors() throws {
        let d = HookDir()
        d.add("a.lua", "hive.on('post-crate', function(c) end)")
        do { _ = try d.hooks().run(.preCreate, createContext); Issue.record("unknown event accepted") } catch {
            #expect(error.message.contains("unknown event \"post-crate\""))
        }
    }
}

@Suite struct ConfigTests {
    @Test func parsesHiveToml() throws {
        let c = try HiveConfig.parse("""
            # site configuration
            [hooks]
            dirs = ["/etc/hive/hooks.d", '/srv/hooks']
            timeout = "250ms"
            memory = "16m"

            [plugins]
            enabled = [
              "policy/no-privileged",   # first
              "naming/template",
            ]

            [plugins."naming/template"]
            template = "{label.team}-{image}-{n}"

            [gc]
            high_watermark = 90
            low_watermark = 70
            min_age = "10m"
            keep = 3

            [cgroups]
            favordynmods = false
            devices = "bpf"
            """, file: "hive.toml")
        #expect(!c.cgroupFavorDynmods)
        #expect(HiveConfig().cgroupFavorDynmods)
        #expect(c.cgroupDevices == "bpf" && HiveConfig().cgroupDevices == "auto")
        #expect(c.hookDirs == ["/etc/hive/hooks.d", "/srv/hooks"])
        #expect(c.limits.timeoutNanos == 250_000_000)
        #expect(c.limits.memory == 16 << 20)
        #expect(c.enabledPlugins == ["policy/no-privileged", "naming/template"])
        #expect(c.pluginConfig["naming/template"]?["template"] == .string("{label.team}-{image}-{n}"))
        #expect(c.gc.highWatermark == 90 && c.gc.lowWatermark == 70 && c.gc.keep == 3 && c.gc.minAge == 600_000_000_000)
    }

    @Test func errorsNameTheLine() throws {
        for (text, want) in [
            ("[hooks]\ntimeout = 5", "hooks.timeout must be a duration"),
            ("[gc]\nkeep = \"x\"", "gc.keep must be an integer"),
            ("[hooks]\nfoo = 1", "unknown key hooks.foo"),
            ("[nope]\n", "unknown section [nope]"),
            ("[hooks]\ndirs = [\"a\"\n\nx", "hive.toml:4"),
            ("a = \"unterminated\n", "hive.toml:1: unterminated string"),
            ("[plugins]\nenabled = [\"../x\"]", "invalid plugin name"),
            ("[cgroups]\nfavordynmods = \"yes\"", "cgroups.favordynmods must be true or false"),
            ("[cgroups]\nfoo = true", "unknown key cgroups.foo"),
            ("[cgroups]\ndevices = \"off\"", "cgroups.devices must be \"auto\", \"v1\", \"bpf\" or \"both\""),
        ] {
            do { _ = try HiveConfig.parse(text, file: "hive.toml"); Issue.record("accepted: \(text)") } catch {
                #expect(error.message.contains(want), "\(error.message) lacks \(want)")
            }
        }
    }

    @Test func eventOrdinalsFollowTheDeclarationOrder() {
        // the events index on disk stores one bit per event at this position
        #expect(HookEvent.ordered == HookEvent.allCases)
        for (i, e) in HookEvent.ordered.enumerated() { #expect(e.ordinal == i, "\(e.rawValue)") }
        #expect(HookEvent.ordered.filter(\.isPre).map(\.rawValue) == HookEvent.ordered.map(\.rawValue).filter { $0.hasPrefix("pre-") })
    }

    @Test func luaCodecRoundTrips() {
        let v: JSONValue = .object(["a": .array([.int(-3), .double(1.5), .string("x:y\u{0}z"), .bool(true)]), "b": .object([:])])
        #expect(JSONValue.luaDecoded(v.luaEncoded) == v)
        #expect(JSONValue.luaDecoded(Array("s5:ab".utf8)) == nil)
        #expect(JSONValue.int(0).luaEncoded == Array("i0;".utf8))
        #expect(JSONValue.int(-120).luaEncoded == Array("i-120;".utf8))
        #expect(JSONValue.int(.min).luaEncoded == Array("i-9223372036854775808;".utf8))
        #expect(JSONValue.double(3).luaEncoded == Array("d3;".utf8))
        #expect(JSONValue.string("abc").luaEncoded == Array("s3:abc".utf8))
        // object keys in byte order, as the C side sorts them: "z" (0x7a) before "é" (0xc3)
        #expect(JSONValue.object(["é": .int(1), "z": .int(2), "a": .null]).luaEncoded == Array("{s1:zi2;s2:éi1;}".utf8))
    }
}
