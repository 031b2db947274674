internal import COpenSSL
internal import COpenSSLShims
internal import CapSyncCrypto
internal import NIOCore

/// One OpenSSL connection (`SSL*`) driven through two memory BIOs: ciphertext from the network is written into the
/// read BIO, ciphertext OpenSSL produces is drained from the write BIO. No I/O of its own, no NIO channel: the state
/// machine decides when to call what, and this type turns OpenSSL's return codes into Swift results.
///
/// Not thread-safe: confined to the event loop of its channel. OpenSSL's error queue is per thread, so it is cleared
/// before every call and drained right after a failure.
final class TLSConnection {
    enum Step {
        /// The operation finished (handshake done, bytes read or written, shutdown complete).
        case done
        /// OpenSSL needs more bytes from the peer.
        case wantMore
        /// The peer sent close_notify.
        case closedByPeer
        /// A fatal error: the connection is dead and `SSL_shutdown` must not be called.
        case failed(TLSError)
    }

    /// The largest plaintext handed to `SSL_write` at once, so the write BIO never holds more than a few records.
    static let maxWriteChunk = 64 * 1024

    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    private let verifyState: VerifyState
    private let pin: PeerPin
    let role: TLSConfiguration.Role
    private(set) var inputEnded = false

    init(context: TLSContext) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.sslContext) else {
            throw TLSError(.configuration, "SSL_new failed", openSSLReasons: OpenSSLErrorQueue.drain())
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError(.configuration, "BIO_new failed", openSSLReasons: OpenSSLErrorQueue.drain())
        }
        // An empty read BIO means "no bytes yet", not end of stream; real EOF is signalled by `markInputEnded`.
        _ = COpenSSLShims_BIO_set_mem_eof_return(readBIO, -1)
        _ = COpenSSLShims_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // the SSL now owns both BIOs
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.pin = context.pin
        self.role = context.configuration.role
        self.verifyState = VerifyState(pin: context.pin)
        _ = COpenSSLShims_SSL_set_app_data(ssl, Unmanaged.passUnretained(verifyState).toOpaque())
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// Hands ciphertext received from the network to OpenSSL.
    func feed(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, Int(Int32.max))
                let written = BIO_write(readBIO, bytes.baseAddress! + offset, Int32(chunk))
                guard written > 0 else { return }
                offset += Int(written)
            }
        }
    }

    /// The transport reached end of stream: once the buffered bytes are consumed, OpenSSL sees EOF, and reports
    /// a missing close_notify as `SSL_R_UNEXPECTED_EOF_WHILE_READING`.
    func markInputEnded() {
        inputEnded = true
        _ = COpenSSLShims_BIO_set_mem_eof_return(readBIO, 0)
    }

    /// Set once `SSL_do_handshake` succeeded. Kept here because after a fatal error OpenSSL's own state reads as
    /// "in handshake" again, which would misreport a truncated session as a failed handshake.
    private(set) var isHandshakeDone = false

    func handshake() -> Step {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        guard result == 1 else { return classify(result, during: "handshake") }
        isHandshakeDone = true
        return .done
    }

    /// One `SSL_read` into `buffer`; `.done` means some plaintext was appended.
    func read(into buffer: inout ByteBuffer) -> Step {
        ERR_clear_error()
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { space in
            result = SSL_read(ssl, space.baseAddress, Int32(min(space.count, Int(Int32.max))))
            return result > 0 ? Int(result) : 0
        }
        return result > 0 ? .done : classify(result, during: "read")
    }

    /// Encrypts up to `maxWriteChunk` bytes of `bytes`; returns how many were taken.
    func write(_ bytes: UnsafeRawBufferPointer) -> (taken: Int, step: Step) {
        guard !bytes.isEmpty else { return (0, .done) }
        ERR_clear_error()
        let count = min(bytes.count, Self.maxWriteChunk)
        let result = SSL_write(ssl, bytes.baseAddress, Int32(count))
        return result > 0 ? (Int(result), .done) : (0, classify(result, during: "write"))
    }

    /// Sends our close_notify (first call) and reports `.done` once the peer's has arrived too.
    func shutdown() -> Step {
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        if result == 1 { return .done }
        if result == 0 { return .wantMore }
        return classify(result, during: "shutdown")
    }

    /// Whether close_notify was received from the peer.
    var receivedCloseNotify: Bool { SSL_get_shutdown(ssl) & Int32(SSL_RECEIVED_SHUTDOWN) != 0 }

    /// Ciphertext OpenSSL has produced, taken out of the write BIO.
    func drainOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = BIO_ctrl_pending(writeBIO)
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { space in
            let read = BIO_read(writeBIO, space.baseAddress, Int32(min(space.count, Int(Int32.max))))
            return read > 0 ? Int(read) : 0
        }
        return buffer
    }

    /// The second look at the peer after the handshake (the first is the verify callback): TLS 1.3 was
    /// negotiated, a certificate is present, and it still matches the pin.
    func verifiedPeer() -> Result<PeerIdentity, TLSError> {
        guard SSL_version(ssl) == TLS1_3_VERSION else {
            return .failure(TLSError(.handshakeFailed, "the negotiated protocol is not TLS 1.3"))
        }
        guard let leaf = SSL_get0_peer_certificate(ssl) else {
            return .failure(TLSError(.peerNotTrusted, "the peer presented no certificate"))
        }
        guard let certificate = Self.certificate(of: leaf) else {
            return .failure(TLSError(.peerNotTrusted, "the peer's certificate cannot be read"))
        }
        let identity = pin.identity(of: certificate)
        if case .success(let recheck) = identity, case .success(let first) = verifyState.verdict, first != recheck {
            return .failure(TLSError(.peerNotTrusted, "the peer's certificate changed during the handshake"))
        }
        if verifyState.verdict == nil {
            return .failure(TLSError(.peerNotTrusted, "the peer's certificate was never verified"))
        }
        return identity
    }

    /// A copy of an `X509*` owned by OpenSSL, through its DER bytes.
    static func certificate(of x509: OpaquePointer) -> X509Certificate? {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &out)
        guard length > 0, let out else { return nil }
        let der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
        COpenSSLShims_OPENSSL_free(out)
        return try? X509Certificate(derBytes: der)
    }

    private func classify(_ result: Int32, during operation: String) -> Step {
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantMore
        case SSL_ERROR_ZERO_RETURN:
            return .closedByPeer
        default:
            let drained = OpenSSLErrorQueue.drainWithCodes()
            return .failed(describeFailure(error, drained, during: operation))
        }
    }

    private func describeFailure(
        _ sslError: Int32,
        _ drained: OpenSSLErrorQueue.Drained,
        during operation: String
    )
        -> TLSError
    {
        let truncatedByEOF = drained.codes.contains { ERR_GET_REASON($0) == SSL_R_UNEXPECTED_EOF_WHILE_READING }
        if case .failure(let refusal)? = verifyState.verdict {
            var error = refusal
            error.openSSLReasons = drained.reasons
            return error
        }
        if truncatedByEOF || (inputEnded && sslError == SSL_ERROR_SYSCALL) {
            if !isHandshakeDone {
                return TLSError(
                    .handshakeFailed,
                    "the peer closed the connection during the handshake",
                    openSSLReasons: drained.reasons
                )
            }
            return TLSError(
                .truncated,
                "the connection ended without close_notify: data from the peer may be cut off",
                openSSLReasons: drained.reasons
            )
        }
        if !isHandshakeDone {
            let reasonCodes = drained.codes.map { ERR_GET_REASON($0) }
            if reasonCodes.contains(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
                return TLSError(
                    .peerNotTrusted,
                    "the peer presented no certificate; CapSync requires mutual authentication",
                    openSSLReasons: drained.reasons
                )
            }
            if reasonCodes.contains(SSL_R_UNSUPPORTED_PROTOCOL) {
                return TLSError(
                    .handshakeFailed,
                    "the peer does not offer TLS 1.3, the only version CapSync speaks",
                    openSSLReasons: drained.reasons
                )
            }
            return TLSError(.handshakeFailed, "the TLS handshake failed", openSSLReasons: drained.reasons)
        }
        return TLSError(.protocolError, "TLS \(operation) failed", openSSLReasons: drained.reasons)
    }
}
