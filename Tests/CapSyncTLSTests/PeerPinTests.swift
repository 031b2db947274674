import CapSyncCrypto
import Foundation
import Testing

@testable import CapSyncTLS

/// The trust decision alone, on certificates made by CapSync and by the `openssl` tool.
@Suite struct PeerPinTests {
    let roster = Coalition.roster.map(\.signingKey.publicKey)

    @Test(arguments: Coalition.roster.map(\.partner))
    func aServerAcceptsEveryRosterPartner(partner: String) throws {
        let node = try #require(Coalition.roster.first { $0.partner == partner })
        let pin = try PeerPin(trustedSigningKeys: roster, requiredPeerSigningKey: nil)
        let identity = try pin.identity(of: node.certificate).get()
        #expect(identity.signingKey == node.signingKey.publicKey)
        #expect(identity.tlsKey == node.tlsKey.publicKey)
    }

    @Test func aClientAcceptsOnlyThePartnerItDials() throws {
        let pin = try PeerPin(trustedSigningKeys: roster, requiredPeerSigningKey: Coalition.bravo.signingKey.publicKey)
        let bravo = try pin.identity(of: Coalition.bravo.certificate).get()
        #expect(bravo.signingKey == Coalition.bravo.signingKey.publicKey)
        #expect(throws: TLSError.self) { try pin.identity(of: Coalition.charlie.certificate).get() }
        do {
            _ = try pin.identity(of: Coalition.charlie.certificate).get()
        } catch {
            #expect(error.code == .wrongPeer)
        }
        do {
            _ = try pin.identity(of: Coalition.outsider.certificate).get()
        } catch {
            #expect(error.code == .peerNotTrusted)
        }
    }

    @Test func aCertificateIssuedByTheOutsiderIsRefusedEvenForARosterTLSKey() throws {
        // Bravo's own TLS key, but certified by a signing key outside the roster: the issuer decides, not the key.
        let forged = try X509Certificate.issueTLSCertificate(
            for: Coalition.bravo.tlsKey.publicKey,
            partner: "BRAVO",
            signedBy: Coalition.outsider.signingKey
        )
        let pin = try PeerPin(trustedSigningKeys: roster, requiredPeerSigningKey: nil)
        #expect(throws: TLSError.self) { try pin.identity(of: forged).get() }
    }

    @Test func aSelfSignedSigningCertificateIsNotATLSIdentityOfAnotherPartner() throws {
        // Alpha's self-signed signing certificate verifies under Alpha's key; it proves Alpha, nothing else.
        let anchor = try X509Certificate.selfSignedSigningCertificate(for: Coalition.alpha.signingKey)
        let pin = try PeerPin(trustedSigningKeys: roster, requiredPeerSigningKey: Coalition.bravo.signingKey.publicKey)
        do {
            _ = try pin.identity(of: anchor).get()
            Issue.record("a certificate of Alpha was accepted as Bravo")
        } catch {
            #expect(error.code == .wrongPeer)
        }
    }

    @Test func anRSACertificateIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let certificatePath = directory.url.appendingPathComponent("rsa.crt").path
        let keyPath = directory.url.appendingPathComponent("rsa.key").path
        let result = try await OpenSSLTool.run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath,
            "-subj", "/CN=rsa", "-days", "1",
        ])
        #expect(result.status == 0)
        let certificate = try X509Certificate(pem: String(contentsOfFile: certificatePath, encoding: .utf8))
        let pin = try PeerPin(trustedSigningKeys: roster, requiredPeerSigningKey: nil)
        do {
            _ = try pin.identity(of: certificate).get()
            Issue.record("an RSA certificate was accepted")
        } catch {
            #expect(error.code == .peerNotTrusted)
            #expect(error.reason.contains("Ed25519"))
        }
    }
}
