internal import COpenSSL

/// Ed25519 over one `EVP_MD_CTX` initialised once per key and reused for every message, as `openssl speed`
/// does. In OpenSSL 3, initialising a context (fetching the algorithm from the provider) costs about as much as
/// the signature itself, so hot paths — signing a batch of own entries, verifying a run of one author's
/// entries — keep a context per key instead of going through the one-shot helpers.
/// Not thread-safe: one instance per thread.
public final class Ed25519Context {
    private let context: OpaquePointer

    /// A verifying context for `key`.
    public init?(verifying key: Ed25519PublicKey) {
        guard let context = EVP_MD_CTX_new() else { return nil }
        ERR_clear_error()
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.evpPKey) == 1 else {
            ERR_clear_error()
            EVP_MD_CTX_free(context)
            return nil
        }
        self.context = context
    }

    /// A signing context for `key`.
    public init?(signing key: Ed25519PrivateKey) {
        guard let context = EVP_MD_CTX_new() else { return nil }
        ERR_clear_error()
        guard EVP_DigestSignInit(context, nil, nil, nil, key.evpPKey) == 1 else {
            ERR_clear_error()
            EVP_MD_CTX_free(context)
            return nil
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Whether the 64 bytes at `signatureRange` of `signed` are a valid signature of `message`.
    public func verify(signature signed: [UInt8], at signatureRange: Range<Int>, message: [UInt8]) -> Bool {
        guard signatureRange.count == 64, signatureRange.upperBound <= signed.count else { return false }
        ERR_clear_error()
        let ok = signed.withUnsafeBufferPointer { signed in
            message.withUnsafeBufferPointer { message in
                EVP_DigestVerify(
                    context,
                    signed.baseAddress! + signatureRange.lowerBound,
                    64,
                    message.baseAddress,
                    message.count
                ) == 1
            }
        }
        if !ok { ERR_clear_error() }
        return ok
    }

    /// The 64-byte signature of `message`.
    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        ERR_clear_error()
        let ok = message.withUnsafeBufferPointer {
            EVP_DigestSign(context, &signature, &length, $0.baseAddress, $0.count) == 1
        }
        guard ok, length == 64 else { throw CryptoError.fromQueue(.openSSL, "Ed25519 signing failed") }
        return signature
    }
}
