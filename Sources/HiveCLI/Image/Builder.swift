// `hive builder du|prune` (Docker's `docker builder`, also `buildx du|prune`):
// the build cache of HiveStore/BuildCacheRecords.swift.
import HiveEngine
import HiveOCI
import HivePlatform

enum BuilderDU {
    static let def = CommandDef(
        name: "builder du", aliases: ["builder du", "buildx du"], usage: "[OPTIONS]", summary: "Show build cache disk usage",
        options: [
            .flag("verbose", nil, "Show every record's details"),
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let entries = try c.engine().buildCacheEntries()
        let rows: [JSONValue] = entries.map(row)
        let format = c.args.value("format")
        if c.args.flag("verbose") && format == nil {
            for r in rows {
                for k in ["ID", "Type", "Description", "Reclaimable", "Shared", "Size", "CreatedSince", "LastUsedSince", "UsageCount"] {
                    c.out.line(pad(k + ":") + (r[k].map(text) ?? ""))
                }
                c.out.line("")
            }
        } else {
            try Renderer.render(rows, format: try OutputFormat.parse(format, defaultTemplate: "{{.ID}}\t{{.Reclaimable}}\t{{.Size}}\t{{.LastUsedSince}}"),
                                headers: ["ID": "ID", "Reclaimable": "RECLAIMABLE", "Size": "SIZE", "LastUsedSince": "LAST ACCESSED"], to: c.out)
        }
        guard format == nil || format == "table" else { return 0 }
        let own = entries.filter { !$0.shared }
        c.out.line(pad("Shared:") + Units.humanSize(entries.filter(\.shared).reduce(0) { $0 + $1.size }))
        c.out.line(pad("Private:") + Units.humanSize(own.reduce(0) { $0 + $1.size }))
        c.out.line(pad("Reclaimable:") + Units.humanSize(entries.filter { !$0.inUse }.reduce(0) { $0 + $1.size }))
        c.out.line(pad("Total:") + Units.humanSize(entries.reduce(0) { $0 + $1.size }))
        return 0
    }

    static func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, 16 - s.count)) }

    static func row(_ e: BuildCacheEntry) -> JSONValue {
        .object([
            "ID": .string(String(e.id.prefix(25)) + (e.kind == "cache-mount" ? "*" : "")), "Type": .string(e.kind == "cache-mount" ? "exec.cachemount" : "regular"),
            "Description": .string(e.description), "Reclaimable": .bool(!e.inUse), "Shared": .bool(e.shared),
            "Size": .string(Units.humanSize(e.size)), "CreatedAt": .string(Units.goTime(e.created)), "CreatedSince": .string(Units.since(e.created)),
            "LastUsedAt": .string(Units.goTime(e.lastUsed)), "LastUsedSince": .string(Units.since(e.lastUsed)), "UsageCount": .int(e.usageCount),
            "InUse": .bool(e.inUse),
        ])
    }

    static func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.serialized()
    }
}

enum BuilderPrune {
    static let def = CommandDef(
        name: "builder prune", aliases: ["builder prune", "buildx prune"], usage: "[OPTIONS]", summary: "Remove build cache",
        options: [
            .flag("all", "a", "Remove all unused build cache, not just dangling ones"),
            .multi("filter", nil, "filter", "Provide filter values (e.g. \"until=24h\")"),
            .flag("force", "f", "Do not prompt for confirmation"),
            .value("keep-storage", nil, "bytes", "Amount of disk space to keep for cache"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let all = c.args.flag("all")
        var until: Int64? = nil
        for f in c.args.all("filter") {
            let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, kv[0] == "until" || kv[0] == "unused-for" else {
                throw HiveError(.invalidArgument, "invalid filter \"\(f)\" (builder prune takes until=DURATION, e.g. until=24h)")
            }
            until = try HumanTime.parseFilter(kv[1])
        }
        let keep = try c.args.value("keep-storage").map { (s) throws -> Int64 in
            do { return try Quantity.bytes(s) } catch { throw HiveError(.invalidArgument, "invalid --keep-storage \"\(s)\" (a size such as 512MB or 2GB)") }
        }
        if !c.args.flag("force") {
            let what = all ? "WARNING! This will remove all build cache." : "WARNING! This will remove all dangling build cache."
            guard ImagePrune.confirm(what + " Are you sure you want to continue? [y/N] ", c) else { return 0 }
        }
        let r = try c.engine().pruneBuildCache(all: all, until: until, keepStorage: keep)
        deleted(r, to: c)
        c.out.line("Total reclaimed space: " + Units.humanSize(r.reclaimed))
        return 0
    }

    /// Docker's `Deleted build cache objects:` block (nothing when nothing went).
    static func deleted(_ r: BuildCachePruneReport, to c: Context) {
        guard !r.deleted.isEmpty else { return }
        c.out.line("Deleted build cache objects:")
        for id in r.deleted { c.out.line(String(id.prefix(25))) }
        c.out.line("")
    }
}
