// `hive image prune [-a] [-f] [--filter ...]`.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform

enum ImagePrune {
    static let def = CommandDef(
        name: "prune", aliases: ["image prune"], usage: "[OPTIONS]",
        summary: "Remove unused images",
        options: [
            .flag("all", "a", "Remove all unused images, not just dangling ones"),
            .multi("filter", nil, "filter", "Provide filter values (e.g. \"until=24h\", \"label=k=v\")"),
            .flag("force", "f", "Do not prompt for confirmation"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 0)
        let all = c.args.flag("all")
        if !c.args.flag("force") {
            let what = all ? "all images without at least one container associated to them" : "all dangling images"
            guard confirm("WARNING! This will remove \(what).\nAre you sure you want to continue? [y/N] ", c) else { return 0 }
        }
        let r = try c.engine().pruneImages(all: all, filters: try ImageFilters(c.args.all("filter")))
        deletedImages(r, to: c)
        c.out.line("Total reclaimed space: " + Units.humanSize(r.reclaimed))
        return 0
    }

    /// Docker's `Deleted Images:` block of a prune (nothing when nothing went).
    static func deletedImages(_ r: RemovalReport, to c: Context) {
        guard !r.items.isEmpty else { return }
        c.out.line("Deleted Images:")
        lines(r, untagged: "untagged: ", deleted: "deleted: ", to: c)
        c.out.line("")
    }

    /// One line per untagged name and deleted image, in the order they went.
    static func lines(_ r: RemovalReport, untagged: String, deleted: String, to c: Context) {
        for item in r.items {
            switch item {
            case .untagged(let t): c.out.line(untagged + familiarName(t))
            case .deleted(let d): c.out.line(deleted + d.description)
            }
        }
    }

    /// Asks on the terminal (or reads a line from stdin, as Docker does).
    static func confirm(_ prompt: String, _ c: Context) -> Bool {
        c.out.write(prompt)
        c.out.flush()
        var line: [UInt8] = []
        var ch: UInt8 = 0
        while read(0, &ch, 1) == 1 && ch != 10 { line.append(ch) }
        let answer = String(decoding: line, as: UTF8.self).lowercased()
        return answer == "y" || answer == "yes"
    }
}
