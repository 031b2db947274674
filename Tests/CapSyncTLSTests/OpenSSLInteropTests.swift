import CapSyncCrypto
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import CapSyncTLS

/// Answers the first line it reads with "echo:<line>" and then closes (sending close_notify), so an
/// `openssl s_client -ign_eof` peer exits by itself. Reports the peer identity or the error it saw.
final class ReplyAndCloseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let outcome: EventLoopPromise<PeerIdentity>
    private var line: [UInt8] = []

    init(outcome: EventLoopPromise<PeerIdentity>) { self.outcome = outcome }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        line += Array(buffer: unwrapInboundIn(data))
        guard let end = line.firstIndex(of: UInt8(ascii: "\n")) else { return }
        let reply = Array("echo:".utf8) + line[...end]
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply)), promise: nil)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let identity)? = event as? TLSEvent { outcome.succeed(identity) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        outcome.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.fail(ChannelError.ioOnClosedChannel)
    }
}

/// PEM files of CapSync-made and openssl-made keys and certificates, for the `openssl` tool to use.
struct InteropFiles {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// A node's TLS certificate and key, as CapSync made them.
    func tlsFiles(of node: TestNode) throws -> (certificate: String, key: String) {
        (
            try directory.write(node.certificate.pem, to: "\(node.partner)-tls.crt"),
            try directory.write(node.tlsKey.pkcs8PEM(), to: "\(node.partner)-tls.key")
        )
    }

    /// A node's self-signed signing certificate: the trust anchor `openssl -CAfile` verifies its TLS cert against.
    func signingCertificate(of node: TestNode) throws -> String {
        try directory.write(
            X509Certificate.selfSignedSigningCertificate(for: node.signingKey).pem,
            to: "\(node.partner)-signing.crt"
        )
    }

    /// A self-signed certificate made by `openssl req` with a fresh key of `algorithm` (ed25519, rsa:2048).
    func selfSigned(_ algorithm: String, name: String) async throws -> (certificate: String, key: String) {
        let certificate = directory.url.appendingPathComponent("\(name).crt").path
        let key = directory.url.appendingPathComponent("\(name).key").path
        let result = try await OpenSSLTool.run([
            "req", "-x509", "-newkey", algorithm, "-nodes", "-keyout", key, "-out", certificate,
            "-subj", "/CN=\(name)", "-days", "30",
        ])
        guard result.status == 0 else { throw TLSError(.configuration, "openssl req failed: \(result.stderr)") }
        return (certificate, key)
    }
}

@Suite struct OpenSSLInteropTests {
    let alpha = Coalition.alpha
    let bravo = Coalition.bravo

    /// Starts a CapSync server (Bravo), runs `openssl s_client` with `clientArguments` against it sending one line,
    /// and returns what the server concluded about the peer and what s_client printed.
    func runSClient(_ clientArguments: [String]) async throws -> (Result<PeerIdentity, any Error>, OpenSSLTool.Result) {
        let group = MultiThreadedEventLoopGroup.singleton
        let context = try bravo.serverContext(trusting: Coalition.roster)
        let outcome = group.next().makePromise(of: PeerIdentity.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(TLSHandler(context: context))
                    try child.pipeline.syncOperations.addHandler(ReplyAndCloseHandler(outcome: outcome))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = server.localAddress?.port ?? 0

        let client = try OpenSSLTool(["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof"] + clientArguments)
        client.send("ping from openssl\n")
        client.closeInput()
        let printed = await client.finish()
        let verdict: Result<PeerIdentity, any Error>
        do {
            verdict = .success(try await outcome.futureResult.get())
        } catch {
            verdict = .failure(error)
        }
        return (verdict, printed)
    }

    @Test func trustedOpenSSLClientCompletesAHandshakeAndExchangesData() async throws {
        let files = try InteropFiles()
        defer { files.directory.cleanup() }
        let (certificate, key) = try files.tlsFiles(of: alpha)
        let anchor = try files.signingCertificate(of: bravo)
        let (verdict, printed) = try await runSClient([
            "-cert", certificate, "-key", key, "-CAfile", anchor, "-verify_return_error", "-tls1_3",
        ])
        let peer = try verdict.get()
        #expect(peer.signingKey == alpha.signingKey.publicKey)
        #expect(printed.stdout.contains("echo:ping from openssl"))
        // openssl verified our certificate chain on its own, from Bravo's signing certificate.
        #expect(printed.stdout.contains("Verify return code: 0 (ok)"))
        #expect(printed.stdout.contains("TLSv1.3"))
        #expect(printed.stdout.contains("Peer signature type: ed25519"))
        #expect(printed.stdout.contains("Requested Signature Algorithms: ed25519\n"))
        // No session tickets: nothing to resume, so every connection goes through the pin check.
        #expect(!printed.stdout.contains("Session Ticket"))
    }

    enum RefusedClient: String, CaseIterable, CustomStringConvertible {
        case noCertificate, untrustedEd25519, rsaCertificate, tls12Only, onlyGroupsOutsideTheProfile
        var description: String { rawValue }
    }

    @Test(arguments: RefusedClient.allCases)
    func openSSLClientIsRefused(_ kind: RefusedClient) async throws {
        let files = try InteropFiles()
        defer { files.directory.cleanup() }
        let arguments: [String]
        switch kind {
        case .noCertificate:
            arguments = []
        case .untrustedEd25519:
            let (certificate, key) = try await files.selfSigned("ed25519", name: "stranger")
            arguments = ["-cert", certificate, "-key", key]
        case .rsaCertificate:
            let (certificate, key) = try await files.selfSigned("rsa:2048", name: "rsa-stranger")
            arguments = ["-cert", certificate, "-key", key]
        case .tls12Only:
            let (certificate, key) = try files.tlsFiles(of: alpha)
            arguments = ["-cert", certificate, "-key", key, "-tls1_2"]
        case .onlyGroupsOutsideTheProfile:
            // Protocol/tls.md: X25519 and P-256 only; a client offering nothing else cannot agree on a key.
            let (certificate, key) = try files.tlsFiles(of: alpha)
            arguments = ["-cert", certificate, "-key", key, "-groups", "X448:P-521:ffdhe2048"]
        }
        let (verdict, printed) = try await runSClient(arguments)
        // s_client sent a line after its handshake; the refusal must have reached it instead of an answer.
        #expect(!printed.stdout.contains("echo:"))
        guard case .failure(let failure) = verdict else {
            Issue.record("the server accepted a \(kind) client")
            return
        }
        let error = try #require(failure as? TLSError)
        switch kind {
        case .noCertificate, .rsaCertificate:
            // OpenSSL's client sends no certificate rather than one that cannot sign with Ed25519.
            #expect(error.code == .peerNotTrusted)
            #expect(error.openSSLReasons.contains { $0.contains("peer did not return a certificate") })
            #expect(printed.all.contains("alert certificate required"))
        case .untrustedEd25519:
            #expect(error.code == .peerNotTrusted)
            #expect(error.reason.contains("not issued by any roster signing key"))
            #expect(printed.all.contains("alert bad certificate"))
        case .tls12Only:
            #expect(error.code == .handshakeFailed)
            #expect(error.openSSLReasons.contains { $0.contains("unsupported protocol") })
            #expect(printed.all.contains("alert protocol version"))
        case .onlyGroupsOutsideTheProfile:
            #expect(error.code == .handshakeFailed, "\(error)")
            #expect(printed.all.contains("alert handshake failure"), "\(printed.all)")
        }
    }

    /// Runs `openssl s_server -rev` (answers each line reversed) with the given certificate, requiring a client
    /// certificate issued by Alpha's signing key, and connects a CapSync client (Alpha dialing Bravo) sending a line.
    func runCapSyncClient(
        serverCertificate: String,
        serverKey: String,
        files: InteropFiles
    ) async throws
        -> (Result<[UInt8], any Error>, OpenSSLTool.Result)
    {
        let anchor = try files.signingCertificate(of: alpha)
        let server = try OpenSSLTool([
            "s_server", "-accept", "127.0.0.1:0", "-cert", serverCertificate, "-key", serverKey,
            "-Verify", "1", "-verify_return_error", "-CAfile", anchor, "-tls1_3", "-num_tickets", "0",
            "-naccept", "1", "-rev",
        ])
        let acceptLine = try #require(await server.waitForLine(containing: "ACCEPT"))
        let port = try #require(acceptLine.split(separator: ":").last.flatMap { Int($0) })

        let group = MultiThreadedEventLoopGroup.singleton
        let context = try alpha.clientContext(trusting: Coalition.roster, dialing: bravo)
        let payload = Array("capsync\n".utf8)
        let done = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(EchoClientHandler(payload: payload, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let answer: Result<[UInt8], any Error>
        do {
            answer = .success(try await done.futureResult.get())
        } catch {
            answer = .failure(error)
        }
        try? await channel.close()
        server.closeInput()
        return (answer, await server.finish())
    }

    @Test func openSSLServerAcceptsACapSyncClient() async throws {
        let files = try InteropFiles()
        defer { files.directory.cleanup() }
        let (certificate, key) = try files.tlsFiles(of: bravo)
        let (answer, printed) = try await runCapSyncClient(serverCertificate: certificate, serverKey: key, files: files)
        #expect(try answer.get() == Array("cnyspac\n".utf8))
        #expect(!printed.all.contains("verify error"))
    }

    @Test func capSyncClientRefusesAnUntrustedOpenSSLServer() async throws {
        let files = try InteropFiles()
        defer { files.directory.cleanup() }
        let (certificate, key) = try await files.selfSigned("ed25519", name: "rogue-server")
        let (answer, _) = try await runCapSyncClient(serverCertificate: certificate, serverKey: key, files: files)
        guard case .failure(let failure) = answer else {
            Issue.record("the client accepted an untrusted server")
            return
        }
        #expect((failure as? TLSError)?.code == .peerNotTrusted)
    }
}
