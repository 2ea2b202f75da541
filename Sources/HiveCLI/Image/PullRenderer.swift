// A pull's progress as Docker shows it. On a terminal the per-layer lines
// are redrawn in place (ANSI cursor up) with a bar and sizes; piped, one
// plain line per state change (no bars); quiet, nothing. The engine reports
// (PullUpdate), this renders: HiveCLI is the only printer.
import HiveRegistry
import HivePlatform

final class PullRenderer: @unchecked Sendable {
    private let out: Output
    private let tty: Bool
    private let quiet: Bool
    private var order: [String] = []
    private var phases: [String: PullLayerPhase] = [:]
    /// Layer lines on the screen below the header (tty).
    private var drawn = 0
    private var lastDraw: Int64 = 0

    init(out: Output, tty: Bool, quiet: Bool) {
        self.out = out
        self.tty = tty
        self.quiet = quiet
    }

    /// One update (the puller calls it one call at a time).
    func update(_ u: PullUpdate) {
        guard !quiet else { return }
        switch u {
        case .pulling(let what, let repository):
            out.line("\(what): Pulling from \(repository)")
            order = []
            phases = [:]
            drawn = 0
        case .layer(let id, let phase):
            let old = phases[id]
            if old == nil { order.append(id) }
            phases[id] = phase
            let changed = old.map { $0.isNewState(phase) } ?? true
            if tty {
                let now = HostProcess.monotonicNanos()
                guard changed || now - lastDraw >= 100_000_000 else { return }
                lastDraw = now
                redraw()
            } else if changed {
                out.line("\(id): \(phase.words)")
            }
        }
        out.flush()
    }

    private func redraw() {
        if drawn > 0 { out.write("\u{1B}[\(drawn)A") }
        for id in order { out.write("\u{1B}[2K" + PullRenderer.line(id, phases[id]!) + "\n") }
        drawn = order.count
    }

    /// A layer's line on a terminal: `id: Downloading [====>    ]  1.2MB/3.4MB`.
    static func line(_ id: String, _ phase: PullLayerPhase) -> String {
        guard case .downloading(let done, let total) = phase, total > 0 else { return "\(id): \(phase.words)" }
        return "\(id): Downloading \(bar(done, total))  \(Units.humanSize(done))/\(Units.humanSize(total))"
    }

    /// Docker's 50-column bar: `[=====>     ]`.
    static func bar(_ done: Int64, _ total: Int64, width: Int = 50) -> String {
        let filled = total > 0 ? Int(min(done, total) * Int64(width) / total) : 0
        if filled >= width { return "[" + String(repeating: "=", count: width) + "]" }
        return "[" + String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: width - filled - 1) + "]"
    }
}
