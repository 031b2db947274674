internal import COpenSSL

/// HKDF with SHA-256 (RFC 5869), extract then expand, through OpenSSL's `EVP_PKEY_HKDF`.
public enum HKDF {
    /// The most bytes one HKDF-SHA256 expansion can give (255 × 32).
    public static let maxOutputBytes = 255 * 32

    /// HKDF-SHA256(ikm, salt, info) → `count` bytes.
    public static func sha256(
        inputKeyMaterial ikm: [UInt8],
        salt: [UInt8],
        info: [UInt8],
        outputByteCount count: Int
    ) throws(CryptoError) -> [UInt8] {
        guard count > 0, count <= maxOutputBytes else {
            throw CryptoError(.openSSL, "HKDF-SHA256 gives 1 to \(maxOutputBytes) bytes, not \(count)")
        }
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else {
            throw CryptoError.fromQueue(.openSSL, "EVP_PKEY_CTX_new_id(HKDF) failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: count)
        var length = count
        // An empty salt is passed as one zero-length buffer; OpenSSL then uses HashLen zero bytes (RFC 5869).
        let ok =
            EVP_PKEY_derive_init(ctx) == 1
            && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1
            && salt.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_salt(ctx, $0.baseAddress, Int32($0.count)) }
                == 1
            && ikm.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_key(ctx, $0.baseAddress, Int32($0.count)) } == 1
            && info.withUnsafeBufferPointer { EVP_PKEY_CTX_add1_hkdf_info(ctx, $0.baseAddress, Int32($0.count)) }
                == 1
            && EVP_PKEY_derive(ctx, &out, &length) == 1 && length == count
        guard ok else { throw CryptoError.fromQueue(.openSSL, "HKDF-SHA256 failed") }
        return out
    }
}
