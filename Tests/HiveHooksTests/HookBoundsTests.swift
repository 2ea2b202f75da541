import Glibc
import HiveOCI
import HivePlatform
import Testing

@testable import HiveHooks

/// Nanoseconds on the monotonic clock.
private func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// What the count hook does not reach: finalizers, pattern matching inside
/// one C call, instructions that each take milliseconds. Whatever a hook
/// does, the event ends by its deadline plus a small margin; pre-* events
/// are refused, the others logged. (What no step counter reaches ends the
/// process: that last resort is tried by Tests/system/136-hook-bounds.bats.)
@Suite struct HookBoundsTests {
    static let deadline: Int64 = 300_000_000
    /// The deadline plus the watchdog's margin plus room for a loaded machine.
    static let bound: Int64 = deadline + 250_000_000 + 700_000_000

    /// Runs `body` in a pre-create handler (must be refused, naming the file
    /// and the spent budget) and in a post-create one (logged; run returns),
    /// each within `bound`.
    func expectBounded(_ name: String, _ body: String, instructions: Int64 = 1_000_000_000, message: String = "exceeded its time budget",
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let d = HookDir()
        d.add("h.lua", "hive.on('pre-create', function(c) \(body) end)\nhive.on('post-create', function(c) \(body) end)")
        let h = d.hooks(limits(instructions: instructions, timeout: HookBoundsTests.deadline, memory: 32 << 20))
        var start = now()
        do {
            _ = try h.run(.preCreate, createContext)
            Issue.record("\(name): pre-create was not refused", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains("h.lua"), "\(name): \(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(message), "\(name): \(error.message)", sourceLocation: sourceLocation)
        }
        var took = now() - start
        #expect(took < HookBoundsTests.bound, "\(name): pre-create took \(took / 1_000_000) ms", sourceLocation: sourceLocation)
        start = now()
        _ = try h.run(.postCreate, createContext)  // logged; the operation goes on
        took = now() - start
        #expect(d.logs.contains { $0.contains("h.lua") && $0.contains("post-create") && $0.contains(message) }, "\(name): \(d.logs)",
                sourceLocation: sourceLocation)
        #expect(took < HookBoundsTests.bound, "\(name): post-create took \(took / 1_000_000) ms", sourceLocation: sourceLocation)
    }

    @Test func finalizersCannotBeSet() throws {
        // Lua runs __gc with hooks off: the loop would never meet a budget
        try expectBounded("gc-collect", "setmetatable({}, {__gc = function() while true do end end}); collectgarbage()",
                          message: "__gc metamethods are not allowed")
        // a __gc added after setmetatable is never called (Lua marks objects only at setmetatable)
        try expectBounded("gc-late", """
            local mt = {} local t = setmetatable({}, mt) mt.__gc = function() while true do end end
            t = nil collectgarbage() error("no finalizer ran")
            """, message: "no finalizer ran")
        try expectBounded("gc-placeholder", "setmetatable({}, {__gc = true})", message: "__gc metamethods are not allowed")
    }

    @Test func anObjectLeftForStateCloseCannotHangTheEnd() throws {
        let d = HookDir()
        d.add("h.lua", """
            keep = {}
            hive.on('post-create', function(c)
              keep[#keep + 1] = setmetatable({}, {__gc = function() while true do end end})
            end)
            """)
        let start = now()
        do {
            let h = d.hooks(limits(timeout: HookBoundsTests.deadline))
            _ = try h.run(.postCreate, createContext)
            #expect(d.logs.contains { $0.contains("__gc metamethods are not allowed") }, "\(d.logs)")
        }  // the engine and its Lua state are gone here (lua_close)
        #expect(now() - start < HookBoundsTests.bound)
    }

    @Test func catastrophicPatternsMeetTheBudgets() throws {
        let subject = "local s = ('a'):rep(30000) "
        for (name, body) in [
            ("find", subject + "s:find(('a*'):rep(28) .. 'b')"),
            ("match", subject + "string.match(s, ('a-'):rep(20) .. 'b')"),
            ("gmatch", subject + "for x in s:gmatch('(a*)(a*)(a*)b') do end"),
            ("gsub", subject + "s:gsub('.-.-.-.-b', 'x')"),
            ("backref", subject + "s:find('(a*)%1%1%1b')"),
            ("pcall", subject + "while true do pcall(string.find, s, ('a*'):rep(28) .. 'b') end"),
        ] {
            try expectBounded(name, body)
        }
        // and within the instruction budget alone (no deadline in sight)
        let d = HookDir()
        d.add("p.lua", "hive.on('pre-create', function(c) local s = ('a'):rep(30000) s:find(('a*'):rep(28) .. 'b') end)")
        do {
            _ = try d.hooks(limits(instructions: 1_000_000, timeout: 60_000_000_000)).run(.preCreate, createContext)
            Issue.record("not refused")
        } catch {
            #expect(error.message.contains("exceeded its time budget (1000000 instructions)"), "\(error.message)")
        }
    }

    @Test func patternsGiveTheStandardResults() throws {
        // (the matcher was also compared with Lua's on random inputs; these are the cases hooks use)
        let d = HookDir()
        d.add("p.lua", """
            local r = {}
            local function add(...) local t = table.pack(...) for i = 1, t.n do r[#r + 1] = tostring(t[i]) end r[#r + 1] = '|' end
            add(("docker.io/library/busybox:1.36"):match("^([^/]+)/(.-):([^:/]+)$"))
            add(("hello world"):find("o w"))
            add(("hello world"):find("o", 6))
            add(("a.b"):find(".", 1, true))
            add(("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
            add(("THE (quick) fox"):find("%((%a+)%)"))
            add(("f(a(b)c)d"):match("%b()"))
            add(("THE (quick) fox"):gsub("%f[%a]%a+", string.lower))
            add(("abc"):gsub("", "-"))
            add(("hello"):gsub("l", {l = "L"}))
            add(("x=1, y=2"):gsub("(%w+)=(%w+)", "%2=%1"))
            add(("abc"):gsub("%w", "%0%0", 2))
            add(("  trim  "):match("^%s*(.-)%s*$"))
            add(("hello"):find("()ll()"))
            add(("aaa"):match("^(a-)a$"))
            add(("[x]"):match("^%[(.*)%]$"))
            add(("abcabc"):find("(abc)%1"))
            local g = {} for k, v in ("a=1,b=2"):gmatch("(%w+)=(%w+)") do g[#g + 1] = k .. v end add(table.concat(g, ","))
            add(pcall(string.find, "x", "%"))
            add(pcall(string.find, "x", "[a"))
            add(pcall(string.gsub, "x", "x", "%9"))
            hive.on('pre-create', function(c) c.labels.r = table.concat(r, " ") end)
            """)
        let (out, _) = try d.hooks().run(.preCreate, createContext)
        #expect(out["labels"]?["r"] == .string([
            "docker.io library/busybox 1.36 |", "5 7 |", "8 8 |", "2 2 |", "key value |", "5 11 quick |", "(a(b)c) |",
            "the (quick) fox 3 |", "-a-b-c- 4 |", "heLLo 2 |", "1=x, 2=y 2 |", "aabbc 2 |", "trim |", "3 4 3 5 |", "aa |",
            "x |", "1 6 abc |", "a1,b2 |",
            "false malformed pattern (ends with '%') |", "false malformed pattern (missing ']') |",
            "false invalid capture index %9 |",
        ].joined(separator: " ")))
    }

    @Test func aSlowInstructionCannotStretchTheDeadline() throws {
        // each collection walks 200 000 tables (milliseconds), a few VM
        // instructions each: the count hook alone would look at the clock
        // only every ~300 collections; the watchdog's timer makes it look at once
        try expectBounded("slow-instructions", "local t = {} for i = 1, 2e5 do t[i] = {} end while true do collectgarbage() end")
        // a big parse in load() is charged before it runs
        let d = HookDir()
        d.add("l.lua", "hive.on('pre-create', function(c) load(('x = 1 '):rep(3e6)) end)")
        do {
            _ = try d.hooks(limits(instructions: 500_000, timeout: 60_000_000_000, memory: 64 << 20)).run(.preCreate, createContext)
            Issue.record("not refused")
        } catch {
            #expect(error.message.contains("exceeded its time budget"), "\(error.message)")
        }
    }

    @Test func hiveExecEndsByTheHooksDeadline() throws {
        let d = HookDir()
        d.add("e.lua", "hive.on('pre-create', function(c) hive.exec({'/bin/sleep', '5'}) end)")
        let start = now()
        do { _ = try d.hooks(limits(timeout: HookBoundsTests.deadline)).run(.preCreate, createContext); Issue.record("not refused") } catch {
            #expect(error.message.contains("did not finish within"), "\(error.message)")
        }
        #expect(now() - start < HookBoundsTests.bound)
    }
}

/// The cache bundle is keyed by what can change registration, not just the files.
@Suite struct HookCacheKeyTests {
    @Test func aPolicySwitchedOnInHiveTomlAppliesAtOnce() throws {
        let d = HookDir()
        d.add("10-policy.lua", """
            if hive.config.enabled then
              hive.on('pre-create', function(c) hive.deny('policy on') end)
            end
            """)
        var off = HiveConfig()
        off.pluginConfig["10-policy"] = .object(["enabled": .bool(false)])
        _ = try d.hooks(off).run(.preCreate, createContext)  // allowed, and the bundle says: no pre-create
        #expect(try !d.hooks(off).listens(.preCreate))
        var on = off
        on.pluginConfig["10-policy"] = .object(["enabled": .bool(true)])
        do { _ = try d.hooks(on).run(.preCreate, createContext); Issue.record("the policy switched on was skipped") } catch {
            #expect(error.message.contains("policy on"))
        }
        // and back: each configuration has its own bundle
        _ = try d.hooks(off).run(.preCreate, createContext)
        do { _ = try d.hooks(on).run(.preCreate, createContext); Issue.record("skipped") } catch {}
    }

    @Test func aFileWhoseRegistrationReadsTheClockIsLoadedForEveryEvent() throws {
        let d = HookDir()
        // registers (or not) by the time it loads: no bundle can say what it will register next time
        d.add("t.lua", "if os.time() % 2 == 7 then hive.on('pre-create', function(c) end) end")
        d.add("r.lua", "if math.random() > 2 then hive.on('pre-create', function(c) end) end")
        d.add("n.lua", "if hive.now() < 0 then hive.on('pre-create', function(c) end) end")
        d.add("plain.lua", "hive.on('on-remove', function(c) end)")
        _ = try d.hooks().run(.preCreate, createContext)
        let h = d.hooks()
        #expect(try h.listens(.preCreate))  // from the bundle: those three files are always asked
        #expect(try h.listens(.postStart))
        _ = try h.run(.preCreate, createContext)
        #expect(h.loadedScripts == 3)
    }

    @Test func theKeyCoversDirectoriesLimitsAndPlugins() throws {
        let d = HookDir()
        d.add("a.lua", "hive.on('pre-create', function(c) end)")
        let base = d.hooks()
        let fs = try base.discover()
        let k0 = base.registrationInputs(fs)
        var c = HiveConfig()
        c.limits.instructions += 1
        #expect(d.hooks(c).registrationInputs(fs) != k0)
        c = HiveConfig()
        c.enabledPlugins = ["x/y"]
        #expect(d.hooks(c).registrationInputs(fs) != k0)
        c = HiveConfig()
        c.pluginDirs = ["/elsewhere"]
        #expect(d.hooks(c).registrationInputs(fs) != k0)
        let other = Hooks(config: HiveConfig(), hooksDirs: [d.path, "/x"], cacheDir: d.cache)
        #expect(other.registrationInputs(fs) != k0)
        #expect(d.hooks().registrationInputs(fs) == k0)  // and stable across engines (sorted keys)
    }

    @Test func aConfigurationAnyoneCouldWriteIsRefused() throws {
        let d = HookDir()
        let path = d.path + "/hive.toml"
        try Files.write(path, "[hooks]\ntimeout = \"1s\"\n", mode: 0o644)
        chmod(path, 0o644)
        #expect(try HiveConfig.load(path: path).limits.timeoutNanos == 1_000_000_000)
        chmod(path, 0o664)
        do { _ = try HiveConfig.load(path: path); Issue.record("group-writable hive.toml accepted") } catch {
            #expect(error.message == "the configuration \(path) is refused: it is writable by group or others (chmod go-w \(path))")
        }
        chmod(path, 0o644)
        chown(path, 1000, 0)
        do { _ = try HiveConfig.load(path: path); Issue.record("foreign hive.toml accepted") } catch {
            #expect(error.message.contains("owned by uid 1000"))
        }
        chown(path, 0, 0)
        chmod(d.path, 0o777)
        do { _ = try HiveConfig.load(path: path); Issue.record("hive.toml in a writable directory accepted") } catch {
            #expect(error.message.contains("directory \(d.path) of \(path) is refused"))
        }
        chmod(d.path, 0o1777)  // sticky, as /tmp: nobody else can replace the file
        _ = try HiveConfig.load(path: path)
        chmod(d.path, 0o700)
        symlink(path, d.path + "/link.toml")
        do { _ = try HiveConfig.load(path: d.path + "/link.toml"); Issue.record("symlink accepted") } catch {
            #expect(error.message.contains("not a regular file"))
        }
    }
}
