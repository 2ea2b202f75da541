// Where everything below the CLI says something to the user: a level and a
// sink. The CLI makes one from --log-level (its sink writes to stderr) and
// hands it to the engine (EngineOptions.logger); nothing below the CLI
// writes to stderr itself. Lines read "hive: LEVEL: text" as they always have.
import Glibc

public final class Logger: @unchecked Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case debug = 0, info, warn, error

        /// A --log-level value (Docker's and Podman's names; unknown ones: warn).
        public init(_ text: String) {
            switch text {
            case "debug", "trace": self = .debug
            case "info": self = .info
            case "error", "fatal", "panic": self = .error
            default: self = .warn
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        /// The --log-level name ("warn"), without reflection (a command's start-up pays for that).
        public var name: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warn: return "warn"
            case .error: return "error"
            }
        }

        /// What follows "hive: " on a line of this level.
        public var prefix: String {
            switch self {
            case .debug: return "debug: "
            case .info: return "info: "
            case .warn: return "warning: "
            case .error: return "error: "
            }
        }
    }

    /// Lines below this level are dropped (and their text never built).
    public var level: Level
    /// Takes one finished line, without its newline.
    public var sink: (String) -> Void

    public init(level: Level = .warn, sink: @escaping (String) -> Void = Logger.standardError) {
        self.level = level
        self.sink = sink
    }

    public func enabled(_ l: Level) -> Bool { l >= level }

    /// "hive: <level>: text", if `level` is enabled.
    public func log(_ level: Level, _ text: @autoclosure () -> String) {
        guard level >= self.level else { return }
        sink("hive: " + level.prefix + text())
    }

    public func debug(_ text: @autoclosure () -> String) { log(.debug, text()) }
    public func info(_ text: @autoclosure () -> String) { log(.info, text()) }
    public func warn(_ text: @autoclosure () -> String) { log(.warn, text()) }
    public func error(_ text: @autoclosure () -> String) { log(.error, text()) }

    /// A finished line whatever the level (what the user must see even with
    /// --log-level error, such as hooks that could not run).
    public func line(_ text: String) { sink(text) }

    /// A logger that drops everything.
    public static var discard: Logger { Logger(level: .error) { _ in } }

    /// The sink the CLI gives: one write(2) per line on fd 2, unbuffered, so
    /// lines interleave with the container's output as they happen.
    public static let standardError: (String) -> Void = { line in
        let s = line + "\n"
        _ = s.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
