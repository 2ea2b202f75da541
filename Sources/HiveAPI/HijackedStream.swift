// A hijacked connection as the route's threads see it: blocking reads of
// what the client sends (stdin of attach and exec), writes back, half-close.
import Glibc
import NIOCore

public final class HijackedStream: @unchecked Sendable {
    let channel: Channel
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var queue: [[UInt8]] = []
    private var eof = false

    init(channel: Channel) {
        self.channel = channel
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// From the event loop: bytes the client sent.
    func received(_ bytes: [UInt8]) {
        pthread_mutex_lock(&mutex)
        queue.append(bytes)
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// From the event loop: the client closed its side (or the connection).
    func receivedEOF() {
        pthread_mutex_lock(&mutex)
        eof = true
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// The next bytes from the client; nil at its end.
    public func read() -> [UInt8]? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while queue.isEmpty && !eof { pthread_cond_wait(&cond, &mutex) }
        return queue.isEmpty ? nil : queue.removeFirst()
    }

    /// Writes to the client; false once it is gone.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return channel.isActive }
        do {
            try channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).wait()
            return true
        } catch {
            return false
        }
    }

    public var isClosed: Bool { !channel.isActive }

    /// Ends what the service sends (the client sees EOF) and the connection.
    public func close() {
        _ = try? channel.close().wait()
        receivedEOF()
    }
}

/// The last inbound handler of a hijacked connection: bytes to the stream.
final class RawHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let stream: HijackedStream
    init(_ stream: HijackedStream) { self.stream = stream }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buf = unwrapInboundIn(data)
        if let bytes = buf.readBytes(length: buf.readableBytes), !bytes.isEmpty { stream.received(bytes) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { stream.receivedEOF() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream.receivedEOF()
        context.fireChannelInactive()
    }
}
