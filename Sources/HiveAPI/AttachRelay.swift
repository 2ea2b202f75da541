// A hijacked API connection relayed to a container's monitor (attach) or to
// an exec's stdio: Docker's stream on one side, hive's attach protocol (or
// pipes and a pty) on the other. hive's frames have Docker's stdcopy header
// (stream 1 stdout, 2 stderr, big-endian length), so without a tty the
// container's output frames go to the client as they come; with one, their
// payloads go raw. Client bytes become STDIN frames; the client's half-close
// ends the container's stdin when this connection started it (StdinOnce).
import Glibc
import HivePlatform
import HiveRuntime

enum AttachRelay {
    struct Streams {
        var stdin = false, stdout = true, stderr = true
    }

    /// Relays until the monitor sends the exit (its status), or either side
    /// ends (nil). Closes `sock` and the stream.
    static func run(sock: Int32, stream: HijackedStream, streams: Streams, primary: Bool) -> Int32? {
        let input = InputPump(stream: stream) { bytes in
            guard let bytes else {
                // the client's half-close: the container's stdin ends (only a starting client's counts)
                if streams.stdin && primary { _ = writeAll(sock, AttachProtocol.header(type: AttachProtocol.stdinEOFFrame, length: 0)) }
                return true
            }
            guard streams.stdin else { return true }
            var off = 0
            while off < bytes.count {
                let n = min(AttachProtocol.dataMax, bytes.count - off)
                let frame = AttachProtocol.header(type: AttachProtocol.stdinFrame, length: UInt32(n)) + bytes[off..<off + n]
                if !writeAll(sock, frame) { return false }
                off += n
            }
            return true
        } gone: {
            shutdown(sock, Int32(SHUT_RDWR))  // the client left: the reader below ends
        }
        defer {
            shutdown(sock, Int32(SHUT_RDWR))
            input.finish()
            stream.close()
            input.join()  // its last send is over before the socket's number can be reused
            close(sock)
        }
        var tty = false
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = Glibc.read(sock, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buf += chunk[0..<n]
            var off = 0
            var out: [UInt8] = []
            while buf.count - off >= AttachProtocol.headerSize {
                let head = Array(buf[off..<off + AttachProtocol.headerSize])
                guard let (type, len) = AttachProtocol.parseHeader(head, toMonitor: false) else { return nil }
                let end = off + AttachProtocol.headerSize + Int(len)
                guard buf.count >= end else { break }
                let payload = buf[(off + AttachProtocol.headerSize)..<end]
                off = end
                switch type {
                case AttachProtocol.helloFrame:
                    tty = payload[payload.startIndex + 1] != 0
                case AttachProtocol.exitFrame:
                    if !out.isEmpty { stream.write(out) }
                    let p = Array(payload)
                    return Int32(bitPattern: UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3]))
                case AttachProtocol.stdoutFrame where streams.stdout, AttachProtocol.stderrFrame where streams.stderr:
                    if tty { out += payload } else { out += head + payload }
                default:
                    break
                }
            }
            buf.removeFirst(off)
            if !out.isEmpty && !stream.write(out) { return nil }
        }
    }
}

/// Writes all of `bytes` to `fd` (a pipe, a socket: SIGPIPE is ignored in the service); false on an error.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        off += n
    }
    return true
}

/// What the client sends, on a thread of its own: each chunk to `deliver`
/// (nil once at its half-close); `gone` when the client closed the whole
/// connection, so a relay blocked on the other side ends.
final class InputPump: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var running = true
    private var stopping = false

    init(stream: HijackedStream, deliver: @escaping ([UInt8]?) -> Bool, gone: @escaping () -> Void) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
        HostThread.detach { [self] in
            var open = true
            while let bytes = stream.read() {
                if open && !deliver(bytes) { open = false }
            }
            if open && !stream.isClosed { _ = deliver(nil) }
            // half-closed: the client still reads until the relay ends; closed: it is gone
            while !stream.isClosed && !isStopping() { usleep(100_000) }
            if !isStopping() { gone() }
            pthread_mutex_lock(&mutex)
            running = false
            pthread_cond_broadcast(&cond)
            pthread_mutex_unlock(&mutex)
        }
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    private func isStopping() -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return stopping
    }

    /// The relay is ending: the client's leaving is no news any more.
    func finish() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_mutex_unlock(&mutex)
    }

    /// Waits until its thread is done (after the stream was closed).
    func join() {
        pthread_mutex_lock(&mutex)
        while running { pthread_cond_wait(&cond, &mutex) }
        pthread_mutex_unlock(&mutex)
    }
}
