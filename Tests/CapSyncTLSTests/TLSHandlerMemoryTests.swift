import CapSyncCrypto
import CapSyncTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import CapSyncTLS

/// The handler pair pumped in memory: every path of the state machine without sockets or threads.
@Suite struct TLSHandlerMemoryTests {
    let alpha = Coalition.alpha
    let bravo = Coalition.bravo
    let charlie = Coalition.charlie

    func connectedPair(
        clientTweak: (inout TLSConfiguration) -> Void = { _ in },
        serverTweak: (inout TLSConfiguration) -> Void = { _ in }
    ) throws -> EmbeddedPair {
        try EmbeddedPair(
            client: alpha.clientContext(trusting: Coalition.roster, dialing: bravo, tweak: clientTweak),
            server: bravo.serverContext(trusting: Coalition.roster, tweak: serverTweak)
        )
    }

    @Test func handshakePinsBothPeersToTheirSigningKeys() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        let seenByClient = try #require(pair.clientApp.peer)
        let seenByServer = try #require(pair.serverApp.peer)
        #expect(seenByClient.signingKey == bravo.signingKey.publicKey)
        #expect(seenByClient.tlsKey == bravo.tlsKey.publicKey)
        #expect(seenByServer.signingKey == alpha.signingKey.publicKey)
        #expect(seenByServer.tlsKey == alpha.tlsKey.publicKey)
        #expect(pair.clientApp.errors.isEmpty && pair.serverApp.errors.isEmpty)
    }

    @Test(arguments: [1, 100, 16_383, 16_384, 16_385, 70_000, 1 << 20])
    func dataCrossesBothWaysIntact(size: Int) throws {
        var random = SplitMix64(seed: UInt64(size))
        let upstream = random.bytes(size)
        let downstream = random.bytes(size / 2 + 1)
        var pair = try connectedPair()
        defer { pair.finish() }
        // Written before the handshake: held by the handler and sent once it completes.
        let early = pair.write(upstream, from: pair.client)
        try pair.pump()
        try early.wait()
        let reply = pair.write(downstream, from: pair.server)
        try pair.pump()
        try reply.wait()
        #expect(pair.serverApp.received == upstream)
        #expect(pair.clientApp.received == downstream)
    }

    @Test func closeNotifyGoesBothWaysAndBothSidesSeeACleanEnd() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        _ = pair.write(Array("last words".utf8), from: pair.client)
        let closed = pair.client.close()
        try pair.pump()
        try closed.wait()
        #expect(pair.serverApp.received == Array("last words".utf8))
        #expect(pair.clientApp.shutdownCompleted && pair.serverApp.shutdownCompleted)
        #expect(pair.clientApp.becameInactive && pair.serverApp.becameInactive)
        #expect(pair.clientApp.errors.isEmpty && pair.serverApp.errors.isEmpty)
    }

    @Test func endOfStreamWithoutCloseNotifyIsTruncation() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        _ = pair.write(Array("delivered".utf8), from: pair.client)
        try pair.pump()
        pair.server.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(pair.serverApp.received == Array("delivered".utf8))
        let error = try #require(pair.serverApp.errors.first)
        #expect(error.code == .truncated)
        #expect(error.openSSLReasons.contains { $0.contains("unexpected eof") })
        #expect(!pair.server.isActive)
    }

    @Test func endOfStreamInsideARecordIsTruncation() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        _ = pair.write(Array(repeating: 7, count: 1000), from: pair.client)
        let written = try pair.client.readOutbound(as: ByteBuffer.self)
        let record = try #require(written)
        let half = try #require(record.getSlice(at: record.readerIndex, length: record.readableBytes / 2))
        try pair.server.writeInbound(half)
        pair.server.pipeline.fireChannelInactive()
        #expect(pair.serverApp.received.isEmpty)
        #expect(pair.serverApp.errors.map(\.code) == [.truncated])
    }

    @Test func serverRefusesAClientOutsideItsRoster() throws {
        var pair = try EmbeddedPair(
            client: Coalition.outsider.clientContext(trusting: Coalition.roster, dialing: bravo),
            server: bravo.serverContext(trusting: Coalition.roster)
        )
        defer { pair.finish() }
        try pair.pump()
        #expect(pair.serverApp.peer == nil)
        #expect(pair.serverApp.errors.map(\.code) == [.peerNotTrusted])
        // The client learns of the refusal from the server's alert, on its first read after its handshake.
        let clientError = try #require(pair.clientApp.errors.first)
        #expect(clientError.code == .handshakeFailed)
        #expect(!clientError.openSSLReasons.isEmpty)
        #expect(!pair.client.isActive && !pair.server.isActive)
    }

    @Test func clientRefusesAServerOutsideItsRoster() throws {
        var pair = try EmbeddedPair(
            client: alpha.clientContext(trusting: Coalition.roster, dialing: bravo),
            server: Coalition.outsider.serverContext(trusting: Coalition.roster)
        )
        defer { pair.finish() }
        try pair.pump()
        #expect(pair.clientApp.peer == nil && pair.serverApp.peer == nil)
        #expect(pair.clientApp.errors.map(\.code) == [.peerNotTrusted])
        #expect(pair.serverApp.errors.map(\.code) == [.handshakeFailed])
    }

    @Test func clientDialingOnePartnerRefusesAnotherTrustedPartner() throws {
        // Charlie is in the roster, but the client dialed Bravo's address and reached Charlie.
        var pair = try EmbeddedPair(
            client: alpha.clientContext(trusting: Coalition.roster, dialing: bravo),
            server: charlie.serverContext(trusting: Coalition.roster)
        )
        defer { pair.finish() }
        try pair.pump()
        let error = try #require(pair.clientApp.errors.first)
        #expect(error.code == .wrongPeer)
        #expect(pair.clientApp.peer == nil && pair.serverApp.peer == nil)
    }

    @Test func serverRefusesAClientWithoutCertificate() throws {
        let configuration = TLSConfiguration.client(
            privateKey: alpha.tlsKey,
            certificate: alpha.certificate,
            trustedSigningKeys: Coalition.roster.map(\.signingKey.publicKey),
            dialing: bravo.signingKey.publicKey
        )
        var pair = try EmbeddedPair(
            client: TLSContext(configuration: configuration, presentsOwnCertificate: false),
            server: bravo.serverContext(trusting: Coalition.roster)
        )
        defer { pair.finish() }
        try pair.pump()
        let error = try #require(pair.serverApp.errors.first)
        #expect(error.code == .peerNotTrusted)
        #expect(error.openSSLReasons.contains { $0.contains("peer did not return a certificate") })
        #expect(pair.clientApp.errors.first?.openSSLReasons.contains { $0.contains("certificate required") } == true)
        #expect(pair.serverApp.peer == nil)
    }

    @Test func tamperedRecordIsAProtocolError() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        _ = pair.write(Array("integrity".utf8), from: pair.client)
        try pair.pump { chunk in
            let last = chunk.writerIndex - 1
            chunk.setInteger(chunk.getInteger(at: last, as: UInt8.self)! ^ 0x01, at: last)
        }
        #expect(pair.serverApp.received.isEmpty)
        let error = try #require(pair.serverApp.errors.first)
        #expect(error.code == .protocolError)
        #expect(error.openSSLReasons.contains { $0.contains("bad record mac") || $0.contains("decryption failed") })
    }

    @Test func handshakeTimesOutWhenThePeerIsSilent() throws {
        var pair = try connectedPair { $0.handshakeTimeout = .seconds(3) }
        defer { pair.finish() }
        // The server never hears the ClientHello.
        _ = try pair.client.readOutbound(as: ByteBuffer.self)
        pair.client.embeddedEventLoop.advanceTime(by: .milliseconds(2_999))
        #expect(pair.client.isActive)
        pair.client.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(pair.clientApp.errors.map(\.code) == [.handshakeTimeout])
        #expect(!pair.client.isActive)
    }

    @Test func handshakeTimerIsCancelledOnceTheHandshakeCompletes() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        pair.client.embeddedEventLoop.advanceTime(by: .seconds(60))
        pair.server.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(pair.client.isActive && pair.server.isActive)
        #expect(pair.clientApp.errors.isEmpty && pair.serverApp.errors.isEmpty)
    }

    @Test func closeGivesUpWhenThePeerNeverAnswersCloseNotify() throws {
        var pair = try connectedPair { $0.shutdownTimeout = .seconds(2) }
        defer { pair.finish() }
        try pair.pump()
        let closed = pair.client.close()
        // Our close_notify leaves, but the peer's answer never arrives.
        _ = try pair.client.readOutbound(as: ByteBuffer.self)
        #expect(pair.client.isActive)
        pair.client.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!pair.client.isActive)
        #expect(pair.clientApp.errors.map(\.code) == [.shutdownTimeout])
        #expect(throws: TLSError.self) { try closed.wait() }
    }

    @Test func writesBeforeTheHandshakeAreBounded() throws {
        var pair = try connectedPair { $0.maxBufferedOutputBytes = 1000 }
        defer { pair.finish() }
        let fits = pair.write(Array(repeating: 1, count: 600), from: pair.client)
        let overflows = pair.write(Array(repeating: 2, count: 600), from: pair.client)
        do {
            try overflows.wait()
            Issue.record("a write beyond the bound was accepted")
        } catch let error as TLSError {
            #expect(error.code == .outputBufferFull)
        }
        try pair.pump()
        try fits.wait()
        #expect(pair.serverApp.received == Array(repeating: 1, count: 600))
    }

    @Test func writeAfterCloseFails() throws {
        var pair = try connectedPair()
        defer { pair.finish() }
        try pair.pump()
        _ = pair.client.close()
        let late = pair.write([1, 2, 3], from: pair.client)
        #expect(throws: (any Error).self) { try late.wait() }
        try pair.pump()
        #expect(pair.serverApp.received.isEmpty)
    }

    @Test func configurationRefusesADialedPeerOutsideTheRoster() {
        #expect(throws: TLSError.self) {
            _ = try alpha.clientContext(trusting: [alpha, bravo], dialing: Coalition.outsider)
        }
        #expect(throws: TLSError.self) {
            _ = try alpha.serverContext(trusting: [])
        }
    }

    @Test func configurationRefusesACertificateForAnotherKey() {
        let configuration = TLSConfiguration.server(
            privateKey: alpha.tlsKey,
            certificate: bravo.certificate,
            trustedSigningKeys: Coalition.roster.map(\.signingKey.publicKey)
        )
        #expect(throws: TLSError.self) { _ = try TLSContext(configuration: configuration) }
    }
}
