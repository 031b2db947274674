import NIOCore
import Testing

@testable import CapSyncTLS

/// The state machine on its own: events in, actions out, with no channel at all. Two machines are wired by hand.
@Suite struct TLSStateMachineTests {
    static func machine(_ context: TLSContext) throws -> TLSStateMachine {
        TLSStateMachine(
            connection: try context.makeConnection(),
            configuration: context.configuration,
            allocator: ByteBufferAllocator()
        )
    }

    static func ciphertext(_ actions: TLSStateMachine.Actions) -> [ByteBuffer] {
        actions.output.compactMap { if case .write(let buffer, _) = $0 { buffer } else { nil } }
    }

    static func events(_ actions: TLSStateMachine.Actions) -> [TLSEvent] {
        actions.callouts.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    static func reads(_ actions: TLSStateMachine.Actions) -> [UInt8] {
        actions.callouts.flatMap { callout -> [UInt8] in
            if case .read(let buffer) = callout { Array(buffer: buffer) } else { [] }
        }
    }

    /// Delivers `actions`' ciphertext to `machine`, returning what that produced.
    static func deliver(
        _ actions: TLSStateMachine.Actions,
        to machine: inout TLSStateMachine
    )
        -> TLSStateMachine.Actions
    {
        var produced = TLSStateMachine.Actions()
        for buffer in ciphertext(actions) {
            let step = machine.received(buffer)
            produced.output += step.output
            produced.timers += step.timers
            produced.callouts += step.callouts
        }
        return produced
    }

    @Test func activationStartsTheHandshakeAndItsTimer() throws {
        var client = try Self.alphaDialingBravo()
        var server = try Self.machine(Coalition.bravo.serverContext(trusting: Coalition.roster))
        let hello = client.channelActive()
        #expect(Self.ciphertext(hello).count == 1)
        #expect(hello.timers == [.scheduleHandshakeTimeout(.seconds(10))])
        #expect(hello.callouts.isEmpty)
        let waiting = server.channelActive()
        #expect(Self.ciphertext(waiting).isEmpty)
        #expect(waiting.timers == [.scheduleHandshakeTimeout(.seconds(10))])
        #expect(client.state == .handshaking && server.state == .handshaking)
    }

    @Test func aFullConversationDrivenByHand() throws {
        var client = try Self.alphaDialingBravo()
        var server = try Self.machine(Coalition.bravo.serverContext(trusting: Coalition.roster))
        _ = server.channelActive()
        // Written and flushed before the handshake: held, no ciphertext yet beyond the ClientHello.
        let early = client.write(ByteBuffer(string: "early"), promise: nil)
        #expect(early.output.isEmpty && early.callouts.isEmpty)
        #expect(client.flush().output.isEmpty)

        let clientHello = client.channelActive()
        let serverFlight = Self.deliver(clientHello, to: &server)
        let clientFinished = Self.deliver(serverFlight, to: &client)
        // The client is done once it has the server's flight: its Finished and the early data leave together,
        // ciphertext before the event, so a write from the event handler cannot overtake them.
        #expect(client.state == .active)
        #expect(Self.events(clientFinished) == [.handshakeCompleted(Self.identity(Coalition.bravo))])
        #expect(clientFinished.timers.contains(.cancelHandshakeTimeout))
        let serverDone = Self.deliver(clientFinished, to: &server)
        #expect(server.state == .active)
        #expect(Self.events(serverDone) == [.handshakeCompleted(Self.identity(Coalition.alpha))])
        #expect(Self.reads(serverDone) == Array("early".utf8))
        #expect(server.readComplete().callouts.count == 1)
        #expect(server.readComplete().callouts.isEmpty)

        // After the handshake a write is encrypted at once; the flush is the caller's.
        let reply = server.write(ByteBuffer(string: "reply"), promise: nil)
        #expect(Self.ciphertext(reply).count == 1)
        #expect(Self.reads(Self.deliver(reply, to: &client)) == Array("reply".utf8))

        // Orderly close: close_notify out, timer armed; the peer answers and both end cleanly.
        let closing = client.close(promise: nil)
        #expect(client.state == .closing)
        #expect(closing.timers == [.scheduleShutdownTimeout(.seconds(5))])
        let answer = Self.deliver(closing, to: &server)
        #expect(server.state == .closed)
        #expect(Self.events(answer) == [.shutdownCompleted])
        let end = Self.deliver(answer, to: &client)
        #expect(client.state == .closed)
        #expect(Self.events(end) == [.shutdownCompleted])
        #expect(end.timers == [.cancelShutdownTimeout])
    }

    @Test func afterAFatalErrorNothingMoreIsSentOrRead() throws {
        var client = try Self.alphaDialingBravo()
        var server = try Self.machine(Coalition.bravo.serverContext(trusting: Coalition.roster))
        _ = server.channelActive()
        _ = Self.deliver(client.channelActive(), to: &server)
        let garbage = server.received(ByteBuffer(bytes: Array(repeating: 0x17, count: 64)))
        #expect(server.state == .closed)
        #expect(garbage.callouts.contains { if case .error = $0 { true } else { false } })
        #expect(server.write(ByteBuffer(string: "x"), promise: nil).output.isEmpty)
        #expect(server.received(ByteBuffer(string: "more")).output.isEmpty)
        // Closing a failed connection closes the channel and never sends close_notify.
        let close = server.close(promise: nil)
        #expect(close.output.isEmpty)
        #expect(close.callouts.count == 1)
    }

    static func identity(_ node: TestNode) -> PeerIdentity {
        PeerIdentity(
            signingKey: node.signingKey.publicKey,
            tlsKey: node.tlsKey.publicKey,
            certificate: node.certificate
        )
    }

    static func alphaDialingBravo() throws -> TLSStateMachine {
        try machine(Coalition.alpha.clientContext(trusting: Coalition.roster, dialing: Coalition.bravo))
    }
}
