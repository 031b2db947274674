public import CapSyncCrypto

/// Who is at the other end of an established connection, as proven by the handshake.
public struct PeerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The roster signing key that issued the peer's certificate: the partner's identity.
    public let signingKey: Ed25519PublicKey
    /// The key the peer used in the handshake (its certificate's key).
    public let tlsKey: Ed25519PublicKey
    /// The certificate the peer presented.
    public let certificate: X509Certificate

    public init(signingKey: Ed25519PublicKey, tlsKey: Ed25519PublicKey, certificate: X509Certificate) {
        self.signingKey = signingKey
        self.tlsKey = tlsKey
        self.certificate = certificate
    }

    public var description: String { "peer signing key \(signingKey.fingerprint), TLS key \(tlsKey.fingerprint)" }
}

/// Inbound user events fired by `TLSHandler`.
public enum TLSEvent: Sendable, Hashable {
    /// Our side of the handshake finished and the peer's certificate matched the pin. On a client this does not yet
    /// mean the server accepted *our* certificate: in TLS 1.3 its verdict arrives with its first record.
    case handshakeCompleted(PeerIdentity)
    /// Both close_notify alerts were exchanged: everything the peer sent has arrived.
    case shutdownCompleted
}

/// The trust decision (docs/design.md D4): which pinned signing key issued a peer's certificate.
///
/// Immutable and shared by every connection of a context. A certificate is accepted when its key is Ed25519 and its
/// signature verifies under an acceptable signing key: the required one when a client dials a particular partner,
/// otherwise any trusted one. The issuer name's claimed key is only a hint for which key to try first.
struct PeerPin: Sendable {
    let trustedSigningKeys: Set<Ed25519PublicKey>
    /// The same keys in a fixed order, so a certificate is always tried against them in the same sequence.
    private let orderedSigningKeys: [Ed25519PublicKey]
    let requiredPeerSigningKey: Ed25519PublicKey?
    /// The dialed partner's other keys, accepted as well (a rotated key).
    let otherPeerSigningKeys: [Ed25519PublicKey]

    init(
        trustedSigningKeys: [Ed25519PublicKey],
        requiredPeerSigningKey: Ed25519PublicKey?,
        otherPeerSigningKeys: [Ed25519PublicKey] = []
    ) throws(TLSError) {
        let trusted = Set(trustedSigningKeys)
        guard !trusted.isEmpty else {
            throw TLSError(.configuration, "no trusted signing keys: the roster must list at least one partner key")
        }
        if let required = requiredPeerSigningKey, !trusted.contains(required) {
            throw TLSError(
                .configuration,
                "the peer to dial (signing key \(required.fingerprint)) is not in the roster; check the peer list"
            )
        }
        self.trustedSigningKeys = trusted
        self.orderedSigningKeys = trusted.sorted()
        self.requiredPeerSigningKey = requiredPeerSigningKey
        self.otherPeerSigningKeys = otherPeerSigningKeys.filter { trusted.contains($0) }
    }

    /// The identity behind `certificate`, or why it is refused.
    func identity(of certificate: X509Certificate) -> Result<PeerIdentity, TLSError> {
        let tlsKey: Ed25519PublicKey
        do {
            tlsKey = try certificate.publicKey()
        } catch {
            return .failure(TLSError(.peerNotTrusted, "the peer's certificate does not carry an Ed25519 key: \(error)"))
        }
        if let required = requiredPeerSigningKey {
            for key in [required] + otherPeerSigningKeys where certificate.isSigned(by: key) {
                return .success(PeerIdentity(signingKey: key, tlsKey: tlsKey, certificate: certificate))
            }
            if let other = issuer(of: certificate) {
                return .failure(
                    TLSError(
                        .wrongPeer,
                        "the peer is roster partner \(other.fingerprint), not the partner dialed "
                            + "(\(required.fingerprint)); check the peer list's address for this partner"
                    )
                )
            }
            return .failure(notTrusted(certificate, tlsKey: tlsKey, expected: required))
        }
        if let signingKey = issuer(of: certificate) {
            return .success(PeerIdentity(signingKey: signingKey, tlsKey: tlsKey, certificate: certificate))
        }
        return .failure(notTrusted(certificate, tlsKey: tlsKey, expected: nil))
    }

    /// The trusted signing key whose signature the certificate carries, trying the claimed issuer first.
    private func issuer(of certificate: X509Certificate) -> Ed25519PublicKey? {
        if let hint = certificate.claimedIssuerKey, trustedSigningKeys.contains(hint), certificate.isSigned(by: hint) {
            return hint
        }
        return orderedSigningKeys.first { certificate.isSigned(by: $0) }
    }

    private func notTrusted(
        _ certificate: X509Certificate,
        tlsKey: Ed25519PublicKey,
        expected: Ed25519PublicKey?
    ) -> TLSError {
        let claimed =
            certificate.claimedIssuerKey.map { ", and names signing key \($0.fingerprint) as its issuer" } ?? ""
        let wanted = expected.map { "; this node dialed the partner with signing key \($0.fingerprint)" } ?? ""
        return TLSError(
            .peerNotTrusted,
            "the peer presented TLS key \(tlsKey.fingerprint), whose certificate is not issued by any roster signing "
                + "key\(claimed)\(wanted); check that both sides hold the same roster"
        )
    }
}
