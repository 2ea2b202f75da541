// The layer extractor (LayerStream + LayerExtractor, with the tar-split
// writer), run as root as `hive load`/`pull` run it: every input is
// extracted into a fresh directory W/a/b/root. Invariant: nothing outside
// that root changes. Two canaries watch for writes that escape:
//   W/outside/file        reachable by `..` or relative symlinks from the root
//   /dev/shm/hive-fuzz-canary/file   reachable by absolute symlinks (the
//                         seeds plant `l -> /dev/shm/hive-fuzz-canary`)
// W itself, W/a and W/a/b must keep exactly their entries, modes and owners.
import FuzzSupport
import CHivePlatform
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

let fixedCanary = "/dev/shm/hive-fuzz-canary"

struct Print: Equatable {
    var ino: UInt, mode: UInt32, uid: UInt32, gid: UInt32, size: Int, mtime: Int, mtimeNs: Int, ctime: Int, ctimeNs: Int
    var names: [String]
}

func fingerprint(_ path: String, times: Bool = true) -> Print? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    var names: [String] = []
    if (st.st_mode & S_IFMT) == S_IFDIR { names = Files.names(in: path).sorted() }
    return Print(ino: st.st_ino, mode: st.st_mode, uid: st.st_uid, gid: st.st_gid, size: st.st_size,
                 mtime: times ? st.st_mtim.tv_sec : 0, mtimeNs: times ? st.st_mtim.tv_nsec : 0,
                 ctime: times ? st.st_ctim.tv_sec : 0, ctimeNs: times ? st.st_ctim.tv_nsec : 0, names: names)
}

func die(_ m: String) -> Never {
    _ = ("fuzz-tar: " + m + "\n").withCString { write(2, $0, strlen($0)) }
    exit(2)
}

/// Creates `path` holding `content` unless it exists, atomically (link of a written temp file).
func ensureFile(_ path: String, _ content: String) {
    let tmp = path + ".tmp.\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { die("cannot create \(tmp)") }
    _ = content.withCString { write(fd, $0, strlen($0)) }
    close(fd)
    if link(tmp, path) != 0 && errno != EEXIST { die("cannot create \(path)") }
    unlink(tmp)
}

final class World {
    let w = "/dev/shm/hive-fuzz-tar.\(getpid())"
    var watched: [(String, Bool, Print)] = []
    var root: String { w + "/a/b/root" }

    init() {
        guard getuid() == 0 else { die("must run as root (the extractor sets owners and creates device nodes)") }
        try? FileTree.remove(path: w)
        for d in [w, w + "/outside", w + "/a", w + "/a/b", fixedCanary] {
            if mkdir(d, 0o755) != 0 && errno != EEXIST { die("cannot create \(d)") }
        }
        ensureFile(w + "/outside/file", "canary\n")
        ensureFile(fixedCanary + "/file", "canary\n")
        // (path, whether its times are checked): W/a/b changes mtime as root comes and goes
        for (p, t) in [(w, true), (w + "/outside", true), (w + "/outside/file", true), (w + "/a", true),
                       (w + "/a/b", false), (fixedCanary, true), (fixedCanary + "/file", true)] {
            guard let f = fingerprint(p, times: t) else { die("cannot stat \(p)") }
            watched.append((p, t, f))
        }
        atexit { try? FileTree.remove(path: "/dev/shm/hive-fuzz-tar.\(getpid())") }
    }

    func check() {
        for (p, t, want) in watched {
            var want = want
            var got = fingerprint(p, times: t)
            if p == w + "/a/b" {  // holds the root now, and only it
                want.names = ["root"]
                got?.size = want.size
            }
            Fuzz.check(got == want, "\(p) changed: before \(want), after \(String(describing: got))")
        }
    }
}

let world = World()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = hive_memfd("fuzz-tar")
    let split = hive_memfd("fuzz-split")
    defer { close(input); close(split) }
    if size > 0 { _ = write(input, data, size) }
    lseek(input, 0, SEEK_SET)
    guard mkdir(world.root, 0o755) == 0 else { die("cannot create \(world.root)") }
    let rootFD = open(world.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    do {
        let stream = try LayerStream(fd: input, decompress: true, splitFD: split, name: "fuzz")
        let (_, stats, _) = try stream.extract(into: rootFD, name: "fuzz")
        _ = stream.splitPaths(stats)
    } catch {
        // refusing an input is fine; escaping is not
    }
    close(rootFD)
    world.check()
    do { try FileTree.remove(path: world.root) } catch { die("cannot remove \(world.root): \(error)") }
    return 0
}
