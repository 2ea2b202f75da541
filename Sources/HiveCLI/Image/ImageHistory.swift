// `hive history IMAGE`.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageHistory {
    static let def = CommandDef(
        name: "history", aliases: ["history", "image history"], usage: "[OPTIONS] IMAGE",
        summary: "Show the history of an image",
        options: [
            .value("format", nil, "string", "Format output: table, json, or a Go template (.ID .CreatedSince .CreatedAt .CreatedBy .Size .Comment)"),
            .flag("human", "H", "Print sizes and dates in human readable format (default true)"),
            .flag("no-trunc", nil, "Don't truncate output"),
            .flag("quiet", "q", "Only show image IDs"),
            .value("platform", nil, "string", "Show history for the given platform (a local image has one platform: it must be this one)"),
        ], run: run)

    static let headers = ["ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
                          "Size": "SIZE", "Comment": "COMMENT"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        try c.engine().checkImagePlatform(c.args.positionals[0], c.args.value("platform"))
        let (id, entries) = try c.engine().imageHistory(c.args.positionals[0])
        let noTrunc = c.args.flag("no-trunc")
        // -H defaults to true; `-H=false` / `--human=false` turns it off.
        let human = !c.args.negated.contains("human")
        let rows = entries.map { ($0.history, $0.size) }
        // as docker/cli's history formatter: RFC 3339 to the second, CREATED BY
        // with tabs as spaces and cut to 45, sizes in bytes without -H
        let values: [JSONValue] = rows.enumerated().map { (i, r) in
            let created = r.0.created.flatMap { Timestamp(rfc3339: $0) }.map { Timestamp(unixNanos: $0.unixNanos / 1_000_000_000 * 1_000_000_000) }
            let createdAt = (created ?? Timestamp(unixNanos: 0)).rfc3339
            var by = (r.0.createdBy ?? "").replacingTabs
            if !noTrunc && by.count > 45 { by = String(by.prefix(44)) + "…" }
            return .object([
                "ID": .string(i == 0 ? (noTrunc ? id.description : id.shortID) : "<missing>"),
                "CreatedSince": .string(human ? created.map { Units.since($0.unixNanos) } ?? "N/A" : createdAt),
                "CreatedAt": .string(createdAt),
                "CreatedBy": .string(by),
                "Size": .string(human ? Units.humanSize(r.1) : String(r.1)),
                "Comment": .string(r.0.comment ?? ""),
            ])
        }
        // -q: every row's ID, as Docker (the layers below the top are <missing>)
        if c.args.flag("quiet") {
            for v in values { c.out.line(v["ID"]?.stringValue ?? "") }
            return 0
        }
        try Renderer.render(values, format: try OutputFormat.parse(c.args.value("format"),
            defaultTemplate: "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"), headers: headers, to: c.out)
        return 0
    }
}

private extension String {
    var replacingTabs: String { contains("\t") ? String(map { $0 == "\t" ? " " : $0 }) : self }
}
