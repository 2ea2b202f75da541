// `hive system df|prune|gc`.
import HiveEngine
import HiveOCI
import HivePlatform

enum SystemDF {
    static let def = CommandDef(
        name: "system df", aliases: ["system df"], usage: "[OPTIONS]", summary: "Show hive disk usage",
        options: [
            .value("format", nil, "string", "Format output: table, json, or a Go template (with -v: over .Images, .Containers, .Volumes, .BuildCache)"),
            .flag("verbose", "v", "Show detailed information on space usage"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let engine = try c.engine()
        let format = c.args.value("format")
        if c.args.flag("verbose") {
            try verbose(try engine.systemDFVerbose(), format: format, c)
            return 0
        }
        try Renderer.render(try engine.systemDF().map(row), format: try OutputFormat.parse(format, defaultTemplate: "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"),
                            headers: ["Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"], to: c.out)
        return 0
    }

    /// A summary row as Docker's formatter gives it: every field a string; the
    /// reclaimable share a truncated percent (none for the build cache). Plus
    /// podman's RawSize and RawReclaimable: the bytes.
    static func row(_ u: DiskUsage) -> JSONValue {
        let pct = u.size > 0 && u.type != "Build Cache" ? " (\(u.reclaimable * 100 / u.size)%)" : ""
        return .object([
            "Type": .string(u.type), "TotalCount": .string(String(u.total)), "Active": .string(String(u.active)),
            "Size": .string(Units.humanSize(u.size)), "Reclaimable": .string(Units.humanSize(u.reclaimable) + pct),
            "RawSize": .int(u.size), "RawReclaimable": .int(u.reclaimable),
        ])
    }

    /// `-v`: Docker's four sections (its columns and headers); with --format,
    /// the template (or json) over one object holding the four lists.
    static func verbose(_ du: SystemDiskUsage, format: String?, _ c: Context) throws {
        let table = format == nil || format == "table"
        let images: [JSONValue] = du.images.map { i in
            var repo = "<none>", tag = "<none>"
            if let t = i.record.tags.first, let ref = try? Reference(parsing: t) {
                repo = ref.familiarRepository
                tag = ref.tag ?? "<none>"
            }
            return .object([
                "Repository": .string(repo), "Tag": .string(tag), "ID": .string(table ? i.record.id.shortID : i.record.id.description),
                "CreatedSince": .string(Units.since(i.record.created)), "CreatedAt": .string(Units.goTime(i.record.created)),
                "Size": .string(Units.humanSize(i.usage.size)), "SharedSize": .string(Units.humanSize(i.usage.sharedSize)),
                "UniqueSize": .string(Units.humanSize(i.usage.size - i.usage.sharedSize)), "Containers": .string(String(i.usage.containers)),
                "RawSize": .int(i.usage.size), "RawSharedSize": .int(i.usage.sharedSize),
            ])
        }
        let containers: [JSONValue] = du.containers.map { ctr in
            let s = ctr.summary
            let cmd = table && s.command.count > 20 ? String(s.command.prefix(19)) + "…" : s.command
            return .object([
                "ID": .string(table ? String(s.id.prefix(12)) : s.id), "Image": .string(s.image), "Command": .string("\"" + cmd + "\""),
                "LocalVolumes": .string(String(ctr.localVolumes)), "Size": .string(Units.humanSize(ctr.size)),
                "RunningFor": .string(Units.since(s.created)), "CreatedAt": .string(Units.goTime(s.created)),
                "Status": .string(s.status), "State": .string(s.state), "Names": .string(s.name), "RawSize": .int(ctr.size),
            ])
        }
        let volumes: [JSONValue] = du.volumes.map { v in
            .object(["Name": .string(v.name), "Links": .string(String(v.links)), "Size": .string(Units.humanSize(v.size)),
                     "Driver": .string("local"), "Scope": .string("local"), "RawSize": .int(v.size)])
        }
        let cache: [JSONValue] = du.buildCache.map { e in
            guard case .object(var o) = BuilderDU.row(e) else { return .null }
            o["CacheType"] = o["Type"]
            o["RawSize"] = .int(e.size)
            return .object(o)
        }
        guard table else {
            let all = JSONValue.object(["Images": .array(images), "Containers": .array(containers), "Volumes": .array(volumes), "BuildCache": .array(cache)])
            try Renderer.render([all], format: try OutputFormat.parse(format, defaultTemplate: ""), headers: [:], to: c.out)
            return
        }
        func section(_ title: String, _ rows: [JSONValue], _ template: String, _ headers: [String: String]) throws {
            c.out.line(title)
            c.out.line("")
            try Renderer.render(rows, format: .table(try Template(template)), headers: headers, to: c.out)
        }
        try section("Images space usage:", images, "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
                    ["Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED", "Size": "SIZE",
                     "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"])
        c.out.line("")
        try section("Containers space usage:", containers, "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
                    ["ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "LocalVolumes": "LOCAL VOLUMES", "Size": "SIZE",
                     "RunningFor": "CREATED", "Status": "STATUS", "Names": "NAMES"])
        c.out.line("")
        try section("Local Volumes space usage:", volumes, "{{.Name}}\t{{.Links}}\t{{.Size}}", ["Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"])
        c.out.line("")
        let cacheSize = du.rows.first { $0.type == "Build Cache" }?.size ?? 0
        try section("Build cache usage: " + Units.humanSize(cacheSize), cache,
                    "{{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
                    ["ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED", "LastUsedSince": "LAST USED",
                     "UsageCount": "USAGE", "Shared": "SHARED"])
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
