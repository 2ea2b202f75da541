import Glibc
import HivePlatform
@testable import HiveRuntime
import Testing

/// The local driver's options: checked as moby's local driver, kept in
/// opts.json, turned into the mount a container makes.
@Suite struct VolumeOptionsTests {
    func message(_ o: [String: String]) -> String {
        do { _ = try VolumeOptions(o); return "" } catch { return error.message }
    }

    @Test func checking() {
        #expect(message([:]) == "")
        #expect(message(["type": "tmpfs", "device": "tmpfs", "o": "size=1m"]) == "")
        #expect(message(["foo": "1"]) == "invalid option: \"foo\" (the local driver takes type, device and o)")
        #expect(message(["type": "tmpfs"]) == "missing required option: \"device\" (-o type= needs -o device=)")
        #expect(message(["device": "/x"]) == "missing required option: \"type\" (-o device= needs -o type=)")
        #expect(message(["o": "bind", "type": "none"]).hasPrefix("missing required option: \"device\""))
        #expect(message(["size": "1g"]).hasPrefix("quota size requested but no quota support"))
    }

    @Test func flagsAndData() throws {
        let o = try VolumeOptions(["type": "tmpfs", "device": "tmpfs", "o": "size=64m,noexec,nosuid,ro,rw,uid=1000,,mode=0700"])
        let (flags, data) = o.flagsAndData
        #expect(flags == UInt(MS_NOEXEC | MS_NOSUID))
        #expect(data == "size=64m,uid=1000,mode=0700")
        let m = try o.mount(volume: "v", target: "/data", readonly: false)
        #expect(m.fstype == "tmpfs" && m.source == "tmpfs" && m.data == "size=64m,uid=1000,mode=0700" && m.target == "/data" && !m.populate)
    }

    @Test func bindAndFile() throws {
        let dir = String(cString: mkdtemp(strdup("/tmp/volopts.XXXXXX")))
        defer { _ = system("rm -rf '\(dir)'") }
        mkdir(dir + "/src", 0o755)
        let o = try VolumeOptions(["type": "none", "device": dir + "/src", "o": "bind,ro"])
        let m = try o.mount(volume: "v", target: "/b", readonly: false)
        #expect(m.fstype == nil && m.source == dir + "/src" && m.readonly)
        #expect(throws: HiveError.self) {
            try VolumeOptions(["type": "none", "device": dir + "/gone", "o": "bind"]).mount(volume: "v", target: "/b", readonly: false)
        }
        // kept beside _data; a volume without the file mounts as a plain one
        try o.save(volumeDir: dir)
        #expect(VolumeOptions.load(volumeDir: dir) == o)
        #expect(try VolumeOptions.mount(volume: "v", data: dir + "/_data", target: "/b", readonly: true)?.source == dir + "/src")
        #expect(try VolumeOptions.mount(volume: "v", data: dir + "/src/_data", target: "/b", readonly: true) == nil)
    }
}
