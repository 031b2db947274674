public import CapSyncCrypto
public import NIOCore

/// What one side of a CapSync TLS connection brings (docs/design.md D4).
///
/// A node proves itself with its **TLS key** and that key's certificate, issued by its **signing key**; it accepts a
/// peer only when the peer's certificate is issued by a signing key of the coalition roster. Certificate names and
/// dates play no part: the pin does. A client dialing a particular partner narrows that further to the partner's
/// own signing key (`requiredPeerSigningKey`), so a roster member cannot impersonate another.
public struct TLSConfiguration: Sendable {
    public enum Role: String, Sendable, Hashable {
        case client
        case server
    }

    public var role: Role
    /// This node's TLS private key (Ed25519). The signing key is not needed to run TLS.
    public var privateKey: Ed25519PrivateKey
    /// This node's TLS certificate, issued by its signing key (`X509Certificate.issueTLSCertificate`).
    public var certificate: X509Certificate
    /// The roster's signing keys: a peer is accepted only if its certificate verifies under one of them.
    public var trustedSigningKeys: [Ed25519PublicKey]
    /// For a client: the signing key of the partner it dials. Only that key is accepted, even if others are trusted.
    public var requiredPeerSigningKey: Ed25519PublicKey?
    /// Further signing keys of the same partner a client accepts in place of `requiredPeerSigningKey` (a partner
    /// that rotated its key presents a certificate issued by the new one).
    public var otherPeerSigningKeys: [Ed25519PublicKey] = []
    /// A handshake still running after this long is abandoned with `TLSError.Code.handshakeTimeout`.
    public var handshakeTimeout: TimeAmount
    /// After sending close_notify, how long to wait for the peer's before cutting the connection.
    public var shutdownTimeout: TimeAmount
    /// The most plaintext (bytes) held while the handshake runs; writes beyond it fail with `.outputBufferFull`.
    /// Once the handshake is done, writes are encrypted at once and NIO's channel writability bounds the rest.
    public var maxBufferedOutputBytes: Int

    public static let defaultHandshakeTimeout = TimeAmount.seconds(10)
    /// The only key exchange groups offered and accepted (Protocol/tls.md): X25519, and P-256 for peers whose
    /// OpenSSL runs a FIPS provider without X25519.
    public static let keyExchangeGroups = "X25519:P-256"
    public static let defaultShutdownTimeout = TimeAmount.seconds(5)
    public static let defaultMaxBufferedOutputBytes = 4 * 1024 * 1024

    /// A server: accepts any peer whose certificate chains to one of `trustedSigningKeys`.
    public static func server(
        privateKey: Ed25519PrivateKey,
        certificate: X509Certificate,
        trustedSigningKeys: [Ed25519PublicKey]
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .server,
            privateKey: privateKey,
            certificate: certificate,
            trustedSigningKeys: trustedSigningKeys,
            requiredPeerSigningKey: nil
        )
    }

    /// A client dialing the partner whose signing key is `peerSigningKey`; that key must be among the trusted ones.
    public static func client(
        privateKey: Ed25519PrivateKey,
        certificate: X509Certificate,
        trustedSigningKeys: [Ed25519PublicKey],
        dialing peerSigningKey: Ed25519PublicKey,
        orAnyOf otherKeys: [Ed25519PublicKey] = []
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration(
            role: .client,
            privateKey: privateKey,
            certificate: certificate,
            trustedSigningKeys: trustedSigningKeys,
            requiredPeerSigningKey: peerSigningKey
        )
        configuration.otherPeerSigningKeys = otherKeys
        return configuration
    }

    public init(
        role: Role,
        privateKey: Ed25519PrivateKey,
        certificate: X509Certificate,
        trustedSigningKeys: [Ed25519PublicKey],
        requiredPeerSigningKey: Ed25519PublicKey?,
        handshakeTimeout: TimeAmount = TLSConfiguration.defaultHandshakeTimeout,
        shutdownTimeout: TimeAmount = TLSConfiguration.defaultShutdownTimeout,
        maxBufferedOutputBytes: Int = TLSConfiguration.defaultMaxBufferedOutputBytes
    ) {
        self.role = role
        self.privateKey = privateKey
        self.certificate = certificate
        self.trustedSigningKeys = trustedSigningKeys
        self.requiredPeerSigningKey = requiredPeerSigningKey
        self.handshakeTimeout = handshakeTimeout
        self.shutdownTimeout = shutdownTimeout
        self.maxBufferedOutputBytes = maxBufferedOutputBytes
    }
}
