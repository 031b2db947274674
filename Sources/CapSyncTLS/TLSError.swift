/// The one error type of the TLS layer.
///
/// It carries OpenSSL's own reason strings (`openSSLReasons`) next to a reason written for an operator, so a
/// refused peer is diagnosable from a log line alone: "peer certificate is not issued by any roster signing key"
/// plus OpenSSL's "tlsv1 alert unknown ca" says both what we decided and what went over the wire.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The TLS configuration cannot be turned into a working OpenSSL context.
        case configuration
        /// The handshake failed (protocol error, alert from the peer, no common version or algorithm).
        case handshakeFailed
        /// The peer's certificate does not chain to a trusted signing key, is not Ed25519, or is missing.
        case peerNotTrusted
        /// The peer is trusted but is not the one this client dialed (`requiredPeerSigningKey`).
        case wrongPeer
        /// The connection ended without a close_notify: data may have been cut off by an attacker or a crash.
        case truncated
        /// The handshake did not finish within the configured time.
        case handshakeTimeout
        /// The peer did not answer our close_notify within the configured time; the connection was cut.
        case shutdownTimeout
        /// Plaintext queued before the handshake finished exceeded the configured bound.
        case outputBufferFull
        /// OpenSSL reported an error on an established connection (bad record, alert, internal failure).
        case protocolError
        /// A write was attempted after the connection was closed or failed.
        case closed
    }

    public var code: Code
    /// What went wrong, for a person, with what to check.
    public var reason: String
    /// OpenSSL's error queue at the time of the failure, oldest first.
    public var openSSLReasons: [String]

    public init(_ code: Code, _ reason: String, openSSLReasons: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLReasons = openSSLReasons
    }

    public var description: String {
        let base = "TLS \(code.rawValue): \(reason)"
        return openSSLReasons.isEmpty ? base : "\(base) (OpenSSL: \(openSSLReasons.joined(separator: "; ")))"
    }

    /// Whether OpenSSL reports an alert the peer sent (its TLS refused this side), e.g. "tlsv13 alert
    /// certificate required", "sslv3 alert bad certificate", "tlsv1 alert unknown ca".
    public var isAlertFromPeer: Bool { openSSLReasons.contains { $0.contains(" alert ") } }
}
