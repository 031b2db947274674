internal import COpenSSL

/// AES-256-GCM fetched from the default provider once. Given `EVP_aes_256_gcm()`, OpenSSL 3 looks the
/// implementation up again at every `EVP_*Init_ex` (an implicit fetch), which costs more than opening a short
/// sealed payload: 0.5 M against 1.3 M inits and opens a second on the development VM. A fetched cipher is
/// reference-counted and safe to share between threads; it lives as long as the process.
private nonisolated(unsafe) let fetchedAES256GCM: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)

/// AES-256-GCM (NIST SP 800-38D) with a 12-byte nonce and a 16-byte tag appended to the ciphertext.
public enum AESGCM {
    /// The cipher to initialise contexts with: the fetched one, or the implicit-fetch handle should the fetch
    /// have failed (it cannot with the default provider; this keeps every path working regardless).
    static var cipher: OpaquePointer? { fetchedAES256GCM ?? EVP_aes_256_gcm() }

    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    /// Encrypts `plaintext`; returns ciphertext ‖ tag. `key` must be 32 bytes and `nonce` 12.
    public static func seal(
        _ plaintext: [UInt8],
        key: [UInt8],
        nonce: [UInt8],
        authenticating aad: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError(.openSSL, "EVP_CIPHER_CTX_new: out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        OpenSSLErrorQueue.clear()
        var out = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        var length: Int32 = 0
        var total = 0
        var ok =
            EVP_EncryptInit_ex(ctx, cipher, nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonceByteCount), nil) == 1
            && EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1
        if ok, !aad.isEmpty { ok = EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 }
        if ok, !plaintext.isEmpty {
            ok = out.withUnsafeMutableBufferPointer {
                EVP_EncryptUpdate(ctx, $0.baseAddress, &length, plaintext, Int32(plaintext.count)) == 1
            }
            total = Int(length)
        }
        if ok {
            ok = out.withUnsafeMutableBufferPointer {
                EVP_EncryptFinal_ex(ctx, $0.baseAddress! + total, &length) == 1
            }
            total += Int(length)
        }
        if ok {
            ok = out.withUnsafeMutableBufferPointer {
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(tagByteCount), $0.baseAddress! + total) == 1
            }
        }
        guard ok, total == plaintext.count else { throw CryptoError.fromQueue(.openSSL, "AES-256-GCM sealing failed") }
        return out
    }

    /// Decrypts ciphertext ‖ tag; throws `decryptionFailed` when the tag does not verify (wrong key, nonce,
    /// associated data, or altered bytes), never returning unauthenticated plaintext.
    public static func open(
        _ sealed: [UInt8],
        key: [UInt8],
        nonce: [UInt8],
        authenticating aad: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce)
        guard sealed.count >= tagByteCount else {
            throw CryptoError(.decryptionFailed, "AES-256-GCM input is \(sealed.count) bytes, shorter than its tag")
        }
        let bodyCount = sealed.count - tagByteCount
        var tag = Array(sealed[bodyCount...])
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError(.openSSL, "EVP_CIPHER_CTX_new: out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        OpenSSLErrorQueue.clear()
        var out = [UInt8](repeating: 0, count: max(bodyCount, 1))
        var length: Int32 = 0
        var total = 0
        var ok =
            EVP_DecryptInit_ex(ctx, cipher, nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonceByteCount), nil) == 1
            && EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1
        if ok, !aad.isEmpty { ok = EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 }
        if ok, bodyCount > 0 {
            ok = sealed.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer {
                    EVP_DecryptUpdate(ctx, $0.baseAddress, &length, input.baseAddress, Int32(bodyCount)) == 1
                }
            }
            total = Int(length)
        }
        guard ok else { throw CryptoError.fromQueue(.openSSL, "AES-256-GCM opening failed") }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagByteCount), &tag) == 1 else {
            throw CryptoError.fromQueue(.openSSL, "AES-256-GCM: cannot set the tag")
        }
        let verified = out.withUnsafeMutableBufferPointer {
            EVP_DecryptFinal_ex(ctx, $0.baseAddress! + total, &length) == 1
        }
        guard verified else {
            OpenSSLErrorQueue.clear()
            throw CryptoError(.decryptionFailed, "AES-256-GCM tag does not verify: wrong key or altered bytes")
        }
        total += Int(length)
        return Array(out.prefix(total))
    }

    private static func checkSizes(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw CryptoError(.invalidKey, "an AES-256 key is 32 bytes, got \(key.count)")
        }
        guard nonce.count == nonceByteCount else {
            throw CryptoError(.invalidKey, "an AES-256-GCM nonce is 12 bytes here, got \(nonce.count)")
        }
    }
}
