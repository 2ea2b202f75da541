// `hive system df|prune|gc`.
import HiveEngine
import HiveOCI
import HivePlatform

enum SystemDF {
    static let def = CommandDef(
        name: "system df", aliases: ["system df"], usage: "[OPTIONS]", summary: "Show hive disk usage",
        options: [
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
            .flag("verbose", "v", "Show detailed information on space usage (the build cache's records)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let engine = try c.engine()
        let rows: [JSONValue] = try engine.systemDF().map { u in
            let pct = u.size > 0 ? " (\(Int((Double(u.reclaimable) / Double(u.size) * 100).rounded()))%)" : ""
            return .object([
                "Type": .string(u.type), "TotalCount": .int(Int64(u.total)), "Active": .int(Int64(u.active)),
                "Size": .string(Units.humanSize(u.size)), "Reclaimable": .string(Units.humanSize(u.reclaimable) + pct),
            ])
        }
        try Renderer.render(rows, format: try OutputFormat.parse(c.args.value("format"), defaultTemplate: "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"),
                            headers: ["Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"], to: c.out)
        if c.args.flag("verbose") && c.args.value("format") == nil {
            let entries = try engine.buildCacheEntries()
            c.out.line("")
            c.out.line("Build cache usage: " + Units.humanSize(entries.filter { !$0.shared }.reduce(0) { $0 + $1.size }))
            c.out.line("")
            try Renderer.render(entries.map(BuilderDU.row), format: .table(try Template("{{.ID}}\t{{.Type}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}")),
                                headers: ["ID": "CACHE ID", "Type": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED", "LastUsedSince": "LAST USED",
                                          "UsageCount": "USAGE", "Shared": "SHARED"], to: c.out)
        }
        return 0
    }
}

enum SystemPrune {
    static let def = CommandDef(
        name: "system prune", aliases: ["system prune"], usage: "[OPTIONS]", summary: "Remove unused data",
        options: [
            .flag("all", "a", "Remove all unused images not just dangling ones"),
            .flag("volumes", nil, "Prune anonymous volumes"),
            .multi("filter", nil, "filter", "Provide filter values (e.g. \"until=24h\", \"label=k=v\")"),
            .flag("force", "f", "Do not prompt for confirmation"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let all = c.args.flag("all"), volumes = c.args.flag("volumes")
        if !c.args.flag("force") {
            var what = ["all stopped containers"]
            if volumes { what.append("all anonymous volumes not used by at least one container") }
            what.append(all ? "all images without at least one container associated to them" : "all dangling images")
            what.append(all ? "all build cache" : "unused build cache")
            let text = "WARNING! This will remove:\n" + what.map { "  - " + $0 }.joined(separator: "\n") + "\n\nAre you sure you want to continue? [y/N] "
            guard ImagePrune.confirm(text, c) else { return 0 }
        }
        let r = try c.engine().systemPrune(all: all, volumes: volumes, filters: try ImageFilters(c.args.all("filter")))
        print(r, to: c)
        return 0
    }

    static func print(_ r: GCReport, to c: Context) {
        if !r.containers.isEmpty {
            c.out.line("Deleted Containers:")
            for id in r.containers { c.out.line(id) }
            c.out.line("")
        }
        if !r.volumes.isEmpty {
            c.out.line("Deleted Volumes:")
            for v in r.volumes { c.out.line(v) }
            c.out.line("")
        }
        ImagePrune.deletedImages(r.images, to: c)
        BuilderPrune.deleted(r.buildCache, to: c)
        c.out.line("Total reclaimed space: " + Units.humanSize(r.reclaimed))
    }
}

enum SystemGC {
    static let def = CommandDef(
        name: "system gc", aliases: ["system gc"], usage: "[OPTIONS]",
        summary: "Run the garbage-collection policy of hive.toml [gc] (safe from cron or a systemd timer)",
        options: [
            .flag("dry-run", nil, "Only print what would be removed, and why"),
            .value("format", nil, "string", "json: print the candidates as JSON"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let dry = c.args.flag("dry-run")
        let r = try c.engine().systemGC(dryRun: dry)
        if c.args.value("format") == "json" {
            // one object per thing that goes (or would go), in the order it goes; then why the rest stays
            for cand in r.candidates + r.cacheFiles {
                c.out.line(JSONValue.object([
                    "Type": .string(cand.type), "ID": .string(cand.id), "Name": .string(cand.name), "Reason": .string(cand.reason),
                    "Size": .int(cand.size),
                ]).serialized())
            }
            c.out.line(JSONValue.object(["Kept": .array(r.explanation.map(JSONValue.string) + r.kept.map { .string("kept by a pre-prune hook: " + $0) })]).serialized())
            return 0
        }
        if dry {
            for cand in r.candidates + r.cacheFiles { c.out.line("would remove \(cand.type) \(cand.name) (\(cand.id.prefix(19))): \(cand.reason)") }
            for k in r.kept { c.out.line("kept by a pre-prune hook: \(k)") }
            if r.candidates.isEmpty && r.cacheFiles.isEmpty { c.out.line("nothing to remove") }
            for line in r.explanation { c.out.line(line) }
            return 0
        }
        SystemPrune.print(r, to: c)
        return 0
    }
}
