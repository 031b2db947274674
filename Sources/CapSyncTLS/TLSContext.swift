internal import COpenSSL
internal import COpenSSLShims
internal import CapSyncCrypto

/// An OpenSSL `SSL_CTX` set up for CapSync's TLS profile (Protocol/tls.md), shared by every connection of a node.
///
/// The profile is fixed, not configurable, because every knob is a way to weaken it: TLS 1.3 only, the peer's
/// certificate always required, Ed25519 the only signature algorithm, no session tickets and no session cache (a
/// resumed session would skip the verify callback and with it the pin), no compression or renegotiation.
///
/// Immutable once built: OpenSSL allows creating connections from one `SSL_CTX` on many threads.
public final class TLSContext: Sendable {
    public let configuration: TLSConfiguration
    let pin: PeerPin
    /// Owned; freed in deinit. Never reconfigured after init, which is what makes sharing it safe.
    nonisolated(unsafe) let sslContext: OpaquePointer

    public convenience init(configuration: TLSConfiguration) throws(TLSError) {
        try self.init(configuration: configuration, presentsOwnCertificate: true)
    }

    /// `presentsOwnCertificate: false` builds a peer that sends no certificate: only tests use it, to check that
    /// such a peer is refused.
    init(configuration: TLSConfiguration, presentsOwnCertificate: Bool) throws(TLSError) {
        self.pin = try PeerPin(
            trustedSigningKeys: configuration.trustedSigningKeys,
            requiredPeerSigningKey: configuration.requiredPeerSigningKey,
            otherPeerSigningKeys: configuration.otherPeerSigningKeys
        )
        guard configuration.role == .server || configuration.requiredPeerSigningKey != nil else {
            throw TLSError(.configuration, "a client must name the signing key of the partner it dials")
        }
        let ownKey: Ed25519PublicKey
        do {
            ownKey = try configuration.certificate.publicKey()
        } catch {
            throw TLSError(.configuration, "our own TLS certificate must carry an Ed25519 key: \(error)")
        }
        guard ownKey == configuration.privateKey.publicKey else {
            throw TLSError(.configuration, "our TLS certificate is for another key than our TLS private key")
        }
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_method()) else {
            throw TLSError(.configuration, "SSL_CTX_new failed", openSSLReasons: OpenSSLErrorQueue.drain())
        }
        self.sslContext = ctx
        self.configuration = configuration
        try Self.applyProfile(ctx, configuration: configuration, presentsOwnCertificate: presentsOwnCertificate)
    }

    deinit {
        SSL_CTX_free(sslContext)
    }

    /// A fresh connection (one `SSL*`) in this context's role.
    func makeConnection() throws(TLSError) -> TLSConnection {
        try TLSConnection(context: self)
    }

    private static func applyProfile(
        _ ctx: OpaquePointer,
        configuration: TLSConfiguration,
        presentsOwnCertificate: Bool
    ) throws(TLSError) {
        func require(_ ok: Bool, _ what: String) throws(TLSError) {
            guard ok else { throw TLSError(.configuration, what, openSSLReasons: OpenSSLErrorQueue.drain()) }
        }
        let tls13 = Int32(TLS1_3_VERSION)
        try require(COpenSSLShims_SSL_CTX_set_min_proto_version(ctx, tls13) == 1, "cannot require TLS 1.3")
        try require(COpenSSLShims_SSL_CTX_set_max_proto_version(ctx, tls13) == 1, "cannot limit to TLS 1.3")
        let options =
            COpenSSLShims_SSL_OP_NO_TICKET() | COpenSSLShims_SSL_OP_NO_COMPRESSION()
            | COpenSSLShims_SSL_OP_NO_RENEGOTIATION()
        _ = SSL_CTX_set_options(ctx, options)
        try require(SSL_CTX_set_num_tickets(ctx, 0) == 1, "cannot turn session tickets off")
        _ = COpenSSLShims_SSL_CTX_set_session_cache_mode(ctx, COpenSSLShims_SSL_SESS_CACHE_OFF())
        try require(COpenSSLShims_SSL_CTX_set1_sigalgs_list(ctx, "ed25519") == 1, "cannot limit signatures to Ed25519")
        try require(
            COpenSSLShims_SSL_CTX_set1_groups_list(ctx, TLSConfiguration.keyExchangeGroups) == 1,
            "cannot limit key exchange groups to \(TLSConfiguration.keyExchangeGroups)"
        )
        try require(
            COpenSSLShims_SSL_CTX_set1_client_sigalgs_list(ctx, "ed25519") == 1,
            "cannot limit client certificate signatures to Ed25519"
        )
        if presentsOwnCertificate {
            try require(
                SSL_CTX_use_certificate(ctx, configuration.certificate.x509) == 1,
                "OpenSSL refused our TLS certificate"
            )
            try require(
                SSL_CTX_use_PrivateKey(ctx, configuration.privateKey.evpPKey) == 1,
                "OpenSSL refused our TLS private key"
            )
            try require(SSL_CTX_check_private_key(ctx) == 1, "our TLS certificate does not match our TLS private key")
        }
        let mode: Int32 =
            switch configuration.role {
            case .client: SSL_VERIFY_PEER
            case .server: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            }
        SSL_CTX_set_verify(ctx, mode, capsyncVerifyCallback)
    }
}

/// Per-connection state the verify callback reads and writes. Confined to the connection's event loop; OpenSSL
/// calls the callback synchronously from inside `SSL_do_handshake` on that same thread.
final class VerifyState {
    let pin: PeerPin
    /// The callback's verdict, kept so repeated calls (one per chain error) agree and a refusal can be reported
    /// with our reason rather than OpenSSL's generic "certificate verify failed".
    var verdict: Result<PeerIdentity, TLSError>?

    init(pin: PeerPin) { self.pin = pin }
}

/// OpenSSL's verify callback. OpenSSL's own chain building cannot succeed for us (no CA store, and dates are not
/// our concern), so `preverifyOK` is ignored: the decision is the pin match of the peer's leaf certificate.
private let capsyncVerifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { _, storeContext in
    guard let storeContext,
        let sslPointer = X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx()),
        let statePointer = COpenSSLShims_SSL_get_app_data(OpaquePointer(sslPointer))
    else { return 0 }
    let state = Unmanaged<VerifyState>.fromOpaque(statePointer).takeUnretainedValue()
    if state.verdict == nil {
        if let leaf = X509_STORE_CTX_get0_cert(storeContext), let certificate = TLSConnection.certificate(of: leaf) {
            state.verdict = state.pin.identity(of: certificate)
        } else {
            state.verdict = .failure(TLSError(.peerNotTrusted, "the peer's certificate cannot be read"))
        }
    }
    switch state.verdict {
    case .success:
        X509_STORE_CTX_set_error(storeContext, X509_V_OK)
        return 1
    default:
        X509_STORE_CTX_set_error(storeContext, X509_V_ERR_CERT_REJECTED)
        return 0
    }
}
