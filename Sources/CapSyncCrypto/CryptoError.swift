internal import COpenSSL

/// The one error type of the crypto layer. Carries OpenSSL's own reason strings so that an operator
/// (or an auditor) sees exactly what the library refused, not a generic "crypto failed".
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case openSSL
        case invalidKey
        case invalidPEM
        case wrongPassphrase
        case notEd25519
        case invalidCertificate
        case certificateNotIssuedByKey
        case fileIO
        /// A key or certificate file is already there; CapSync never overwrites one.
        case fileExists
        /// A private key file that the group or others may read.
        case insecureFilePermissions
        /// An AEAD tag did not verify: the wrong key, or altered ciphertext, nonce or associated data.
        case decryptionFailed
    }

    public var code: Code
    /// What went wrong, for a person.
    public var reason: String
    /// OpenSSL's error queue at the time of the failure, oldest first.
    public var openSSLReasons: [String]
    /// The file the failure is about, when there is one (key and certificate files).
    public var path: String?

    public init(_ code: Code, _ reason: String, openSSLReasons: [String] = [], path: String? = nil) {
        self.code = code
        self.reason = reason
        self.openSSLReasons = openSSLReasons
        self.path = path
    }

    public var description: String {
        let text = path.map { "\($0): \(reason)" } ?? reason
        return openSSLReasons.isEmpty ? text : "\(text) (OpenSSL: \(openSSLReasons.joined(separator: "; ")))"
    }

    /// Builds an error from OpenSSL's per-thread error queue, draining it.
    static func fromQueue(_ code: Code, _ reason: String) -> CryptoError {
        CryptoError(code, reason, openSSLReasons: OpenSSLErrorQueue.drain())
    }
}

/// OpenSSL keeps a per-thread error queue. We clear it before each call and drain it after a failure so
/// that a stale error from an unrelated call never ends up in a report. The one reader of that queue for every
/// module that calls OpenSSL (crypto and TLS).
package enum OpenSSLErrorQueue {
    /// What a drain found: OpenSSL's reason strings, and the packed codes (the TLS layer recognises truncation by
    /// its reason code).
    package struct Drained: Sendable {
        package var reasons: [String] = []
        package var codes: [UInt] = []
    }

    package static func clear() {
        ERR_clear_error()
    }

    package static func drain() -> [String] { drainWithCodes().reasons }

    package static func drainWithCodes() -> Drained {
        var drained = Drained()
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            drained.reasons.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            drained.codes.append(code)
        }
        return drained
    }
}
