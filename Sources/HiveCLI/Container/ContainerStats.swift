// `hive stats [--no-stream] [--no-trunc] [--format] [-a] [CONTAINER...]`:
// Docker's live table of CPU %, memory, network and block I/O and pids,
// redrawn every second (cleared first on a terminal), or once with --no-stream.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRuntime

enum ContainerStats {
    static let def = CommandDef(
        name: "stats", aliases: ["stats", "container stats"], usage: "[OPTIONS] [CONTAINER...]",
        summary: "Display a live stream of container(s) resource usage statistics",
        options: [
            .flag("all", "a", "Show all containers (default shows just running)"),
            .value("format", nil, "string", "Format output: table, json, or a Go template"),
            .flag("no-stream", nil, "Disable streaming stats and only pull the first result"),
            .flag("no-trunc", nil, "Do not truncate output"),
        ], run: run)

    static let headers = [
        "Container": "CONTAINER", "ID": "CONTAINER ID", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
        "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
    ]

    static func run(_ c: Context) throws -> Int32 {
        let engine = try c.engine()
        let format = try OutputFormat.parse(
            c.args.value("format"), defaultTemplate: "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}")
        let named = c.args.positionals
        let all = c.args.flag("all"), stream = !c.args.flag("no-stream"), noTrunc = c.args.flag("no-trunc")
        let clear = stream && isatty(1) == 1
        // the containers of this frame: (as given or its ID, reading); named ones must exist at first
        func read(first: Bool) throws -> [(String, StatsSample)] { try engine.statsFrame(named: named, all: all, strict: first) }
        var previous: [String: StatsSample] = [:]
        for s in try read(first: true) { previous[s.1.id] = s.1 }
        var next = Timestamp.now().unixNanos
        while true {
            next += 1_000_000_000
            let wait = next - Timestamp.now().unixNanos
            if wait > 0 { usleep(UInt32(min(wait / 1000, 1_000_000))) }
            let now = try read(first: false)
            let rows = now.map { given, s in row(given: named.isEmpty ? nil : given, s, previous: previous[s.id], noTrunc: noTrunc) }
            if clear { c.out.write("\u{1b}[2J\u{1b}[H") }
            try Renderer.render(rows, format: format, headers: headers, to: c.out)
            c.out.flush()
            if !stream { return 0 }
            previous = Dictionary(now.map { ($0.1.id, $0.1) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// One table row: Docker's fields and number formats.
    static func row(given: String?, _ s: StatsSample, previous: StatsSample?, noTrunc: Bool) -> JSONValue {
        let u = s.usage
        let id = noTrunc ? s.id : String(s.id.prefix(12))
        var cpu = 0.0
        if let p = previous, let now = u.cpuNanos, let before = p.usage.cpuNanos, now > before, s.hostCPU > p.hostCPU {
            cpu = Double(now - before) / Double(s.hostCPU - p.hostCPU) * Double(Cgroups.onlineCPUs) * 100
        }
        let mem = u.memory ?? 0, limit = u.memoryLimit ?? 0
        func pair(_ a: Int64, _ b: Int64, _ f: (Int64) -> String) -> String { f(a) + " / " + f(b) }
        return .object([
            "Container": .string(given ?? id), "ID": .string(id), "Name": .string(s.name),
            "CPUPerc": .string(Units.fixed(cpu, 2) + "%"),
            "MemUsage": .string(pair(mem, limit, Units.bytesSize)),
            "MemPerc": .string(Units.fixed(limit > 0 ? Double(mem) / Double(limit) * 100 : 0, 2) + "%"),
            "NetIO": .string(pair(u.netRx, u.netTx, Units.humanSize)),
            "BlockIO": .string(pair(u.blockRead, u.blockWrite, Units.humanSize)),
            "PIDs": .string(String(u.pids ?? 0)),
        ])
    }
}
