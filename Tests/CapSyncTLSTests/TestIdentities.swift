import CapSyncCrypto
import CapSyncTestSupport
import Foundation

@testable import CapSyncTLS

/// A partner's two keys (docs/design.md D4) and its TLS certificate, derived from a seed.
struct TestNode {
    let partner: String
    let signingKey: Ed25519PrivateKey
    let tlsKey: Ed25519PrivateKey
    let certificate: X509Certificate

    init(_ partner: String, seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        self.partner = partner
        signingKey = try Ed25519PrivateKey(seed: random.bytes(32))
        tlsKey = try Ed25519PrivateKey(seed: random.bytes(32))
        certificate = try X509Certificate.issueTLSCertificate(
            for: tlsKey.publicKey,
            partner: partner,
            signedBy: signingKey
        )
    }

    func serverContext(
        trusting roster: [TestNode],
        tweak: (inout TLSConfiguration) -> Void = { _ in }
    )
        throws -> TLSContext
    {
        var configuration = TLSConfiguration.server(
            privateKey: tlsKey,
            certificate: certificate,
            trustedSigningKeys: roster.map(\.signingKey.publicKey)
        )
        tweak(&configuration)
        return try TLSContext(configuration: configuration)
    }

    func clientContext(
        trusting roster: [TestNode],
        dialing peer: TestNode,
        tweak: (inout TLSConfiguration) -> Void = { _ in }
    ) throws -> TLSContext {
        var configuration = TLSConfiguration.client(
            privateKey: tlsKey,
            certificate: certificate,
            trustedSigningKeys: roster.map(\.signingKey.publicKey),
            dialing: peer.signingKey.publicKey
        )
        tweak(&configuration)
        return try TLSContext(configuration: configuration)
    }
}

/// Four partners of a test coalition.
enum Coalition {
    static let alpha = try! TestNode("ALPHA", seed: 1)
    static let bravo = try! TestNode("BRAVO", seed: 2)
    static let charlie = try! TestNode("CHARLIE", seed: 3)
    /// Not in anyone's roster.
    static let outsider = try! TestNode("OUTSIDER", seed: 99)
    static let roster = [alpha, bravo, charlie]
}

/// A fresh temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("capsync-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ text: String, to name: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}
