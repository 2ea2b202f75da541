// `hive images` / `hive image ls`.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageList {
    static let def = CommandDef(
        name: "images", aliases: ["images", "image ls", "image list"], usage: "[OPTIONS] [REPOSITORY[:TAG]]",
        summary: "List images",
        options: [
            .flag("all", "a", "Show all images (default hides intermediate images)"),
            .flag("digests", nil, "Show digests"),
            .multi("filter", "f", "filter", "Filter output based on conditions provided (dangling, reference, label, before, since, until)"),
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
            .flag("no-trunc", nil, "Don't truncate output"),
            .flag("quiet", "q", "Only show image IDs"),
        ], run: run)

    static let headers = [
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "CreatedSince": "CREATED",
        "CreatedAt": "CREATED AT", "Size": "SIZE", "VirtualSize": "VIRTUAL SIZE", "SharedSize": "SHARED SIZE",
        "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS",
    ]

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 1)
        var filterArgs = c.args.all("filter")
        if let repo = c.args.positionals.first { filterArgs.append("reference=" + repo) }
        let filters = try ImageFilters(filterArgs)
        let noTrunc = c.args.flag("no-trunc")
        let images = try c.engine().listImages(filters: filters, all: c.args.flag("all"))
        if c.args.flag("quiet") {
            var seen = Set<Digest>()
            for i in images where seen.insert(i.record.id).inserted {
                c.out.line(noTrunc ? i.record.id.description : i.record.id.shortID)
            }
            return 0
        }
        let digests = c.args.flag("digests")
        let defaultTemplate = digests
            ? "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
            : "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
        // without --format, Docker's config.json imagesFormat, as the docker CLI
        let format = try OutputFormat.parse(c.args.value("format") ?? DockerCLIConfig.format("imagesFormat"), defaultTemplate: defaultTemplate)
        // the repository digests (set by pull and push) are read only when shown
        let needDigests = format.reads("Digest")
        let engine = try c.engine()
        var rows: [JSONValue] = []
        for i in images {
            let known = needDigests ? try engine.store.repoDigests(image: i.record.id) : []
            let tags = i.tags.isEmpty ? [nil] : i.tags.map { Optional($0) }
            for t in tags { rows.append(row(i, tag: t, noTrunc: noTrunc, repoDigests: known)) }
        }
        try Renderer.render(rows, format: format,
                            headers: headers, to: c.out)
        return 0
    }

    /// One row; `repoDigests` (`repository@sha256:...`) give the DIGEST of
    /// the row's repository, `<none>` for an image no registry knows (as Docker).
    static func row(_ i: ImageSummary, tag: String?, noTrunc: Bool, repoDigests: [String] = []) -> JSONValue {
        let r = i.record
        var repo = "<none>", tagName = "<none>"
        var digest = "<none>"
        if let tag, let ref = try? Reference(parsing: tag) {
            repo = ref.familiarRepository
            tagName = ref.tag ?? "<none>"
            if let known = repoDigests.first(where: { $0.hasPrefix(ref.repository + "@") }) {
                digest = String(known.dropFirst(ref.repository.count + 1))
            }
        }
        let size = Units.humanSize(r.size)
        return .object([
            "ID": .string(noTrunc ? r.id.description : r.id.shortID),
            "Repository": .string(repo),
            "Tag": .string(tagName),
            "Digest": .string(digest),
            "CreatedSince": .string(Units.since(r.created)),
            "CreatedAt": .string(Units.goTime(r.created)),
            "Size": .string(size),
            "VirtualSize": .string(size),
            "SharedSize": .string("N/A"),
            "UniqueSize": .string("N/A"),
            "Containers": .string("N/A"),
        ])
    }
}
