// The foreground run's stdio (Docker logs every container): the container's
// stdout and stderr go through pipes (or its pty with -t) that
// CHiveLaunch's hive_foreground_run copies to this terminal for the streams
// `-a` attaches and into the container's json-file log, with the writer
// hive-monitor uses (hive_log_writer.h). Not logged (driver none) and with
// every stream attached, the container gets the terminal's fds as before.
import CHiveLaunch
import Glibc
import HivePlatform

/// `run -a STDIN|STDOUT|STDERR`: the streams attached to this terminal.
public struct AttachStreams: Equatable, Sendable {
    public var stdin: Bool
    public var stdout: Bool
    public var stderr: Bool

    public init(stdin: Bool, stdout: Bool, stderr: Bool) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Docker's rule: none named, stdout and stderr (and stdin with -i); else
    /// only those named (case does not matter), stdin only with -i.
    public static func parse(_ names: [String], interactive: Bool) throws(HiveError) -> AttachStreams {
        if names.isEmpty { return AttachStreams(stdin: interactive, stdout: true, stderr: true) }
        var a = AttachStreams(stdin: false, stdout: false, stderr: false)
        for n in names {
            switch n.lowercased() {
            case "stdin": a.stdin = interactive
            case "stdout": a.stdout = true
            case "stderr": a.stderr = true
            default:
                throw HiveError(.invalidArgument, "invalid argument \"\(n)\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR")
            }
        }
        return a
    }
}

/// The json-file writer in this process (the foreground run's log).
public final class ContainerLogWriter {
    /// `hive __gzip-log SRC TMP DST`: a rotated log compressed for hive-monitor.
    public static func gzipRotated(_ src: String, tmp: String, to dst: String) -> Bool {
        hive_log_gzip_file(src, tmp, dst) == 0
    }

    let writer: UnsafeMutablePointer<hive_log_writer>

    /// Opens `dir`/log (appending), with the records' attrs from `dir`/log-attrs;
    /// rotated files are compressed in-process (this binary links libdeflate).
    public init(dir: String, maxSize: Int64, maxFile: Int64, compress: Bool) {
        writer = .allocate(capacity: 1)
        hive_log_open(writer, dir, maxSize, Int(maxFile), compress ? 1 : 0)
        writer.pointee.gzip = hive_log_gzip_file
    }

    /// Flushes what is pending and waits for a compression still running.
    public func close() { hive_log_close(writer) }

    deinit {
        hive_log_close(writer)
        writer.deallocate()
    }
}

/// One foreground run's stdio, from before the launch to the container's exit.
public final class ForegroundIO {
    let attach: AttachStreams
    let log: ContainerLogWriter?
    let tty: Bool
    /// Read ends kept, and what the launch takes (closed here once it has).
    var outR: Int32 = -1, errR: Int32 = -1
    var childFDs: [Int32] = []

    /// Sets `plan.stdio` for `attach` and `log` (nil: not logged).
    public init(plan: inout LaunchPlan, attach: AttachStreams, log: ContainerLogWriter?) throws(HiveError) {
        self.attach = attach
        self.log = log
        tty = plan.tty
        if tty { return }  // the pty is the container's stdio; its master comes back from the launch
        var stdio = plan.stdio
        if !attach.stdin { stdio.0 = try open(null: O_RDONLY) }
        func pipe(_ attached: Bool) throws(HiveError) -> (read: Int32, write: Int32) {
            if log == nil { return attached ? (-1, -1) : (-1, try open(null: O_WRONLY)) }
            var p: [Int32] = [-1, -1]
            guard Files.pipeCloexec(&p) == 0 else { throw HiveError.errno("cannot make the container's output pipe") }
            childFDs.append(p[1])
            return (p[0], p[1])
        }
        let out = try pipe(attach.stdout), err = try pipe(attach.stderr)
        (outR, errR) = (out.read, err.read)
        stdio.1 = out.write
        stdio.2 = err.write
        plan.stdio = stdio
    }

    private func open(null flags: Int32) throws(HiveError) -> Int32 {
        let fd = Glibc.open("/dev/null", flags | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open /dev/null") }
        childFDs.append(fd)
        return fd
    }

    /// The container has been cloned (or the launch failed): the ends it took are closed here.
    public func launched() {
        for fd in childFDs { close(fd) }
        childFDs = []
    }

    /// Waits for `pid`, proxying its output (and with -t this terminal's
    /// input); its exit status as a shell reports it.
    public func run(pid: pid_t) -> Int32 {
        launched()
        let master = tty ? Launcher.lastPtyMaster : -1
        if !tty && outR < 0 && errR < 0 { return Launcher.wait(pid, forwardSignals: true) }
        if !tty { hive_forward_signals(pid) }
        var f = hive_foreground(pid: pid, out_fd: tty ? master : outR, err_fd: tty ? -1 : errR, tty: tty ? 1 : 0,
                                attach_in: attach.stdin ? 1 : 0, attach_out: attach.stdout ? 1 : 0, attach_err: attach.stderr ? 1 : 0,
                                log: log?.writer)
        (outR, errR) = (-1, -1)
        let status = tty && master < 0 ? Launcher.wait(pid, forwardSignals: true) : hive_foreground_run(&f)
        log?.close()
        return status
    }

    deinit {
        launched()
        if outR >= 0 { close(outR) }
        if errR >= 0 { close(errR) }
    }
}
