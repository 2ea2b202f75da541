// `hive hooks ls` and `hive hooks test EVENT [--container X|--image Y]`.
import HiveEngine
import HiveHooks
import HiveOCI
import HivePlatform

enum HooksList {
    static let def = CommandDef(
        name: "hooks ls", aliases: ["hooks ls", "hooks list"], usage: "[OPTIONS]",
        summary: "List the hooks: file, event, priority, conditions (plugins first, then site hooks by name)",
        options: [.value("format", nil, "string", "Format output: table, json, or a Go template")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let rows: [JSONValue] = try c.engine().listHooks().map { l in
            .object([
                "File": .string(l.file), "Event": .string(l.event.rawValue), "Priority": .int(l.priority),
                "When": .string(l.when == .null ? "-" : l.when.serialized()), "Kind": .string(l.tier == .plugin ? "plugin" : "site"),
                "Exec": .bool(l.exec),
            ])
        }
        try Renderer.render(rows, format: try OutputFormat.parse(c.args.value("format"), defaultTemplate: "{{.Kind}}\t{{.File}}\t{{.Event}}\t{{.Priority}}\t{{.When}}"),
                            headers: ["Kind": "KIND", "File": "FILE", "Event": "EVENT", "Priority": "PRIORITY", "When": "WHEN"], to: c.out)
        return 0
    }
}

enum HooksTest {
    static let def = CommandDef(
        name: "hooks test", aliases: ["hooks test"], usage: "[OPTIONS] EVENT",
        summary: "Dry-run an event's hooks and print the decision and any changes (hive.exec runs nothing)",
        options: [
            .value("container", nil, "string", "The container the event is about"),
            .value("image", nil, "string", "The image (or reference) the event is about"),
            .value("name", nil, "string", "pre-create: the container name asked for"),
            .multi("label", "l", "list", "pre-create: labels asked for"),
            .value("format", nil, "string", "json: print the result as JSON"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let labels = c.keyValues("label")
        let r = try c.engine().testHook(c.args.positionals[0], container: c.args.value("container"), image: c.args.value("image"),
                                        name: c.args.value("name"), labels: labels)
        if c.args.value("format") == "json" {
            c.out.line(JSONValue.object([
                "Event": .string(r.event), "Decision": .string(r.denied == nil ? "allow" : "deny"), "Reason": .string(r.denied ?? ""),
                "Changes": .array(r.changes.map(JSONValue.string)), "Log": .array(r.messages.map(JSONValue.string)), "Context": r.context,
            ]).serialized())
        } else {
            for m in r.messages { c.out.line(m) }
            for ch in r.changes { c.out.line("change: " + ch) }
            c.out.line(r.denied.map { "decision: deny: " + $0 } ?? "decision: allow")
        }
        return r.denied == nil ? 0 : 1
    }
}
