// What the image, build, network and volume routes share: the `filters`
// query as the CLI's `--filter key=value` arguments (so the engine's filter
// parsers, with their messages, judge them), and a JSON-lines progress
// stream (pull, push, build, load) that starts on its first line: an error
// before it is an HTTP status (404 for a missing image, as Docker's pull
// answers), one after it an `{"errorDetail":...,"error":...}` line.
import Glibc
import HivePlatform

extension APIRequest {
    /// `filters` as `key=value` arguments, keys sorted.
    func filterArgs() throws -> [String] {
        try filters().sorted { $0.key < $1.key }.flatMap { k, vs in vs.map { "\(k)=\($0)" } }
    }

    /// Every value of a repeated query parameter (`t=a&t=b`), empty ones left out.
    func strings(_ key: String) -> [String] { (query[key] ?? []).filter { !$0.isEmpty } }
}

/// A JSON-lines answer (`Content-Type: application/json`, chunked), started on the first line.
final class ProgressStream: @unchecked Sendable {
    let responder: APIResponder
    private var mutex = pthread_mutex_t()

    init(_ responder: APIResponder) {
        self.responder = responder
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// One line (from any thread, one at a time); false once the client is gone.
    @discardableResult
    func send(_ v: JSONValue) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if !responder.answered { responder.startStream(contentType: "application/json") }
        return responder.writeJSONLine(v)
    }

    /// `{"status": ..., "progressDetail": {...}, "id": ...}` (pull, push).
    func status(_ s: String, id: String? = nil, detail: [String: JSONValue]? = nil) {
        var o: [String: JSONValue] = ["status": .string(s)]
        if let id { o["id"] = .string(id) }
        if let detail { o["progressDetail"] = .object(detail) }
        send(.object(o))
    }

    /// `{"stream": text}` (build, load).
    func stream(_ text: String) { send(.object(["stream": .string(text)])) }

    /// Runs `body`; an error once the stream started is its last line (the
    /// status is sent already), before it the route's error status.
    func run(_ body: () throws -> Void) throws -> APIReply {
        do {
            try body()
        } catch {
            guard responder.answered else { throw error }
            let message = APIRouter.status(of: error).1
            send(.object(["errorDetail": .object(["message": .string(message)]), "error": .string(message)]))
        }
        responder.finish()
        return .handled
    }
}

/// A pipe (both ends close-on-exec, made so at once: Files.pipeCloexec; a launcher dup2s the write end into a child).
func makePipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard Files.pipeCloexec(&fds) == 0 else { throw HiveError.errno("cannot make a pipe") }
    return (fds[0], fds[1])
}

/// Reads `fd` to its end in chunks; `body` returns false to stop early.
func readChunks(_ fd: Int32, _ body: ([UInt8]) -> Bool) {
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = read(fd, &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 || !body(Array(buf[..<n])) { return }
    }
}
