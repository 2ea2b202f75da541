// What the store's cache keeps about one set of hook files, in one file a
// command reads with one read: the events each file registers (so an event
// nobody listens to costs no Lua) and each file compiled (so no command
// parses a hook file the previous one parsed). It is keyed by every file's
// signature (path, inode, size, times) in run order, the Lua release, and
// everything else that can change what a file registers (its hive.config
// from hive.toml, the plugin list, the directories, the limits, the events
// and the engine's revision): a file added, removed, edited, moved or
// chmod-ed, or a configuration changed, makes a new bundle.
//
// Only hive writes it, from files it checked and compiled itself; hook
// directories never hold compiled chunks (load refuses them there).
//
// Layout (integers little-endian u32):
//   "hive-hooks 1\n" | key length | key | file count | (mask, chunk length) per file | chunks
import Glibc
import HiveOCI
import HivePlatform

struct HookBundle {
    static let magic = Array("hive-hooks 1\n".utf8)
    /// Bundles kept per store; the oldest go when a new one is written.
    static let kept = 16

    /// Each file's events as a bit set (`.max`: it did not load; every event tries it).
    var masks: [UInt32]
    /// Each file's compiled chunk: where in `data` it starts and its length
    /// (0: load its text). Plain integers: an array of Range<Int> would cost
    /// the runtime a scan for Range's Comparable conformance on first use.
    var starts: [Int]
    var lengths: [Int]
    var data: [UInt8]

    /// The key of a set of files: their signatures in order, the Lua release,
    /// and everything else that can change what the files register
    /// (`Hooks.registrationInputs`: hive.config, directories, plugins, limits, engine).
    static func key(_ signatures: [[UInt8]], luaRelease: [UInt8], registration: [UInt8] = []) -> [UInt8] {
        var k: [UInt8] = []
        for s in signatures {
            k += s
            k.append(10)
        }
        k += registration
        k.append(10)
        return k + luaRelease
    }

    /// Where the bundle of `key` lives in `dir`: named by a 64-bit FNV-1a of
    /// the key (the file holds the key itself, compared whole when read).
    static func path(dir: String, key: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var name = [UInt8](repeating: 0, count: 16)
        let hex = Array("0123456789abcdef".utf8)
        for i in 0..<16 { name[i] = hex[Int((h >> UInt64(60 - 4 * i)) & 0xf)] }
        return dir + "/" + String(decoding: name, as: UTF8.self) + ".bundle"
    }

    /// The bundle at `path` if it is one and holds exactly `key` for `count` files.
    static func read(_ path: String, key: [UInt8], count: Int) -> HookBundle? {
        guard let d = Files.read(path) else { return nil }
        var at = 0
        func u32() -> Int? {
            guard at + 4 <= d.count else { return nil }
            let v = Int(d[at]) | Int(d[at + 1]) << 8 | Int(d[at + 2]) << 16 | Int(d[at + 3]) << 24
            at += 4
            return v
        }
        guard d.count >= magic.count, d[0..<magic.count].elementsEqual(magic) else { return nil }
        at = magic.count
        guard let kl = u32(), kl == key.count, at + kl <= d.count,
              d.withUnsafeBufferPointer({ p in key.withUnsafeBufferPointer { memcmp(p.baseAddress! + at, $0.baseAddress!, kl) == 0 } })
        else { return nil }
        at += kl
        guard let n = u32(), n == count else { return nil }
        var masks: [UInt32] = []
        var lengths: [Int] = []
        masks.reserveCapacity(n)
        lengths.reserveCapacity(n)
        for _ in 0..<n {
            guard let m = u32(), let l = u32() else { return nil }
            masks.append(UInt32(m))
            lengths.append(l)
        }
        var starts: [Int] = []
        starts.reserveCapacity(n)
        for l in lengths {
            guard at + l <= d.count else { return nil }
            starts.append(at)
            at += l
        }
        guard at == d.count else { return nil }
        return HookBundle(masks: masks, starts: starts, lengths: lengths, data: d)
    }

    /// Writes a bundle (a new file renamed into place) and drops the oldest
    /// beyond `kept`. Failing to write costs the next command a parse, nothing else.
    static func write(_ path: String, key: [UInt8], masks: [UInt32], chunks: [[UInt8]]) {
        var out = magic
        func put(_ v: Int) {
            for s in [0, 8, 16, 24] { out.append(UInt8(truncatingIfNeeded: v >> s)) }
        }
        put(key.count)
        out += key
        put(masks.count)
        for (m, c) in zip(masks, chunks) {
            put(Int(m))
            put(c.count)
        }
        for c in chunks { out += c }
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return }
        let dir = String(path[..<slash])
        let parent = String(dir.dropLast("/hooks".count))
        if mkdir(dir, 0o700) != 0 && errno == ENOENT {
            mkdir(parent, 0o700)
            mkdir(dir, 0o700)
        }
        if access(parent + "/hooks-index", F_OK) == 0 { forgetOldCaches(parent: parent) }
        let tmp = path + ".\(getpid())"
        guard (try? Files.write(tmp, bytes: out, mode: 0o600)) != nil else { return }
        guard rename(tmp, path) == 0 else { unlink(tmp); return }
        prune(dir, keeping: path)
    }

    /// Keeps the newest `kept` bundles in `dir`.
    private static func prune(_ dir: String, keeping current: String) {
        var found: [(time: Int, path: String)] = []
        for name in Files.names(in: dir) where name.hasSuffix(".bundle") {
            var st = stat()
            let p = dir + "/" + name
            if p != current && lstat(p, &st) == 0 { found.append((st.st_mtim.tv_sec, p)) }
        }
        guard found.count >= kept else { return }
        for old in found.sorted(by: { $0.time < $1.time }).prefix(found.count - kept + 1) { unlink(old.path) }
    }

    /// What hive kept before bundles (an events index and a chunk per file).
    private static func forgetOldCaches(parent: String) {
        unlink(parent + "/hooks-index")
        let lua = parent + "/lua"
        for name in Files.names(in: lua) { unlink(lua + "/" + name) }
        rmdir(lua)
    }
}
