// A container's log (Docker's json-file options max-size, max-file, compress;
// the none driver). Docker's json-file has no bound by default; hive keeps at
// most 100 MB per container unless told otherwise: --log-opt, then hive.toml's
// [containers] (or [logs]), then 20m x 5 files. hive-monitor, and the
// foreground run with the same writer (ContainerLogWriter), rotate
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

    /// `logs`: the reader of a container's log (none for the none driver, as Docker refuses).
    public func containerLog(_ ref: String) throws -> ContainerLog {
        let (path, r) = try logPath(ref)
        if logDriver(r) == "none" { throw HiveError(.invalidArgument, "configured logging driver does not support reading") }
        return ContainerLog(path: path)
    }

    /// The log driver a container was created with (nil: json-file).
    func logDriver(_ r: ContainerRecord) -> String? { spec(r)?.logDriver }

    /// The foreground run's log writer (nil with the none driver).
    func foregroundLog(_ r: ContainerRecord) -> ContainerLogWriter? {
        guard logDriver(r) != "none" else { return nil }
        let (size, files) = logLimits(r)
        let compress = spec(r)?.logCompress == true
        return ContainerLogWriter(dir: containerDir(r.id), maxSize: size, maxFile: files, compress: compress)
    }

    /// What the monitor is asked beyond the log's bounds: -i, the log driver, compression.
    func monitorFlags(_ r: ContainerRecord) -> MonitorProtocol.Flags {
        var f: MonitorProtocol.Flags = []
        let s = spec(r)
        if s?.interactive == true { f.insert(.interactive) }
        if s?.logDriver == "none" { f.insert(.logNone) }
        if s?.logCompress == true { f.insert(.logCompress) }
        return f
    }
}
