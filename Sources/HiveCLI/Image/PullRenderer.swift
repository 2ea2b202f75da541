// A pull's progress as Docker shows it. On a terminal the per-layer lines
// are redrawn in place (ANSI cursor up) with a bar and sizes; piped, one
// plain line per state change (no bars); quiet, nothing. The engine reports
// (PullUpdate), this renders: HiveCLI is the only printer.
import HiveRegistry
import HivePlatform

final class PullRenderer: @unchecked Sendable {
    private let out: Output
    private let quiet: Bool
    private let layers: LayerLines<PullLayerPhase>

    init(out: Output, tty: Bool, quiet: Bool) {
        self.out = out
        self.quiet = quiet
        layers = LayerLines(out: out, tty: tty, isNew: { $0.isNewState($1) },
                            line: { id, phase, terminal in terminal ? PullRenderer.line(id, phase) : "\(id): \(phase.words)" })
    }

    /// One update (the puller calls it one call at a time).
    func update(_ u: PullUpdate) {
        guard !quiet else { return }
        switch u {
        case .pulling(let what, let repository):
            out.line("\(what): Pulling from \(repository)")
            layers.reset()
        case .layer(let id, let phase):
            layers.set(id, phase)
        }
        out.flush()
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
