// Phase timing for development: with HIVE_PROFILE set, `Profile.mark` records
// the time since the first mark and the marks are printed on stderr (Logger.standardError) at
// exit. Off, a mark is one load and a branch.
import Glibc

public enum Profile {
    nonisolated(unsafe) static var marks: [(StaticString, Int64)] = []
    public static let enabled: Bool = {
        guard getenv("HIVE_PROFILE") != nil else { return false }
        atexit { Profile.dump() }
        return true
    }()

    @inline(__always) public static func mark(_ label: StaticString) {
        if enabled { marks.append((label, HostProcess.monotonicNanos() / 1000)) }
    }

    static func dump() {
        guard let start = marks.first?.1 else { return }
        var last = start
        for (label, t) in marks {
            Logger.standardError("profile: \(label) +\(t - last) us (at \(t - start) us)")
            last = t
        }
    }
}
