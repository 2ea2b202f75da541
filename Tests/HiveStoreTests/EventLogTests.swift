import Glibc
import HivePlatform
@testable import HiveStore
import Testing

/// The event log: the bytes on disk (Docker's event JSON, one line each),
/// appending with queued records, reading from an offset, rotation, filters.
@Suite final class EventLogTests {
    let dir: String

    init() {
        var template = Array("/tmp/hive-events.XXXXXX".utf8CString)
        dir = String(cString: mkdtemp(&template)!)
    }

    deinit {
        for f in ["events.log", "events.log.1"] { unlink(dir + "/" + f) }
        rmdir(dir)
    }

    let start = EventRecord(type: "container", action: "start", event: "post-start", id: "abc",
                            attributes: ["image": "busybox", "name": "web"], timeNano: 1_700_000_000_123_456_789)
    let tag = EventRecord(type: "image", action: "tag", id: "sha256:0123abcd", attributes: ["name": "web:1"], timeNano: 1_700_000_001_000_000_000)

    @Test func aRecordIsOneLineInDockersShape() throws {
        let log = EventLog(root: dir)
        log.append(start)
        #expect(Files.readText(dir + "/events.log") == """
            {"Action":"start","Actor":{"Attributes":{"image":"busybox","name":"web"},"ID":"abc"},"Type":"container","from":"busybox",\
            "hive_event":"post-start","id":"abc","scope":"local","status":"start","time":1700000000,"timeNano":1700000000123456789}

            """)
    }

    @Test func recordsComeBackAsWritten() {
        let log = EventLog(root: dir)
        log.append(start)
        log.append(tag)
        let (records, end) = log.read()
        #expect(records == [start, tag])
        #expect(end == Files.read(dir + "/events.log")!.count)
    }

    @Test func queuedRecordsGoWithTheNextAppendOrAFlush() {
        let log = EventLog(root: dir)
        log.enqueue(tag)
        #expect(access(dir + "/events.log", F_OK) != 0)
        log.append(start)
        #expect(log.read().0 == [tag, start])
        #expect(log.pending.isEmpty)
        log.enqueue(tag)
        log.flush()
        #expect(log.read().0 == [tag, start, tag])
        log.flush()  // nothing waits: nothing written
        #expect(log.read().0.count == 3)
    }

    @Test func readingFromAnOffsetGetsOnlyWholeNewLines() {
        let log = EventLog(root: dir)
        log.append(start)
        let (_, offset) = log.read()
        #expect(log.read(from: offset).0.isEmpty)
        // a line still being written is not read, and the offset stays before it
        let fd = open(dir + "/events.log", O_WRONLY | O_APPEND)
        _ = write(fd, "{\"Type\":", 8)
        #expect(log.read(from: offset) == ([], offset))
        close(fd)
        truncate(dir + "/events.log", off_t(offset))
        log.append(tag)
        let (new, end) = log.read(from: offset)
        #expect(new == [tag])
        #expect(end > offset)
        // lines that are not records are skipped
        let fd2 = open(dir + "/events.log", O_WRONLY | O_APPEND)
        _ = write(fd2, "not json\n{\"Type\":\"x\"}\n", 23)
        close(fd2)
        #expect(log.read(from: end).0.isEmpty)
    }

    @Test func aMissingLogHasNoRecords() {
        #expect(EventLog(root: dir + "/nowhere").read(from: 7) == ([], 7))
    }

    @Test func pastItsSizeTheLogStartsOver() {
        let log = EventLog(root: dir, rotateBytes: 300)
        log.append(start)
        #expect(access(dir + "/events.log.1", F_OK) != 0)
        log.append(tag)  // now over 300 bytes: renamed after the write
        #expect(access(dir + "/events.log", F_OK) != 0)
        #expect(EventLog(root: dir).read().0.isEmpty)
        log.append(start)
        #expect(log.read().0 == [start])
        #expect(Files.readText(dir + "/events.log.1")!.split(separator: "\n").count == 2)
    }

    @Test func filters() {
        let stop = EventRecord(type: "container", action: "stop", event: "on-stop", id: "def456", attributes: ["name": "db", "image": "redis", "tier": "back"])
        let vol = EventRecord(type: "volume", action: "destroy", id: "data", attributes: [:])
        func pass(_ f: [String: [String]]) -> [String] { [start, tag, stop, vol].filter { $0.matches(f) }.map(\.id) }
        #expect(pass([:]) == ["abc", "sha256:0123abcd", "def456", "data"])
        #expect(pass(["type": ["container"]]) == ["abc", "def456"])
        #expect(pass(["type": ["volume", "image"]]) == ["sha256:0123abcd", "data"])
        #expect(pass(["event": ["stop"]]) == ["def456"])
        #expect(pass(["event": ["post-start"]]) == ["abc"])
        #expect(pass(["container": ["web"]]) == ["abc"])
        #expect(pass(["container": ["def"]]) == ["def456"])
        #expect(pass(["image": ["busybox"]]) == ["abc"])
        #expect(pass(["image": ["0123"]]) == ["sha256:0123abcd"])
        #expect(pass(["image": ["web:1"]]) == ["sha256:0123abcd"])
        #expect(pass(["volume": ["data"]]) == ["data"])
        #expect(pass(["label": ["tier"]]) == ["def456"])
        #expect(pass(["label": ["tier=front"]]).isEmpty)
        #expect(pass(["label": ["tier=back"], "type": ["container"]]) == ["def456"])
        #expect(pass(["type": ["container"], "event": ["tag"]]).isEmpty)
        #expect(pass(["nonsense": ["x"]]).isEmpty)
        #expect(pass(["label": ["tier=back", "tier"]]) == ["def456"])
        #expect(pass(["label": ["tier=back", "nope"]]).isEmpty)
        #expect(pass(["container": ["web", "db"]]) == ["abc", "def456"])
        #expect(pass(["scope": ["local"]]).count == 4)
        #expect(pass(["scope": ["swarm"]]).isEmpty)
        #expect(pass(["daemon": ["x"]]).isEmpty)
        #expect(EventRecord.stripTag("busybox:1") == "busybox")
        #expect(EventRecord.stripTag("reg:5000/a") == "reg:5000/a")
        #expect(EventRecord.filterKeys.isSuperset(of: ["type", "event", "container", "image", "volume", "network", "label", "daemon", "scope"]))
    }
}
