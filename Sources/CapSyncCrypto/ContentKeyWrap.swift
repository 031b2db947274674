/// Wraps a 32-byte content key to one recipient's X25519 key (Protocol/releasability.md §3): an HPKE-like
/// construction out of X25519, HKDF-SHA256 and AES-256-GCM, since OpenSSL 3.0 has no HPKE API.
///
///     shared    = X25519(ephemeral private, recipient public)          (all zero is refused)
///     salt      = "CAPSYNC-SEALED-WRAP-V1" ‖ 0x00 ‖ ephemeral public ‖ recipient public
///     okm       = HKDF-SHA256(ikm = shared, salt, info = context, 44 bytes)
///     wrapped   = AES-256-GCM(key = okm[0..<32], nonce = okm[32..<44], aad = empty, content key)   (48 bytes)
///
/// Each ephemeral key serves one wrap, so the derived nonce is used once. `context` binds the wrap to its entry
/// (author, label, roster serial, recipient partner): a wrap copied into another entry does not open.
public enum ContentKeyWrap {
    public static let domain = Array("CAPSYNC-SEALED-WRAP-V1".utf8) + [0]
    public static let contentKeyByteCount = 32
    public static let wrappedByteCount = contentKeyByteCount + AESGCM.tagByteCount

    /// The wrap of `contentKey` to `recipient` with the given ephemeral key (fresh for every wrap).
    public static func wrap(
        contentKey: [UInt8],
        to recipient: X25519PublicKey,
        ephemeral: X25519PrivateKey,
        context: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        guard contentKey.count == contentKeyByteCount else {
            throw CryptoError(.invalidKey, "a content key is 32 bytes, got \(contentKey.count)")
        }
        let shared = try ephemeral.sharedSecret(with: recipient)
        let (key, nonce) = try derive(
            shared: shared,
            ephemeral: ephemeral.publicKey,
            recipient: recipient,
            context: context
        )
        return try AESGCM.seal(contentKey, key: key, nonce: nonce, authenticating: [])
    }

    /// Opens a wrap made to `recipient`'s public key; throws `decryptionFailed` when it was made to another key,
    /// with another context, or altered.
    public static func unwrap(
        _ wrapped: [UInt8],
        ephemeral: X25519PublicKey,
        recipient: X25519PrivateKey,
        context: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        guard wrapped.count == wrappedByteCount else {
            throw CryptoError(.decryptionFailed, "a wrapped key is \(wrappedByteCount) bytes, got \(wrapped.count)")
        }
        let shared = try recipient.sharedSecret(with: ephemeral)
        let (key, nonce) = try derive(
            shared: shared,
            ephemeral: ephemeral,
            recipient: recipient.publicKey,
            context: context
        )
        return try AESGCM.open(wrapped, key: key, nonce: nonce, authenticating: [])
    }

    static func derive(
        shared: [UInt8],
        ephemeral: X25519PublicKey,
        recipient: X25519PublicKey,
        context: [UInt8]
    ) throws(CryptoError) -> (key: [UInt8], nonce: [UInt8]) {
        let salt = domain + ephemeral.rawBytes + recipient.rawBytes
        let okm = try HKDF.sha256(inputKeyMaterial: shared, salt: salt, info: context, outputByteCount: 44)
        return (Array(okm[0..<32]), Array(okm[32..<44]))
    }
}
