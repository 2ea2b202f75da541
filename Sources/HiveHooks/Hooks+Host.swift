// What a running hook asks of hive (the `hive` API's host calls): logging,
// hive.exec, the store's lists.
import CHiveLua
import Glibc
import HiveOCI
import HivePlatform

extension Hooks {
    // MARK: - What scripts ask for

    func warn(_ text: String) { log(.warn, text) }

    func log(_ level: LogLevel, _ text: @autoclosure () -> String) { logger.log(level, text()) }

    /// `timeLeft`: nanoseconds before the calling handler's deadline (hive.exec is killed then).
    func answer(_ op: String, _ arg: JSONValue, script: String, event: HookEvent?, timeLeft: Int64 = Int64.max) throws -> JSONValue {
        let tag = "hook \(script)" + (event.map { " (\($0.rawValue))" } ?? "")
        switch op {
        case "log":
            let parts = arg.arrayValue ?? []
            let level = LogLevel(parts.first?.stringValue ?? "info")
            log(level, "\(tag): \(parts.count > 1 ? parts[1].stringValue ?? "" : "")")
            return .null
        case "exec":
            guard let argv = arg.arrayValue?.compactMap(\.stringValue), !argv.isEmpty, argv.count == arg.arrayValue?.count else {
                throw HiveError(.invalidArgument, "hive.exec takes a list of strings: {\"/usr/sbin/ip\", \"link\", ...}")
            }
            guard argv[0].hasPrefix("/") else { throw HiveError(.invalidArgument, "hive.exec needs an absolute path, not \"\(argv[0])\" (no shell, no PATH search)") }
            if dryRun {
                log(.info, "\(tag): would run \(argv.joined(separator: " "))")
                return .object(["status": .int(0), "stdout": .string(""), "stderr": .string(""), "dry_run": .bool(true)])
            }
            // whatever a hook does, the command ends by the hook's deadline
            guard timeLeft > 0 else { throw HiveError(.io, "hive.exec: the hook's time budget is spent") }
            let r = try HookExec.run(argv, timeoutNanos: min(10_000_000_000, timeLeft))
            return .object(["status": .int(Int64(r.status)), "stdout": .string(r.stdout), "stderr": .string(r.stderr)])
        case "require":
            guard let name = arg.stringValue, !name.isEmpty, !name.contains(".."),
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-./".contains($0)) }) else {
                throw HiveError(.invalidArgument, "module name \(arg.serialized()) is not allowed")
            }
            let rel = name.replacing(".", with: "/") + ".lua"
            let scriptDir = script.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            for dir in config.pluginDirs + [scriptDir] where access(dir + "/" + rel, F_OK) == 0 {
                let path = dir + "/" + rel
                _ = try Hooks.checkedFile(path)
                guard let text = Files.readText(path) else { throw HiveError.errno("cannot read module \(path)") }
                return .array([.string(text), .string("@" + path)])
            }
            throw HiveError(.notFound, "module '\(name)' not found in the plugin directories")
        default:
            guard let host else { throw HiveError(.internal, "hive.\(op) is not available here") }
            return try host.hookQuery(op, arg)
        }
    }
}
