// The bounds of a detached container's log (Docker's json-file options
// max-size and max-file). Docker's json-file has no bound by default; hive
// keeps at most 100 MB per container unless told otherwise: --log-opt, then
// hive.toml's [logs], then 20m x 5 files. hive-monitor rotates
// (log, log.1, ...) and splits a line longer than 16 KiB into records, so a
// stream without newlines is bounded too; `hive logs` reads across the files
// (HiveRuntime/ContainerLog.swift).
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

/// The reader of a container's log (HiveRuntime), under the name the CLI knows.
public typealias ContainerLog = HiveRuntime.ContainerLog

extension Engine {
    /// What hive-monitor gets for a container: its own options, else hive.toml's, else 20m x 5.
    /// (`start` reads the two fields with the fast parser, not the spec's Decodable.)
    func logLimits(_ r: ContainerRecord) -> (maxSize: Int64, maxFile: Int64) {
        var size: Int64?, files: Int64?
        if let s = decodedSpecs[r.config] {
            (size, files) = (s.logMaxSize, s.logMaxFile)
        } else if let v = try? JSONValue.parse(Array(r.config.utf8)) {
            (size, files) = (v["logMaxSize"]?.intValue, v["logMaxFile"]?.intValue)
        }
        guard size == nil || files == nil else { return (size!, files!) }
        let c = (try? config()) ?? HiveConfig()
        return (size ?? c.logMaxSize, files ?? c.logMaxFile)
    }

    /// `logs`: the reader of a container's log.
    public func containerLog(_ ref: String) throws -> ContainerLog {
        ContainerLog(path: try logPath(ref).0)
    }

    /// What the monitor is asked beyond the log's bounds: -i, the log driver, compression.
    func monitorFlags(_ r: ContainerRecord) -> MonitorProtocol.Flags {
        var f: MonitorProtocol.Flags = []
        let interactive: Bool?, driver: String?, compress: Bool?
        if let s = decodedSpecs[r.config] {
            (interactive, driver, compress) = (s.interactive, s.logDriver, s.logCompress)
        } else {
            let v = try? JSONValue.parse(Array(r.config.utf8))
            (interactive, driver, compress) = (v?["interactive"]?.boolValue, v?["logDriver"]?.stringValue, v?["logCompress"]?.boolValue)
        }
        if interactive == true { f.insert(.interactive) }
        if driver == "none" { f.insert(.logNone) }
        if compress == true { f.insert(.logCompress) }
        return f
    }
}
