// Health checks (issue #14): the engine's side of what hive-monitor's health.c
// does. The resolved check is written beside the plan when the container is
// created (only for one that has a check); the monitor runs it and keeps
// Docker's State.Health in DIR/health, which inspect and ps read; on a status
// change it runs `hive container health-event`, which lands here: the
// `health_status: STATUS` event, the on-health hook and --health-on-failure.
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// DIR/healthcheck for the monitor, when the container has a check.
    func writeHealthConfig(_ spec: ContainerSpec, dir: String) throws {
        guard let h = spec.healthcheck else { return }
        try Files.write(dir + "/" + HealthFile.config, bytes: HealthFile.configText(h, onFailure: spec.healthOnFailure), mode: 0o600)
    }

    /// A running container's health status for ps ("starting", "healthy",
    /// "unhealthy"), from the state file's first bytes; nil: it has no check.
    func healthStatus(_ id: String) -> String? {
        let fd = open(containerDir(id) + "/" + HealthFile.state, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 40)
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? HealthFile.status(prefix: Array(buf[..<n])) : nil
    }

    /// inspect's State.Health (Status, FailingStreak, Log): nil without a check.
    func healthState(_ r: ContainerRecord) -> JSONValue? {
        guard spec(r)?.healthcheck != nil else { return nil }
        guard let bytes = Files.read(containerDir(r.id) + "/" + HealthFile.state), let v = try? JSONValue.parse(bytes), v["Status"] != nil else {
            // created, or started by a monitor that has not written yet
            return .object(["Status": .string("starting"), "FailingStreak": .int(0), "Log": .array([])])
        }
        return v
    }

    /// on-health's own fields: the new and previous status, the failing streak,
    /// the last check's output and exit code (`hooks test` without a status: the current one).
    func healthContext(_ r: ContainerRecord, status: String? = nil, previous: String? = nil) -> [String: JSONValue] {
        let state = healthState(r)
        let last = state?["Log"]?.arrayValue?.last
        let now = status ?? state?["Status"]?.stringValue ?? "starting"
        return [
            "status": .string(now), "previous_status": .string(previous ?? now),
            "failing_streak": .int(state?["FailingStreak"]?.intValue ?? 0),
            "output": .string(last?["Output"]?.stringValue ?? ""),
            "exit_code": .int(last?["ExitCode"]?.intValue ?? 0),
        ]
    }

    /// `container health-event ID STATUS PREVIOUS [PID]` (run by the monitor): the
    /// event, the on-health hook, and on "unhealthy" the --health-on-failure action,
    /// taken only on the run the status is of (`run`: its pid; a later run is left alone).
    public func healthEvent(_ ref: String, status: String, previous: String, run: Int32? = nil) throws {
        let known = ["starting", "healthy", "unhealthy"]
        guard known.contains(status), known.contains(previous) else {
            throw HiveError(.invalidArgument, "invalid health status \"\(status)\" or \"\(previous)\" (starting, healthy, unhealthy)")
        }
        let r = try record(ref)
        emit(.onHealth, containerEvent(r, "health_status: " + status), context: containerOverlay(r, extra: healthContext(r, status: status, previous: previous)),
             base: containerBase(r), subject: containerSubject(r))
        guard status == "unhealthy", isAlive(r), let pid = r.pid, run == nil || run == pid else { return }
        switch spec(r)?.healthOnFailure {
        case "kill":
            // not a user's stop: a restart policy brings it back
            _ = Glibc.kill(pid, SIGKILL)
        case "stop":
            try stop(r.id, timeout: nil)
        case "restart":
            try stop(r.id, timeout: nil)
            _ = try startDetached(r.id)
        default:
            break
        }
    }
}
