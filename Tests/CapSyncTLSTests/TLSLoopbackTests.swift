import CapSyncTLS
import CapSyncTestSupport
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

/// Collects what a server connection received and how it ended; completes when the channel goes inactive.
final class EndRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    struct Ending: Sendable {
        var received: [UInt8]
        var errors: [TLSError]
        var shutdownCompleted: Bool
    }

    private let ended: EventLoopPromise<Ending>
    private var ending = Ending(received: [], errors: [], shutdownCompleted: false)

    init(ended: EventLoopPromise<Ending>) { self.ended = ended }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        ending.received += Array(buffer: unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .shutdownCompleted? = event as? TLSEvent { ending.shutdownCompleted = true }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError { ending.errors.append(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended.succeed(ending)
    }
}

/// Signals the handshake's completion to the test.
final class HandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let completed: EventLoopPromise<Void>

    init(completed: EventLoopPromise<Void>) { self.completed = completed }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSEvent { completed.succeed() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        completed.fail(error)
    }
}

/// An application that reads only when it asks (autoRead off): one read when active, one after each data burst.
final class ManualReadClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let payload: [UInt8]
    private var echoed: [UInt8] = []
    private let done: EventLoopPromise<[UInt8]>

    init(payload: [UInt8], done: EventLoopPromise<[UInt8]>) {
        self.payload = payload
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSEvent {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: payload)), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        echoed += Array(buffer: unwrapInboundIn(data))
        if echoed.count >= payload.count { done.succeed(echoed) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
    }
}

@Suite struct TLSLoopbackTests {
    @Test func echoOverRealSockets() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let alpha = Coalition.alpha
        let bravo = Coalition.bravo
        let server = try await LoopbackServer.start(
            group: group,
            context: bravo.serverContext(trusting: Coalition.roster)
        )
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
            group: group,
            context: Coalition.charlie.serverContext(trusting: Coalition.roster)
        )
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

    /// A server connection and a client connection (Alpha dialing Bravo) on loopback; the server's ending is
    /// reported through the returned future.
    func connect() async throws -> (
        client: any Channel, serverEnding: EventLoopFuture<EndRecorder.Ending>, server: any Channel
    ) {
        let group = MultiThreadedEventLoopGroup.singleton
        let serverContext = try Coalition.bravo.serverContext(trusting: Coalition.roster)
        let ended = group.next().makePromise(of: EndRecorder.Ending.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(TLSHandler(context: serverContext))
                    try child.pipeline.syncOperations.addHandler(EndRecorder(ended: ended))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let clientContext = try Coalition.alpha.clientContext(trusting: Coalition.roster, dialing: Coalition.bravo)
        let handshake = group.next().makePromise(of: Void.self)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: clientContext), name: "tls")
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(completed: handshake))
                }
            }
            .connect(host: "127.0.0.1", port: server.localAddress?.port ?? 0).get()
        try await handshake.futureResult.get()
        return (client, ended.futureResult, server)
    }

    @Test func orderlyCloseOverRealSocketsEndsCleanlyOnBothSides() async throws {
        let (client, serverEnding, server) = try await connect()
        defer { server.close(promise: nil) }
        try await client.writeAndFlush(ByteBuffer(string: "all of it"))
        try await client.close()
        let ending = try await serverEnding.get()
        #expect(ending.received == Array("all of it".utf8))
        #expect(ending.errors.isEmpty)
        #expect(ending.shutdownCompleted)
    }

    @Test func socketClosedWithoutCloseNotifyIsTruncationAtTheServer() async throws {
        let (client, serverEnding, server) = try await connect()
        defer { server.close(promise: nil) }
        try await client.writeAndFlush(ByteBuffer(string: "cut short"))
        // Take TLS out of the client's pipeline, then close the bare TCP connection: no close_notify is sent.
        try await client.pipeline.removeHandler(name: "tls").get()
        try await client.close()
        let ending = try await serverEnding.get()
        #expect(ending.received == Array("cut short".utf8))
        #expect(ending.errors.map(\.code) == [.truncated])
        #expect(!ending.shutdownCompleted)
    }

    @Test func handshakeProgressesWithAutoReadOff() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await LoopbackServer.start(
            group: group,
            context: Coalition.bravo.serverContext(trusting: Coalition.roster)
        )
        defer { server.channel.close(promise: nil) }
        let clientContext = try Coalition.alpha.clientContext(trusting: Coalition.roster, dialing: Coalition.bravo)
        let loop = group.next()
        let done = loop.makePromise(of: [UInt8].self)
        // A watchdog, not a timing assertion: a stalled handshake fails the test instead of hanging it.
        let watchdog = loop.scheduleTask(in: .seconds(30)) {
            done.fail(TLSError(.handshakeTimeout, "no echo within 30 s: reads stalled"))
        }
        defer { watchdog.cancel() }
        let payload = Array("read on demand".utf8)
        let client = try await ClientBootstrap(group: loop)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: clientContext))
                    try channel.pipeline.syncOperations.addHandler(
                        ManualReadClientHandler(payload: payload, done: done)
                    )
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        #expect(try await done.futureResult.get() == payload)
        try await client.close()
    }

    /// Runs an echo client on `group` against `port` and returns the echo (or the client's error).
    func echo(_ payload: [UInt8], from context: TLSContext, to port: Int) async throws -> [UInt8] {
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: [UInt8].self)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(EchoClientHandler(payload: payload, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { client.close(promise: nil) }
        return try await done.futureResult.get()
    }

    @Test func aRefusedClientDoesNotDisturbTheServerForOthers() async throws {
        let server = try await LoopbackServer.start(
            group: MultiThreadedEventLoopGroup.singleton,
            context: Coalition.bravo.serverContext(trusting: Coalition.roster)
        )
        defer { server.channel.close(promise: nil) }
        let outsider = try Coalition.outsider.clientContext(trusting: Coalition.roster, dialing: Coalition.bravo)
        await #expect(throws: TLSError.self) { _ = try await echo([1, 2, 3], from: outsider, to: server.port) }
        let alpha = try Coalition.alpha.clientContext(trusting: Coalition.roster, dialing: Coalition.bravo)
        #expect(try await echo([4, 5, 6], from: alpha, to: server.port) == [4, 5, 6])
    }

    @Test func aSilentClientIsDroppedWhenTheHandshakeTimesOut() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let serverContext = try Coalition.bravo.serverContext(trusting: Coalition.roster) {
            $0.handshakeTimeout = .milliseconds(200)
        }
        let ended = group.next().makePromise(of: EndRecorder.Ending.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(TLSHandler(context: serverContext))
                    try child.pipeline.syncOperations.addHandler(EndRecorder(ended: ended))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        // A bare TCP client that never sends a ClientHello.
        let silent = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: server.localAddress?.port ?? 0).get()
        defer { silent.close(promise: nil) }
        let ending = try await ended.futureResult.get()
        #expect(ending.errors.map(\.code) == [.handshakeTimeout])
    }
}
