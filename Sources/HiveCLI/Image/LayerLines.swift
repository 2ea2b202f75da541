// The per-layer lines of a pull or a push, as Docker draws them: on a
// terminal every layer's line redrawn in place (ANSI cursor up), at most
// every 100 ms while only byte counts move; piped, one plain line each time
// a layer changes state. The caller says what a state is (`isNew`) and how a
// layer's line reads (`line`, with the bar on a terminal); it serialises calls.
import HivePlatform

final class LayerLines<State> {
    private let out: Output
    private let tty: Bool
    private let isNew: (State, State) -> Bool
    private let line: (_ id: String, State, _ terminal: Bool) -> String
    private var order: [String] = []
    private var states: [String: State] = [:]
    /// Layer lines on the screen (tty).
    private var drawn = 0
    private var lastDraw: Int64 = 0

    init(out: Output, tty: Bool, isNew: @escaping (State, State) -> Bool,
         line: @escaping (_ id: String, State, _ terminal: Bool) -> String) {
        self.out = out
        self.tty = tty
        self.isNew = isNew
        self.line = line
    }

    /// Layer `id` is now in `state`.
    func set(_ id: String, _ state: State) {
        let old = states[id]
        if old == nil { order.append(id) }
        states[id] = state
        let changed = old.map { isNew($0, state) } ?? true
        if tty {
            let now = HostProcess.monotonicNanos()
            guard changed || now - lastDraw >= 100_000_000 else { return }
            lastDraw = now
            if drawn > 0 { out.write("\u{1B}[\(drawn)A") }
            for id in order { out.write("\u{1B}[2K" + line(id, states[id]!, true) + "\n") }
            drawn = order.count
        } else if changed {
            out.line(line(id, state, false))
        }
    }

    /// A new set of layers (the next image) starts below what is drawn.
    func reset() {
        order = []
        states = [:]
        drawn = 0
    }
}
