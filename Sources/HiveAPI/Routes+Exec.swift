// Exec: create (a record in the container's directory: Engine+ExecRecords),
// start (hijacked: the process's stdio relayed, framed without a tty; its
// exit code recorded before the stream ends, since the client reads it next
// from `GET /exec/{id}/json`), inspect, resize.
import Glibc
import HiveEngine
import HivePlatform
import HiveRuntime

extension APIServer {
    static var execRoutes: [APIRoute] {
        [
            APIRoute("POST", "/containers/{id}/exec") { call in
                let b = try call.request.json()
                var c = Engine.ExecConfig()
                c.argv = b["Cmd"]?.arrayValue?.compactMap(\.stringValue) ?? []
                c.env = b["Env"]?.arrayValue?.compactMap(\.stringValue) ?? []
                c.user = b["User"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                c.workdir = b["WorkingDir"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                c.tty = b["Tty"]?.boolValue ?? false
                c.privileged = b["Privileged"]?.boolValue ?? false
                c.stdin = b["AttachStdin"]?.boolValue ?? false
                c.stdout = b["AttachStdout"]?.boolValue ?? false
                c.stderr = b["AttachStderr"]?.boolValue ?? false
                c.detachKeys = b["DetachKeys"]?.stringValue ?? ""
                if let cs = b["ConsoleSize"]?.arrayValue, cs.count == 2, let h = cs[0].intValue, let w = cs[1].intValue, h > 0, w > 0 {
                    c.consoleSize = (Int(h), Int(w))
                }
                let id = try call.engine().createExec(call.request.param("id"), c)
                return .json(.object(["Id": .string(id)]), status: 201)
            },
            APIRoute("POST", "/exec/{id}/start") { call in try execStart(call) },
            APIRoute("GET", "/exec/{id}/json") { call in .json(try call.engine().execInfo(call.request.param("id"))) },
            APIRoute("POST", "/exec/{id}/resize") { call in
                let (h, w) = (try call.request.int("h") ?? 0, try call.request.int("w") ?? 0)
                try call.engine().resizeExec(call.request.param("id"), rows: h, columns: w)
                return .text("", contentType: "text/plain; charset=utf-8")
            },
        ]
    }

    /// `POST /exec/{id}/start` `{"Detach":..,"Tty":..}`.
    static func execStart(_ call: APICall) throws -> APIReply {
        let execID = call.request.param("id")
        let b = try call.request.json()
        let detach = b["Detach"]?.boolValue ?? false
        let e = try call.engine()
        let info = try e.execInfo(execID)
        let tty = b["Tty"]?.boolValue ?? info["ProcessConfig"]?["tty"]?.boolValue ?? false
        // the process's ends of its stdio (closed here once it has them); ours stay
        var ours: [Int32] = [-1, -1, -1], theirs: [Int32] = [-1, -1, -1]
        defer { for fd in ours + theirs where fd >= 0 { close(fd) } }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        theirs = [null, dup(null), dup(null)]
        if !detach && !tty {
            let wanted = [info["OpenStdin"]?.boolValue == true, info["OpenStdout"]?.boolValue == true, info["OpenStderr"]?.boolValue == true]
            for i in 0..<3 where wanted[i] {
                var p: [Int32] = [-1, -1]
                guard Files.pipeCloexec(&p) == 0 else { throw HiveError.errno("cannot make a pipe for exec \(execID)") }
                close(theirs[i])
                (ours[i], theirs[i]) = i == 0 ? (p[1], p[0]) : (p[0], p[1])
            }
        }
        // the head goes out before the process starts (startExec's beforeLaunch):
        // docker-py reads it with a buffered reader and then reads the raw
        // socket, so output sent together with the head would be lost
        var stream: HijackedStream?
        let helper: ExecHelper
        do {
            (helper, _) = try e.startExec(execID, stdio: (theirs[0], theirs[1], theirs[2]), tty: detach ? false : tty) {
                if !detach { stream = try call.responder.hijack(contentType: streamType(tty: tty, call.request.version)) }
            }
        } catch {
            guard let stream else { throw error }
            // after the head, the error can only go into the stream (as Docker's), and into the record
            let text = Array((HiveError.render(error) + "\r\n").utf8)
            stream.write(tty ? text : AttachProtocol.header(type: AttachProtocol.stdoutFrame, length: UInt32(text.count)) + text)
            finishExec(call, execID, HiveError.from(error).code == .commandNotFound ? 127 : 126)
            stream.close()
            return .handled
        }
        for i in 0..<3 { close(theirs[i]); theirs[i] = -1 }
        if detach {
            // recorded when it ends, while this service runs (a later inspect sees a dead pid as not running)
            finishLater(call, execID, helper)
            return .status(200)
        }
        let ours0 = ours[0]
        let outputs = helper.ptyMaster >= 0 ? [dup(helper.ptyMaster), -1] : [ours[1], ours[2]]
        if helper.ptyMaster >= 0 {
            if let cs = info["ConsoleSize"]?.arrayValue, cs.count == 2, let h = cs[0].intValue, let w = cs[1].intValue {
                Terminal.setSize(helper.ptyMaster, rows: Int(h), columns: Int(w))
            }
        }
        guard let stream else {
            for fd in outputs where fd >= 0 && helper.ptyMaster >= 0 { close(fd) }
            if helper.ptyMaster >= 0 { close(helper.ptyMaster) }
            finishLater(call, execID, helper)
            throw HiveError(.internal, "exec \(execID) started without its stream")
        }
        ours = [-1, -1, -1]  // the relay closes them
        ExecRelay.run(stream: stream, stdin: helper.ptyMaster >= 0 ? helper.ptyMaster : ours0, outputs: outputs, tty: helper.ptyMaster >= 0,
                      helper: helper) { status in
            if let status {
                finishExec(call, execID, status)
            } else {
                // the client left: the process runs on; its end is still recorded
                finishLater(call, execID, helper)
            }
        }
        return .handled
    }

    static func finishExec(_ call: APICall, _ execID: String, _ status: Int32) {
        (try? call.engine())?.finishExec(execID, status: status)
    }

    /// The exec's end recorded by a thread of its own (with an engine of its
    /// own: the request's is done), while this service runs.
    static func finishLater(_ call: APICall, _ execID: String, _ helper: ExecHelper) {
        let s = call.settings
        HostThread.detach {
            let status = helper.status()
            guard let e = try? Engine(root: s.root, runroot: s.runroot, options: s.engineOptions) else { return }
            e.finishExec(execID, status: status)
            e.flushEvents()
        }
    }
}

/// An exec's stdio to a hijacked stream: its output (pipes, or the pty's
/// master) framed or raw, the client's bytes to its stdin (the half-close
/// closes a pipe; a pty's input stays open).
enum ExecRelay {
    /// Relays until the process's output ends; `done` gets its exit status
    /// (nil: the client left first) before the stream closes (the client asks
    /// for the exit code next). Closes the fds and the stream.
    static func run(stream: HijackedStream, stdin: Int32, outputs: [Int32], tty: Bool, helper: ExecHelper, done: (Int32?) -> Void) {
        let inputLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(inputLock, nil)
        var input = stdin
        let pump = InputPump(stream: stream) { bytes in
            pthread_mutex_lock(inputLock)
            defer { pthread_mutex_unlock(inputLock) }
            guard input >= 0 else { return false }
            guard let bytes else {
                if !tty { close(input); input = -1 }
                return true
            }
            return writeAll(input, bytes)
        } gone: {}
        let open = outputs.filter { $0 >= 0 }
        done(relayOutput(stream: stream, open, tty: tty, stderr: tty ? -1 : outputs[1], helper: helper))
        pump.finish()
        stream.close()
        pump.join()
        if input >= 0 { close(input) }
        pthread_mutex_destroy(inputLock)
        inputLock.deallocate()
    }

    /// The output's relay: the exit status, or nil when the client left first.
    static func relayOutput(stream: HijackedStream, _ outputs: [Int32], tty: Bool, stderr: Int32, helper: ExecHelper) -> Int32? {
        var open = outputs
        defer { for fd in open { close(fd) } }
        var exited = false
        var buf = [UInt8](repeating: 0, count: 32 * 1024)
        while !open.isEmpty {
            if stream.isClosed { return nil }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: exited ? -1 : helper.statusFD, events: Int16(POLLIN), revents: 0))
            let n = poll(&fds, nfds_t(fds.count), exited ? 0 : 500)
            if n < 0 && errno == EINTR { continue }
            if n == 0 && exited { break }  // gone quiet after the exit: what a leftover child holds open is not waited for
            if fds.last!.revents != 0 { exited = true }
            var out: [UInt8] = []
            for p in fds.dropLast() where p.revents != 0 {
                let k = Glibc.read(p.fd, &buf, buf.count)
                if k < 0 && errno == EINTR { continue }
                guard k > 0 else {  // EOF (a pty: EIO once the process's side closed)
                    close(p.fd)
                    open.removeAll { $0 == p.fd }
                    continue
                }
                if !tty { out += AttachProtocol.header(type: p.fd == stderr ? AttachProtocol.stderrFrame : AttachProtocol.stdoutFrame, length: UInt32(k)) }
                out += buf[0..<k]
            }
            if !out.isEmpty && !stream.write(out) { return nil }
        }
        return helper.status()
    }
}
