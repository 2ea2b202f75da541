// `hive load` end to end: the outer archive reader, index.json /
// manifest.json / manifest / config decoding, digest and diff_id checks,
// layer extraction, into a fresh store (under /dev/shm) for every input.
// Blobs are content-addressed, so past the digest checks the fuzzer mostly
// mutates index.json and manifest.json; fuzz-json decodes the OCI documents
// directly.
import FuzzSupport
import CHivePlatform
import Glibc
import HiveArchive
import HiveEngine
import HiveOCI

func die(_ m: String) -> Never {
    _ = ("fuzz-load: " + m + "\n").withCString { write(2, $0, strlen($0)) }
    exit(2)
}

let base = "/dev/shm/hive-fuzz-load.\(getpid())"
var options: EngineOptions = {
    guard getuid() == 0 else { die("must run as root (layers set owners and create device nodes)") }
    try? FileTree.remove(path: base)
    guard mkdir(base, 0o700) == 0 else { die("cannot create \(base)") }
    atexit { try? FileTree.remove(path: "/dev/shm/hive-fuzz-load.\(getpid())") }
    let conf = base + "/hive.toml"
    let fd = open(conf, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    close(fd)
    var o = EngineOptions()
    o.configPath = conf
    o.hooksDirs = []
    return o
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoad(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = hive_memfd("fuzz-load")
    defer { close(input) }
    if size > 0 { _ = write(input, data, size) }
    lseek(input, 0, SEEK_SET)
    do {
        let engine = try Engine(root: base + "/root", runroot: base + "/run", options: options)
        _ = try? engine.load(fd: input, name: "fuzz.tar")
    } catch {
        die("cannot open the store: \(error)")
    }
    do {
        try FileTree.remove(path: base + "/root")
        try FileTree.remove(path: base + "/run")
    } catch { die("cannot remove the store: \(error)") }
    return 0
}
