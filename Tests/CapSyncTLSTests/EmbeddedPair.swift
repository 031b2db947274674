import CapSyncTLS
import NIOCore
import NIOEmbedded

/// Records what reaches the application above a `TLSHandler`: plaintext, TLS events, errors, and the channel's end.
final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var received: [UInt8] = []
    private(set) var events: [TLSEvent] = []
    private(set) var errors: [TLSError] = []
    private(set) var otherErrors: [any Error] = []
    private(set) var becameInactive = false

    var peer: PeerIdentity? {
        for case .handshakeCompleted(let identity) in events { return identity }
        return nil
    }

    var shutdownCompleted: Bool { events.contains(.shutdownCompleted) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += Array(buffer: unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSEvent { events.append(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError { errors.append(error) } else { otherErrors.append(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        becameInactive = true
    }
}

/// A client and a server `TLSHandler`, each on an `EmbeddedChannel`, with the bytes between them moved by `pump()`:
/// no sockets, no threads, no clock but the embedded loops' own.
struct EmbeddedPair {
    let client = EmbeddedChannel()
    let server = EmbeddedChannel()
    let clientApp = Recorder()
    let serverApp = Recorder()
    /// Every ciphertext chunk the client sent, in order (for tampering and inspection).
    private(set) var clientWire: [ByteBuffer] = []

    init(client clientContext: TLSContext, server serverContext: TLSContext) throws {
        try client.pipeline.syncOperations.addHandler(TLSHandler(context: clientContext))
        try client.pipeline.syncOperations.addHandler(clientApp)
        try server.pipeline.syncOperations.addHandler(TLSHandler(context: serverContext))
        try server.pipeline.syncOperations.addHandler(serverApp)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 7000)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()
    }

    /// Moves bytes both ways until neither side has anything more to send. `tamper` may change client→server
    /// chunks in flight. Returns the number of chunks moved.
    @discardableResult
    mutating func pump(tamper: (inout ByteBuffer) -> Void = { _ in }) throws -> Int {
        var moved = 0
        while true {
            var progress = false
            while var chunk = try client.readOutbound(as: ByteBuffer.self) {
                clientWire.append(chunk)
                tamper(&chunk)
                progress = true
                moved += 1
                if server.isActive { try server.writeInbound(chunk) }
            }
            while let chunk = try server.readOutbound(as: ByteBuffer.self) {
                progress = true
                moved += 1
                if client.isActive { try client.writeInbound(chunk) }
            }
            if !progress { return moved }
        }
    }

    func write(_ bytes: [UInt8], from channel: EmbeddedChannel) -> EventLoopFuture<Void> {
        channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Closes both sides through TLS (close_notify), lets any shutdown timer run out, and tears the channels down.
    mutating func finish() {
        client.close(promise: nil)
        server.close(promise: nil)
        _ = try? pump()
        client.embeddedEventLoop.advanceTime(by: .hours(1))
        server.embeddedEventLoop.advanceTime(by: .hours(1))
        _ = try? client.finish(acceptAlreadyClosed: true)
        _ = try? server.finish(acceptAlreadyClosed: true)
    }
}
