// How a route answers, from its worker thread: a whole response, a stream
// of body chunks (logs, events, pull progress), or a hijacked connection
// (attach, exec start: `101 UPGRADED`, then raw bytes both ways). Every
// write goes through the channel (thread-safe) and waits for it, so a slow
// client slows the stream instead of filling memory.
import HivePlatform
import NIOCore
import NIOHTTP1

public final class APIResponder: @unchecked Sendable {
    let channel: Channel
    let keepAlive: Bool
    weak var handler: APIHandler?
    /// The response's head was written (a route that answers itself sets it).
    public private(set) var answered = false
    private var streaming = false

    init(channel: Channel, keepAlive: Bool, handler: APIHandler) {
        self.channel = channel
        self.keepAlive = keepAlive
        self.handler = handler
    }

    /// The client went away (a stream's writer stops).
    public var isClosed: Bool { !channel.isActive }

    static func headers(contentType: String?, extra: [(String, String)] = []) -> HTTPHeaders {
        var h = HTTPHeaders()
        h.add(name: "Api-Version", value: APIVersion.current.description)
        h.add(name: "Docker-Experimental", value: "false")
        h.add(name: "Ostype", value: "linux")
        h.add(name: "Server", value: "hive/\(APIServer.serverVersion) (linux)")
        if let contentType { h.add(name: "Content-Type", value: contentType) }
        for (k, v) in extra { h.add(name: k, value: v) }
        return h
    }

    /// A whole response.
    public func send(status: Int, body: [UInt8], contentType: String? = "application/json", headers extra: [(String, String)] = []) {
        guard !answered else { return }
        answered = true
        var h = APIResponder.headers(contentType: body.isEmpty && status == 204 ? nil : contentType, extra: extra)
        h.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { h.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: h)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        if !body.isEmpty {
            channel.write(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
        }
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive { done.whenComplete { [channel] _ in channel.close(promise: nil) } }
    }

    /// A JSON response (Go's encoder ends it with a newline).
    public func sendJSON(status: Int = 200, _ value: JSONValue) {
        send(status: status, body: Array((value.serialized() + "\n").utf8))
    }

    /// Docker's error body: `{"message": "..."}`.
    public func sendError(status: Int, _ message: String) {
        sendJSON(status: status, .object(["message": .string(message)]))
    }

    /// Starts a chunked body (`Transfer-Encoding: chunked`).
    public func startStream(status: Int = 200, contentType: String, headers extra: [(String, String)] = []) {
        guard !answered else { return }
        answered = true
        streaming = true
        let h = APIResponder.headers(contentType: contentType, extra: extra)
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: h)
        _ = try? channel.writeAndFlush(HTTPServerResponsePart.head(head)).wait()
    }

    /// One chunk of a stream; false once the client is gone.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard streaming, !bytes.isEmpty else { return streaming && !isClosed }
        do {
            try channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: bytes)))).wait()
            return true
        } catch {
            return false
        }
    }

    /// One JSON value of a JSON-lines stream (events, progress).
    @discardableResult
    public func writeJSONLine(_ v: JSONValue) -> Bool { write(Array((v.serialized() + "\n").utf8)) }

    /// Ends a stream.
    public func finish() {
        guard streaming else { return }
        streaming = false
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive { done.whenComplete { [channel] _ in channel.close(promise: nil) } }
        _ = try? done.wait()
    }

    /// Takes the connection over (Docker's hijack): `101 UPGRADED` when the
    /// client asked for `Upgrade: tcp`, else `200 OK`, then raw bytes.
    public func hijack(contentType: String) throws -> HijackedStream {
        guard !answered, let handler else { throw HiveError(.internal, "the connection was already answered") }
        answered = true
        let upgrade = handler.upgradeRequested
        // written raw (the HTTP encoder leaves the pipeline), with every response's headers
        var text = upgrade ? "HTTP/1.1 101 UPGRADED\r\n" : "HTTP/1.1 200 OK\r\n"
        let h = APIResponder.headers(contentType: contentType, extra: upgrade ? [("Connection", "Upgrade"), ("Upgrade", "tcp")] : [])
        for (name, value) in h { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let stream = HijackedStream(channel: channel)
        try channel.eventLoop.submit { try handler.switchToRaw(stream, response: Array(text.utf8)) }.wait()
        return stream
    }
}
