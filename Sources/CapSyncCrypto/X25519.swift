internal import COpenSSL

/// An X25519 public key (RFC 7748): a partner's encryption key in the roster chain, or the ephemeral key of one
/// wrapped content key (Protocol/releasability.md). Held as its raw 32 bytes.
public struct X25519PublicKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let byteCount = 32

    public let rawBytes: [UInt8]

    public init(rawBytes: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(rawBytes)
        guard raw.count == Self.byteCount else {
            throw CryptoError(.invalidKey, "an X25519 public key is 32 bytes, got \(raw.count)")
        }
        self.rawBytes = raw
    }

    /// A short printable fingerprint, as for signing keys.
    public var fingerprint: String { Fingerprint.of(rawBytes) }

    public var description: String { "x25519:\(Hex.encode(rawBytes))" }

    public static func < (a: Self, b: Self) -> Bool { a.rawBytes.lexicographicallyPrecedes(b.rawBytes) }

    /// An OpenSSL key for deriving; built per use (a derive is rare: once per wrapped key).
    func makePKey() throws(CryptoError) -> PKeyBox {
        OpenSSLErrorQueue.clear()
        let key = rawBytes.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32)
        }
        guard let key else { throw CryptoError.fromQueue(.invalidKey, "OpenSSL rejected the X25519 public key") }
        return PKeyBox(key)
    }
}

/// An X25519 private key held inside OpenSSL: a node's decryption key (kept beside its signing key) or an
/// ephemeral key used for one wrap and dropped.
public struct X25519PrivateKey: Sendable {
    let box: PKeyBox
    public let publicKey: X25519PublicKey

    /// A fresh key from OpenSSL's CSPRNG.
    public static func generate() throws(CryptoError) -> X25519PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nil) else {
            throw CryptoError.fromQueue(.openSSL, "EVP_PKEY_CTX_new_id(X25519) failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw CryptoError.fromQueue(.openSSL, "X25519 key generation failed")
        }
        return try X25519PrivateKey(adopting: key)
    }

    /// A key from its raw 32 bytes (RFC 7748 scalar; clamped by X25519 itself). Test vectors and key files.
    public init(rawBytes: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(rawBytes)
        guard raw.count == 32 else {
            throw CryptoError(.invalidKey, "an X25519 private key is 32 bytes, got \(raw.count)")
        }
        OpenSSLErrorQueue.clear()
        let key = raw.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32)
        }
        guard let key else { throw CryptoError.fromQueue(.invalidKey, "OpenSSL rejected the X25519 private key") }
        try self.init(adopting: key)
    }

    init(adopting key: OpaquePointer) throws(CryptoError) {
        guard EVP_PKEY_get_id(key) == EVP_PKEY_X25519 else {
            EVP_PKEY_free(key)
            throw CryptoError(.invalidKey, "the private key is not an X25519 key")
        }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == 32 else {
            EVP_PKEY_free(key)
            throw CryptoError.fromQueue(.invalidKey, "cannot derive the X25519 public key")
        }
        self.box = PKeyBox(key)
        self.publicKey = try X25519PublicKey(rawBytes: raw)
    }

    /// The raw 32 private bytes, for the key file and test vectors.
    public var rawBytes: [UInt8] {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        _ = EVP_PKEY_get_raw_private_key(box.pointer, &raw, &length)
        return raw
    }

    /// The X25519 shared secret with `peer`. Refuses an all-zero result (a low-order peer key), as RFC 7748 §6.1
    /// allows and HPKE requires: such a secret would be known to anyone.
    public func sharedSecret(with peer: X25519PublicKey) throws(CryptoError) -> [UInt8] {
        let peerKey = try peer.makePKey()
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new(box.pointer, nil) else {
            throw CryptoError.fromQueue(.openSSL, "EVP_PKEY_CTX_new(X25519) failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var secret = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peerKey.pointer) == 1,
            EVP_PKEY_derive(ctx, &secret, &length) == 1, length == 32
        else {
            throw CryptoError.fromQueue(.invalidKey, "X25519 key agreement failed")
        }
        guard secret.contains(where: { $0 != 0 }) else {
            throw CryptoError(.invalidKey, "the X25519 shared secret is all zero (a low-order public key)")
        }
        return secret
    }
}

extension X25519PrivateKey {
    /// Unencrypted PKCS#8 PEM, as `openssl genpkey -algorithm x25519` writes (the node's key file, mode 0600).
    public func pkcs8PEM() throws(CryptoError) -> String {
        OpenSSLErrorQueue.clear()
        var failed = false
        let text = memoryBIOString { bio in
            failed = PEM_write_bio_PKCS8PrivateKey(bio, box.pointer, nil, nil, 0, nil, nil) != 1
            return !failed
        }
        if failed { throw CryptoError.fromQueue(.openSSL, "cannot write the X25519 private key") }
        return text
    }

    public init(pem: String) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? = withMemoryBIO(Array(pem.utf8)) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        guard let key else { throw CryptoError.fromQueue(.invalidPEM, "not a PEM private key") }
        try self.init(adopting: key)
    }
}

extension KeyFile {
    /// Writes an X25519 private key as PKCS#8 PEM to a new file, mode 0600; never overwrites.
    public static func writeEncryptionKey(_ key: X25519PrivateKey, to path: String) throws(CryptoError) {
        try createFile(path, contents: Array(try key.pkcs8PEM().utf8), mode: privateMode)
    }

    /// Reads an X25519 private key file, refusing one the group or others may read.
    public static func readEncryptionKey(from path: String) throws(CryptoError) -> X25519PrivateKey {
        let text = try readText(path, requireOwnerOnly: true)
        do { return try X25519PrivateKey(pem: text) } catch { throw error.at(path) }
    }
}
