// The HTTP side of one connection (SwiftNIO's HTTP/1.1 decoder and encoder
// do the parsing): gathers a request, hands it to a worker thread, and on
// a hijack takes the HTTP handlers out so raw bytes flow both ways.
import Glibc
import HivePlatform
import NIOCore
import NIOHTTP1

final class APIHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: APIServer
    let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    let encoder: HTTPResponseEncoder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var spill: BodySpill?
    private var tooLarge = false
    private(set) var upgradeRequested = false
    private var channel: Channel?
    /// The last request's responder (a parser error answers only once it has).
    private var last: APIResponder?

    func handlerAdded(context: ChannelHandlerContext) { channel = context.channel }

    init(server: APIServer, decoder: ByteToMessageHandler<HTTPRequestDecoder>, encoder: HTTPResponseEncoder) {
        self.server = server
        self.decoder = decoder
        self.encoder = encoder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        server.touch()
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            spill = nil
            tooLarge = false
            upgradeRequested = h.headers["Upgrade"].contains { $0.lowercased().contains("tcp") }
        case .body(var buf):
            guard !tooLarge else { return }
            let bytes = buf.readBytes(length: buf.readableBytes) ?? []
            if let spill {
                if !spill.append(bytes) { tooLarge = true }
            } else if body.count + bytes.count > BodySpill.memoryLimit {
                if let s = BodySpill(dir: server.settings.runroot) {
                    spill = s
                    if !s.append(body) || !s.append(bytes) { tooLarge = true }
                    body = []
                } else {
                    tooLarge = true
                }
            } else {
                body += bytes
            }
        case .end:
            guard let h = head else { return }
            head = nil
            let responder = APIResponder(channel: context.channel, keepAlive: h.isKeepAlive, handler: self)
            if tooLarge {
                responder.sendError(status: 500, "the request body could not be kept: \(server.settings.runroot) is not writable or full")
                return
            }
            let (path, query) = splitURI(h.uri)
            let req = APIRequest(method: h.method.rawValue, path: path, version: .current, query: query,
                                 headers: h.headers.map { ($0.name, $0.value) }, body: body, bodyFile: spill)
            body = []
            spill = nil
            last = responder
            server.dispatch(req, responder)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        last = nil
        context.fireChannelInactive()
    }

    /// A request the HTTP parser refused (garbage, a head past the parser's
    /// 80 KiB, a bad Content-Length): Go's server answers 400 (431 for the
    /// head) and closes; without this the connection hung unanswered.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let e = error as? HTTPParserError, last?.answered ?? true else {
            context.close(promise: nil)
            return
        }
        let big = e == .headerOverflow
        last = nil
        let responder = APIResponder(channel: context.channel, keepAlive: false, handler: self)
        responder.sendError(status: big ? 431 : 400, big ? "the request's head (its URI and headers) is too large"
                                                         : "malformed HTTP request: \(e)")
    }

    /// On the event loop: the response's head as raw bytes, then raw bytes both ways.
    func switchToRaw(_ stream: HijackedStream, response: [UInt8]) throws {
        guard let channel, channel.isActive else { throw HiveError(.io, "the connection closed") }
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(RawHandler(stream), position: ChannelPipeline.SynchronousOperations.Position.after(decoder))
        ops.removeHandler(encoder, promise: nil)
        channel.writeAndFlush(channel.allocator.buffer(bytes: response), promise: nil)
        // what the client sent after the request (stdin) reaches the raw handler
        ops.removeHandler(decoder, promise: nil)
    }

    /// "/v1.44/containers/json?all=1" → ("/v1.44/containers/json", query).
    func splitURI(_ uri: String) -> (String, [String: [String]]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        return (String(uri[..<q]), parseQuery(uri[uri.index(after: q)...]))
    }
}

/// A request body past `memoryLimit` (a build context, an image archive),
/// kept in an unlinked file under the run root instead of memory.
public final class BodySpill: @unchecked Sendable {
    static let memoryLimit = 8 << 20
    /// O_TMPFILE (Glibc does not export it to Swift): __O_TMPFILE | O_DIRECTORY.
    static let tmpfile: Int32 = 0o20200000
    public let fd: Int32

    init?(dir: String) {
        let fd = open(dir, BodySpill.tmpfile | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) -> Bool { writeAll(fd, bytes) }

    /// A path that opens the body from its start (/proc/self/fd/N is the open file).
    public var path: String { "/proc/self/fd/\(fd)" }
}
