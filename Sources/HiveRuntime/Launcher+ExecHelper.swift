// `hive exec` for the Engine API service: the service has many threads and
// the kernel joins a time namespace only for a single-threaded caller, so
// the exec runs through a helper child (CHiveLaunch's exec_helper.c) that
// reports the process's pid, its pty master, and later its exit status.
import CHiveLaunch
import Glibc
import HiveArchive
import HivePlatform

public final class ExecHelper {
    /// The helper's report socket, and the helper (reaped by `status()`).
    let sock: Int32
    let helper: pid_t
    public private(set) var pid: pid_t = 0
    /// With a tty: the pty master (the caller's to close).
    public private(set) var ptyMaster: Int32 = -1
    private var reaped = false

    init(sock: Int32, helper: pid_t) {
        self.sock = sock
        self.helper = helper
    }

    deinit {
        close(sock)
        reap()
    }

    /// The report socket, for a poll: readable once the status is there.
    public var statusFD: Int32 { sock }

    private func reap() {
        guard !reaped else { return }
        reaped = true
        var st: Int32 = 0
        while waitpid(helper, &st, 0) < 0 && errno == EINTR {}
    }

    /// Waits for the process's start: its pid (a failure throws, as `hive exec` fails).
    func started() throws {
        var r = hive_exec_report()
        var passed: Int32 = -1
        guard hive_exec_read_report(sock, &r, &passed) == 0 else {
            reap()
            throw HiveError(.internal, "the exec helper ended without a report")
        }
        if r.kind == HIVE_EXEC_FAILED {
            reap()
            let message = withUnsafeBytes(of: r.err) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw LaunchError(message: message, exitCode: r.value)
        }
        pid = r.value
        ptyMaster = passed
    }

    /// Waits for the process's exit status (as a shell reports it; -1 if the helper was lost).
    public func status() -> Int32 {
        var r = hive_exec_report()
        var passed: Int32 = -1
        let ok = hive_exec_read_report(sock, &r, &passed) == 0 && r.kind == HIVE_EXEC_EXITED
        if passed >= 0 { close(passed) }
        reap()
        return ok ? r.value : -1
    }
}

extension Launcher {
    /// `exec` from a multi-threaded process: as `exec`, through a helper child; returns once the process runs.
    public static func execThroughHelper(target: pid_t, targetStart: Int64?, planFile: String, argv: [String], env: [String],
                                         user: ResolvedUser?, cwd: String?, stdio: (Int32, Int32, Int32), tty: Bool,
                                         privileged: Bool) throws -> ExecHelper {
        let plan = try execPlan(planFile: planFile, argv: argv, env: env, user: user, cwd: cwd, stdio: stdio, tty: tty, privileged: privileged)
        var helper: pid_t = 0
        let sock = hive_exec_spawn(target, UInt64(max(0, targetStart ?? 0)), &plan.p, &helper)
        guard sock >= 0 else { throw HiveError.errno("cannot start the exec helper (fork)") }
        let h = ExecHelper(sock: sock, helper: helper)
        try h.started()
        return h
    }
}

public enum Terminal {
    /// A terminal's size (a pty's master or slave).
    public static func setSize(_ fd: Int32, rows: Int, columns: Int) {
        _ = hive_set_winsize(fd, UInt16(clamping: rows), UInt16(clamping: columns))
    }
}
