import CapSyncTLS
import NIOCore
import NIOPosix
import Testing

/// Echoes every plaintext read back to the peer; records the peer's identity and any error.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let outcome: EventLoopPromise<PeerIdentity>

    init(outcome: EventLoopPromise<PeerIdentity>) { self.outcome = outcome }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let identity)? = event as? TLSEvent { outcome.succeed(identity) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        outcome.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.fail(ChannelError.ioOnClosedChannel)
    }
}

/// Sends a payload once the handshake completes and collects the echo until it is complete.
final class EchoClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let payload: [UInt8]
    private var echoed: [UInt8] = []
    private let done: EventLoopPromise<[UInt8]>

    init(payload: [UInt8], done: EventLoopPromise<[UInt8]>) {
        self.payload = payload
        self.done = done
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSEvent {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: payload)), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        echoed += Array(buffer: unwrapInboundIn(data))
        if echoed.count >= payload.count {
            done.succeed(echoed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.ioOnClosedChannel)
    }
}

/// A CapSync TLS echo server on 127.0.0.1, port chosen by the kernel.
struct LoopbackServer {
    let channel: any Channel
    /// One promise per accepted connection, in order, for the peer identity the server saw (or its error).
    let outcomes: EventLoopPromise<PeerIdentity>

    static func start(group: any EventLoopGroup, context: TLSContext) async throws -> LoopbackServer {
        let first = group.next().makePromise(of: PeerIdentity.self)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(TLSHandler(context: context))
                    try child.pipeline.syncOperations.addHandler(EchoHandler(outcome: first))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackServer(channel: channel, outcomes: first)
    }

    var port: Int { channel.localAddress?.port ?? 0 }
}

@Suite struct TLSLoopbackTests {
    @Test func echoOverRealSockets() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let alpha = Coalition.alpha
        let bravo = Coalition.bravo
        let server = try await LoopbackServer.start(
            group: group, context: bravo.serverContext(trusting: Coalition.roster))
        defer { server.channel.close(promise: nil) }

        var random = SplitMix64(seed: 42)
        let payload = random.bytes(300_000)
        let clientContext = try alpha.clientContext(trusting: Coalition.roster, dialing: bravo)
        let done = group.next().makePromise(of: [UInt8].self)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: clientContext))
                    try channel.pipeline.syncOperations.addHandler(EchoClientHandler(payload: payload, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()

        let echoed = try await done.futureResult.get()
        #expect(echoed == payload)
        let seenByServer = try await server.outcomes.futureResult.get()
        #expect(seenByServer.signingKey == alpha.signingKey.publicKey)
        try await client.close()
    }

    @Test func wrongPeerIsRefusedOverRealSockets() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await LoopbackServer.start(
            group: group, context: Coalition.charlie.serverContext(trusting: Coalition.roster))
        defer { server.channel.close(promise: nil) }

        let clientContext = try Coalition.alpha.clientContext(trusting: Coalition.roster, dialing: Coalition.bravo)
        let done = group.next().makePromise(of: [UInt8].self)
        _ = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: clientContext))
                    try channel.pipeline.syncOperations.addHandler(EchoClientHandler(payload: [1], done: done))
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        await #expect(throws: TLSError.self) { _ = try await done.futureResult.get() }
        do {
            _ = try await done.futureResult.get()
        } catch let error as TLSError {
            #expect(error.code == .wrongPeer)
        }
        // The server sees the client give up during the handshake.
        await #expect(throws: (any Error).self) { _ = try await server.outcomes.futureResult.get() }
    }
}
