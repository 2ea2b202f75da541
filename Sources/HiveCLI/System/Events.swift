// `hive events [--since] [--until] [--filter ...] [--format]`: the event log,
// then (without --until) new events as they come, like `docker events`:
// it waits on inotify (HiveEngine's EventFollower), no polling.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum Events {
    static let def = CommandDef(
        name: "events", aliases: ["events", "system events"], usage: "[OPTIONS]", summary: "Get real time events from the server",
        options: [
            .value("since", nil, "string", "Show all events created since timestamp"),
            .value("until", nil, "string", "Stream events until this timestamp"),
            .multi("filter", "f", "filter", "Filter output: type, event, container, image, volume, network, label, daemon, scope"),
            .value("format", nil, "string", "Format the output using the given Go template, or json"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let since = try c.args.value("since").map(HumanTime.parseFilter)
        let until = try c.args.value("until").map(HumanTime.parseFilter)
        let filters = try FilterArgs(c.args.all("filter"), accepted: EventRecord.filterKeys).values
        let template: Template? = try c.args.value("format").flatMap { $0 == "json" ? nil : try Template($0) }
        // as the docker CLI: the template is tried on an empty event first, so a bad field fails now
        if let template { _ = try template.render(EventRecord(type: "", action: "", id: "", attributes: [:], timeNano: 0).templateView) }
        let json = c.args.value("format") == "json"
        let engine = try c.engine()
        try engine.streamEvents(since: since, until: until, filters: filters) { events in
            for e in events {
                if json { c.out.line(e.json.serialized()) }
                else if let template { c.out.line(try template.render(e.templateView)) }
                else { c.out.line(line(e)) }
            }
            c.out.flush()
            return true
        }
        return 0
    }

    /// `2026-11-26T02:00:00.123456789Z container start ID (image=busybox, name=web)`:
    /// the time as Docker's RFC3339NanoFixed (nine digits always).
    static func line(_ e: EventRecord) -> String {
        let attrs = e.attributes.keys.sorted().map { "\($0)=\(e.attributes[$0]!)" }.joined(separator: ", ")
        let secs = Timestamp(unixNanos: e.timeNano / 1_000_000_000 * 1_000_000_000).rfc3339.dropLast()
        var frac = String(e.timeNano % 1_000_000_000)
        frac = String(repeating: "0", count: 9 - frac.count) + frac
        return "\(secs).\(frac)Z \(e.type) \(e.action) \(e.id)" + (attrs.isEmpty ? "" : " (\(attrs))")
    }
}
