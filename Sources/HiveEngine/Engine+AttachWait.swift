// Attach connections for the Engine API (`POST /containers/{id}/attach`,
// resize). Docker clients attach BEFORE they start a container (`docker
// run`: create, attach, wait, start): an attach to a container that does not
// run yet waits at a socket of its own in the container's directory
// (DIR/attach-wait.RANDOM), and whoever starts the container next (the API's
// start, `hive start`) connects to it and hands that connection to the
// monitor as its starting client (startDetached), which gets every byte of
// output from the first and whose end of input closes the container's stdin
// (Docker's StdinOnce). Nothing about the waiter lives in the service: a
// waiter whose process died leaves a socket nobody answers, which the next
// start removes.
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    static let attachWaitPrefix = "attach-wait."

    /// What an attach client needs to know before it answers: the container's ID and tty.
    public func attachTarget(_ ref: String) throws -> (id: String, tty: Bool, interactive: Bool) {
        let r = try record(ref)
        let s = spec(r)
        return (r.id, s?.tty == true, s?.interactive == true)
    }

    /// An attach about to be answered: for a container that does not run, its
    /// waiter is in place before the client hears back (and starts it).
    public struct PendingAttach {
        let id: String, name: String, dir: String
        let waiter: AttachWaiter?
    }

    /// Checks the container can be attached to and, if it does not run yet,
    /// waits for its start from now on.
    public func beginAttach(_ ref: String) throws -> PendingAttach {
        let r = try record(ref)
        if isPaused(r.id) { throw HiveError(.conflict, "You cannot attach to a paused container, unpause it first") }
        let dir = containerDir(r.id)
        let waiter = isAlive(r) ? nil : try AttachWaiter(dir: dir, name: Engine.attachWaitPrefix + String(DockerNames.randomID().prefix(16)))
        return PendingAttach(id: r.id, name: r.name, dir: dir, waiter: waiter)
    }

    /// A connection to the container's monitor (AttachProtocol): at once for a
    /// running container; for one not running, the connection its next start
    /// hands over (`primary`: it misses no output, its STDIN_EOF closes the
    /// container's stdin). nil when `cancelled` says so first (the client left).
    public func attachConnection(_ p: PendingAttach, cancelled: () -> Bool) throws -> (fd: Int32, primary: Bool)? {
        guard let waiter = p.waiter else { return (try AttachProtocol.connect(containerDir: p.dir, name: p.name), false) }
        // the monitor's attach socket appearing: the container started
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if inotify >= 0 { _ = inotify_add_watch(inotify, p.dir, UInt32(IN_CREATE)) }
        defer { if inotify >= 0 { close(inotify) } }
        while true {
            if let fd = waiter.accept() { return (fd, true) }
            guard let now = try store.container(p.id) else {
                throw HiveError(.notFound, "no such container: \(p.name) (it was removed while attaching)")
            }
            if isAlive(now) {
                // started by someone who did not see this waiter: a plain client
                if let late = waiter.accept() { return (late, true) }
                return (try AttachProtocol.connect(containerDir: p.dir, name: p.name), false)
            }
            if cancelled() { return nil }
            var fds = [pollfd(fd: waiter.fd, events: Int16(POLLIN), revents: 0), pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, 250) > 0 && fds[1].revents != 0 {
                var buf = [UInt8](repeating: 0, count: 4096)
                while Glibc.read(inotify, &buf, buf.count) > 0 {}
            }
        }
    }

    /// startDetached without a starting client of its own: a waiting API
    /// attach's connection (-1: none waits). Sockets nobody serves (their
    /// service died) are removed.
    func takeAttachWaiter(_ dir: String) -> Int32 {
        guard let d = opendir(dir) else { return -1 }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(Engine.attachWaitPrefix) else { continue }
            let fd = AttachProtocol.connect(dir: dir, name: name)
            if fd >= 0 { return fd }
            if errno == ECONNREFUSED { unlink(dir + "/" + name) }
        }
        return -1
    }

    /// The tty size of a running container (`POST /containers/{id}/resize`),
    /// through its monitor as `hive attach` sends it.
    public func resizeTTY(_ ref: String, rows: Int, columns: Int) throws {
        let r = try record(ref)
        guard isAlive(r) else { throw HiveError(.conflict, "Container \(ref) is not running") }
        guard spec(r)?.tty == true else { return }
        let sock = try AttachProtocol.connect(containerDir: containerDir(r.id), name: r.name)
        defer { close(sock) }
        // the monitor's HELLO first: a client gone before it is dropped unread
        var hello = [UInt8](repeating: 0, count: AttachProtocol.headerSize + 4)
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = recv(sock, &hello, hello.count, Int32(MSG_WAITALL))
        let frame = AttachProtocol.resize(rows: rows, columns: columns)
        _ = frame.withUnsafeBytes { send(sock, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
