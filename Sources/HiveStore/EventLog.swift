// The event log ($ROOT/events.log, DESIGN.md "Where things live on disk"):
// append-only JSON lines in Docker's event shape (`docker events --format
// json`, plus hive's hook event name), read by `hive events` from a byte
// offset. The engine decides what happens; this file owns the bytes.
import Glibc
import HivePlatform

/// One line of the event log.
public struct EventRecord: Sendable, Equatable {
    public var type: String        // container, image, volume, hook
    public var action: String      // Docker's action: create, start, die, stop, destroy, delete, tag, ...
    public var event: String?      // the hook event, if it is one (post-create, on-exit, ...)
    public var id: String
    public var attributes: [String: String]
    public var timeNano: Int64

    public init(type: String, action: String, event: String? = nil, id: String, attributes: [String: String], timeNano: Int64 = Timestamp.now().unixNanos) {
        self.type = type
        self.action = action
        self.event = event
        self.id = id
        self.attributes = attributes
        self.timeNano = timeNano
    }

    /// Docker's JSON event (`docker events --format json`), plus hive's event name.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "Type": .string(type), "Action": .string(action), "status": .string(action), "id": .string(id),
            "Actor": .object(["ID": .string(id), "Attributes": .object(attributes.mapValues(JSONValue.string))]),
            "scope": .string("local"), "time": .int(timeNano / 1_000_000_000), "timeNano": .int(timeNano),
        ]
        if let image = attributes["image"], type == "container" { o["from"] = .string(image) }
        if let event { o["hive_event"] = .string(event) }
        return .object(o)
    }

    /// A line of the log back to its record (nil if it is not one).
    public init?(json v: JSONValue) {
        guard let type = v["Type"]?.stringValue, let action = v["Action"]?.stringValue, let id = v["Actor"]?["ID"]?.stringValue,
              let t = v["timeNano"]?.intValue else { return nil }
        var attrs: [String: String] = [:]
        for (k, a) in v["Actor"]?["Attributes"]?.objectValue ?? [:] { attrs[k] = a.stringValue }
        self.init(type: type, action: action, event: v["hive_event"]?.stringValue, id: id, attributes: attrs, timeNano: t)
    }

    /// The keys `hive events --filter` takes: Docker's (daemon/events/filter.go).
    public static let filterKeys: Set<String> = ["type", "event", "container", "image", "volume", "network", "label", "daemon", "scope",
                                                 "plugin", "node", "service", "secret", "config"]

    /// Whether this record passes `hive events` filters, as Docker's event
    /// filter: values of one key ORed, keys ANDed; container, volume,
    /// network (and daemon, plugin...) match the actor's ID or name by
    /// prefix, in events of their type; image the ID or image name, with or without its tag; every
    /// label must hold; event the action (or hive's hook event name).
    public func matches(_ filters: [String: [String]]) -> Bool {
        for (k, values) in filters {
            let ok: Bool
            switch k {
            case "type": ok = values.contains(type)
            case "scope": ok = values.contains("local")
            case "event":
                ok = values.contains { $0 == action || $0 == event || (["health_status", "exec_create", "exec_start"].contains($0) && action.hasPrefix($0)) }
            case "label": ok = values.allSatisfy { LabelFilter.matches($0, attributes) }
            case "image":
                let name = attributes[type == "image" ? "name" : "image"] ?? ""
                ok = values.contains { v in
                    [id, name, EventRecord.stripTag(id), EventRecord.stripTag(name)].contains(v)
                        || (type == "image" && (id.hasPrefix(v) || id.hasPrefix("sha256:" + v)))
                }
            case "container", "volume", "network", "daemon", "plugin", "node", "service", "secret", "config":
                // Docker's fuzzy match of the actor's ID or name; kept to the key's own
                // event type (Docker would also let `container=web` through an image web:1's tag)
                let name = attributes["name"] ?? ""
                ok = type == k && values.contains { id.hasPrefix($0) || (!name.isEmpty && name.hasPrefix($0)) }
            default: ok = false
            }
            if !ok { return false }
        }
        return true
    }

    /// `busybox:1` -> `busybox` (a digest or a registry port stays).
    static func stripTag(_ ref: String) -> String {
        guard let colon = ref.lastIndex(of: ":"), !ref[colon...].contains("/"), !ref.hasPrefix("sha256:") else { return ref }
        return String(ref[..<colon])
    }

    /// The event as Docker's events.Message reads in a `--format` template:
    /// .Type .Action .Actor.ID .Actor.Attributes .Scope .Time .TimeNano, and
    /// the deprecated .Status .ID .From of container and image events.
    public var templateView: JSONValue {
        let legacy = type == "container" || type == "image"
        return .object([
            "Type": .string(type), "Action": .string(action),
            "Actor": .object(["ID": .string(id), "Attributes": .object(attributes.mapValues(JSONValue.string))]),
            "Scope": .string("local"), "Time": .int(timeNano / 1_000_000_000), "TimeNano": .int(timeNano),
            "Status": .string(legacy ? action : ""), "ID": .string(legacy ? id : ""),
            "From": .string(type == "container" ? attributes["image"] ?? "" : ""),
        ])
    }
}

/// The log file, with the records that wait to be written: hook changes are
/// queued and go out with the next event, in the same append.
public final class EventLog {
    public let path: String
    /// Past this size the log starts over; the previous one stays as `path.1`.
    public let rotateBytes: Int
    public private(set) var pending: [EventRecord] = []

    /// The log of the store at `root`.
    public init(root: String, rotateBytes: Int = 32 << 20) {
        path = root + "/events.log"
        self.rotateBytes = rotateBytes
    }

    /// Appends one record now (with any queued before it).
    public func append(_ e: EventRecord) {
        pending.append(e)
        flush()
    }

    /// Queues a record for the next append (or flush).
    public func enqueue(_ e: EventRecord) { pending.append(e) }

    /// Writes the queued records: one write(2) of whole lines with O_APPEND,
    /// so concurrent hive processes never interleave inside a line.
    public func flush() {
        guard !pending.isEmpty else { return }
        var text = ""
        for r in pending { text += r.json.serialized() + "\n" }
        pending.removeAll()
        let line = Array(text.utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        var st = stat()
        if fstat(fd, &st) == 0 && st.st_size > rotateBytes { rename(path, path + ".1") }
        close(fd)
    }

    /// Every record in the log, oldest first, from byte `offset`; returns the
    /// offset after the last whole line (a line being written is read next time).
    /// `file`: another file of the log (the rotated `path.1`).
    public func read(from offset: Int = 0, file: String? = nil) -> ([EventRecord], Int) {
        let fd = open(file ?? path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], offset) }
        defer { close(fd) }
        lseek(fd, off_t(offset), SEEK_SET)
        let bytes = Files.read(fd: fd) ?? []
        guard let lastNewline = bytes.lastIndex(of: 10) else { return ([], offset) }
        var out: [EventRecord] = []
        for line in bytes[...lastNewline].split(separator: 10) {
            if let v = try? JSONCoding.decode(JSONValue.self, from: Array(line)), let e = EventRecord(json: v) { out.append(e) }
        }
        return (out, offset + lastNewline + 1)
    }
}
