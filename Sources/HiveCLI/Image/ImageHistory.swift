// `hive history IMAGE`.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageHistory {
    static let def = CommandDef(
        name: "history", aliases: ["history", "image history"], usage: "[OPTIONS] IMAGE",
        summary: "Show the history of an image",
        options: [
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
            .flag("human", "H", "Print sizes and dates in human readable format (default true)"),
            .flag("no-trunc", nil, "Don't truncate output"),
            .flag("quiet", "q", "Only show image IDs"),
        ], run: run)

    static let headers = ["ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
                          "Size": "SIZE", "Comment": "COMMENT"]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 1)
        let engine = try c.engine()
        let id = try engine.resolveImage(c.args.positionals[0]).id
        let config = try engine.imageConfig(id)
        let layers = try engine.store.layers(of: id)
        let noTrunc = c.args.flag("no-trunc")
        // -H defaults to true; `-H=false` / `--human=false` turns it off.
        let human = !c.args.negated.contains("human")
        var history = config.history ?? []
        if history.isEmpty { history = layers.map { _ in History(created: config.created) } }
        var layerIndex = 0
        var rows: [(History, Int64)] = []
        for h in history {
            var size: Int64 = 0
            if h.emptyLayer != true, layerIndex < layers.count {
                size = layers[layerIndex].size
                layerIndex += 1
            }
            rows.append((h, size))
        }
        rows.reverse()
        if c.args.flag("quiet") {
            c.out.line(noTrunc ? id.description : id.shortID)
            return 0
        }
        let values: [JSONValue] = rows.enumerated().map { (i, r) in
            let created = r.0.created.flatMap { Timestamp(rfc3339: $0) }?.unixNanos
            var by = r.0.createdBy ?? ""
            if !noTrunc && by.count > 45 { by = String(by.prefix(44)) + "…" }
            return .object([
                "ID": .string(i == 0 ? (noTrunc ? id.description : id.shortID) : "<missing>"),
                "CreatedSince": .string(created.map { human ? Units.since($0) : Timestamp(unixNanos: $0).rfc3339 } ?? "N/A"),
                "CreatedAt": .string(created.map { Timestamp(unixNanos: $0).rfc3339 } ?? ""),
                "CreatedBy": .string(by),
                "Size": .string(human ? Units.humanSize(r.1) : String(r.1)),
                "Comment": .string(r.0.comment ?? ""),
            ])
        }
        try Renderer.render(values, format: try OutputFormat.parse(c.args.value("format"),
            defaultTemplate: "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"), headers: headers, to: c.out)
        return 0
    }
}
