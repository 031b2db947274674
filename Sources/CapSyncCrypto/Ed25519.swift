internal import COpenSSL
public import Foundation

/// Owns one `EVP_PKEY`. Immutable after creation, so OpenSSL allows concurrent use for signing and verifying.
final class PKeyBox: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// An Ed25519 public key: the identity of a partner's signing key or of a node's TLS key.
/// Held as its raw 32 bytes (what the roster and entries carry) plus an OpenSSL key for verifying.
public struct Ed25519PublicKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let byteCount = 32

    /// The raw 32-byte key (RFC 8032 encoding).
    public let rawBytes: [UInt8]
    let box: PKeyBox

    public init(rawBytes: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(rawBytes)
        guard raw.count == Self.byteCount else {
            throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, got \(raw.count)")
        }
        OpenSSLErrorQueue.clear()
        let key = raw.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }
        guard let key else { throw CryptoError.fromQueue(.invalidKey, "OpenSSL rejected the Ed25519 public key") }
        self.rawBytes = raw
        self.box = PKeyBox(key)
    }

    init(adopting key: OpaquePointer) throws(CryptoError) {
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(key)
            throw CryptoError(.notEd25519, "the key is not an Ed25519 key")
        }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == 32 else {
            EVP_PKEY_free(key)
            throw CryptoError.fromQueue(.invalidKey, "cannot read the raw Ed25519 public key")
        }
        self.rawBytes = raw
        self.box = PKeyBox(key)
    }

    /// Parses a `-----BEGIN PUBLIC KEY-----` PEM (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes.
    public init(pem: String) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? = withMemoryBIO(Array(pem.utf8)) { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        guard let key else { throw CryptoError.fromQueue(.invalidPEM, "not a PEM public key") }
        try self.init(adopting: key)
    }

    /// SubjectPublicKeyInfo PEM, readable by `openssl pkeyutl -pubin`.
    public var pem: String {
        memoryBIOString { PEM_write_bio_PUBKEY($0, box.pointer) == 1 }
    }

    /// Verifies an Ed25519 signature over `message` (pure Ed25519, no pre-hash).
    public func isValidSignature(_ signature: some ContiguousBytes, for message: some ContiguousBytes) -> Bool {
        signature.withUnsafeBytes { sig in
            message.withUnsafeBytes { msg in
                guard sig.count == 64 else { return false }
                guard let ctx = EVP_MD_CTX_new() else { return false }
                defer { EVP_MD_CTX_free(ctx) }
                OpenSSLErrorQueue.clear()
                guard EVP_DigestVerifyInit(ctx, nil, nil, nil, box.pointer) == 1 else {
                    OpenSSLErrorQueue.clear()
                    return false
                }
                let ok =
                    EVP_DigestVerify(
                        ctx,
                        sig.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        64,
                        msg.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        msg.count
                    ) == 1
                if !ok { OpenSSLErrorQueue.clear() }
                return ok
            }
        }
    }

    /// A short printable fingerprint: the first 16 bytes of SHA-256(raw key) as hex, in groups of four.
    public var fingerprint: String { Fingerprint.of(rawBytes) }

    /// The raw key in standard base64, as rosters and trust cards print it.
    public var base64: String { Data(rawBytes).base64EncodedString() }

    public init(base64: String) throws(CryptoError) {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespaces)) else {
            throw CryptoError(.invalidKey, "not base64: \(base64.prefix(60))")
        }
        try self.init(rawBytes: Array(data))
    }

    public var description: String { "ed25519:\(base64)" }

    public static func == (a: Self, b: Self) -> Bool { a.rawBytes == b.rawBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawBytes) }
    public static func < (a: Self, b: Self) -> Bool { a.rawBytes.lexicographicallyPrecedes(b.rawBytes) }

    package var evpPKey: OpaquePointer { box.pointer }
}

public enum Fingerprint {
    /// SHA-256 of the bytes, first 16 bytes, lowercase hex in groups of four separated by ':'.
    public static func of(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(bytes).prefix(16)
        let hex = Hex.encode(Array(digest))
        var groups: [Substring] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let end = hex.index(index, offsetBy: 4)
            groups.append(hex[index..<end])
            index = end
        }
        return groups.joined(separator: ":")
    }
}

/// An Ed25519 private key held inside OpenSSL (`EVP_PKEY`), so a provider such as an HSM can hold it later.
public struct Ed25519PrivateKey: Sendable {
    let box: PKeyBox
    public let publicKey: Ed25519PublicKey

    /// Generates a fresh key from OpenSSL's CSPRNG.
    public static func generate() throws(CryptoError) -> Ed25519PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw CryptoError.fromQueue(.openSSL, "EVP_PKEY_CTX_new_id(ED25519) failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw CryptoError.fromQueue(.openSSL, "Ed25519 key generation failed")
        }
        return try Ed25519PrivateKey(adopting: key)
    }

    /// A key from its 32-byte RFC 8032 seed (test vectors; deterministic simulations).
    public init(seed: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(seed)
        guard raw.count == 32 else { throw CryptoError(.invalidKey, "an Ed25519 seed is 32 bytes, got \(raw.count)") }
        OpenSSLErrorQueue.clear()
        let key = raw.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }
        guard let key else { throw CryptoError.fromQueue(.invalidKey, "OpenSSL rejected the Ed25519 seed") }
        try self.init(adopting: key)
    }

    init(adopting key: OpaquePointer) throws(CryptoError) {
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(key)
            throw CryptoError(.notEd25519, "the private key is not an Ed25519 key")
        }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1 else {
            EVP_PKEY_free(key)
            throw CryptoError.fromQueue(.invalidKey, "cannot derive the public key")
        }
        self.box = PKeyBox(key)
        self.publicKey = try Ed25519PublicKey(rawBytes: raw)
    }

    /// The 32-byte seed. Used only to write test vectors.
    public var seed: [UInt8] {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        _ = EVP_PKEY_get_raw_private_key(box.pointer, &raw, &length)
        return raw
    }

    /// Signs `message` with pure Ed25519; returns the 64-byte signature.
    public func signature(for message: some ContiguousBytes) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError(.openSSL, "EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        OpenSSLErrorQueue.clear()
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = message.withUnsafeBytes { msg in
            EVP_DigestSignInit(ctx, nil, nil, nil, box.pointer) == 1
                && EVP_DigestSign(
                    ctx,
                    &signature,
                    &length,
                    msg.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    msg.count
                ) == 1
        }
        guard ok, length == 64 else { throw CryptoError.fromQueue(.openSSL, "Ed25519 signing failed") }
        return signature
    }

    /// PKCS#8 PEM. With a passphrase: encrypted PKCS#8 (AES-256-CBC, PBKDF2), as `openssl pkey -aes256` writes.
    public func pkcs8PEM(passphrase: String? = nil) throws(CryptoError) -> String {
        OpenSSLErrorQueue.clear()
        var failed = false
        let text = memoryBIOString { bio in
            let ok: Int32
            if let passphrase {
                var bytes = Array(passphrase.utf8).map { CChar(bitPattern: $0) }
                ok = PEM_write_bio_PKCS8PrivateKey(
                    bio,
                    box.pointer,
                    EVP_aes_256_cbc(),
                    &bytes,
                    Int32(bytes.count),
                    nil,
                    nil
                )
            } else {
                ok = PEM_write_bio_PKCS8PrivateKey(bio, box.pointer, nil, nil, 0, nil, nil)
            }
            failed = ok != 1
            return !failed
        }
        if failed { throw CryptoError.fromQueue(.openSSL, "cannot write the PKCS#8 private key") }
        return text
    }

    /// Parses a PKCS#8 (or traditional) PEM private key such as `openssl genpkey -algorithm ed25519` writes,
    /// decrypting it with `passphrase` when it is encrypted.
    public init(pem: String, passphrase: String? = nil) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        var pass = Array((passphrase ?? "").utf8).map { CChar(bitPattern: $0) } + [0]
        let key: OpaquePointer? = withMemoryBIO(Array(pem.utf8)) { bio in
            pass.withUnsafeMutableBufferPointer { buffer in
                PEM_read_bio_PrivateKey(bio, nil, capsyncPassphraseCallback, buffer.baseAddress)
            }
        }
        guard let key else {
            let reasons = OpenSSLErrorQueue.drain()
            let encrypted = pem.contains("ENCRYPTED")
            if encrypted {
                throw CryptoError(
                    .wrongPassphrase,
                    passphrase == nil
                        ? "the private key is encrypted: give its passphrase" : "wrong passphrase for the private key",
                    openSSLReasons: reasons
                )
            }
            throw CryptoError(.invalidPEM, "not a PEM private key", openSSLReasons: reasons)
        }
        try self.init(adopting: key)
    }

    package var evpPKey: OpaquePointer { box.pointer }
}

/// OpenSSL's pem_password_cb: copies the NUL-terminated passphrase passed as user data.
private let capsyncPassphraseCallback:
    @convention(c) (
        UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?
    ) -> Int32 = { buffer, size, _, userData in
        guard let buffer, let userData else { return 0 }
        let source = userData.assumingMemoryBound(to: CChar.self)
        let length = Int32(strlen(source))
        guard length < size else { return 0 }
        memcpy(buffer, source, Int(length))
        return length
    }

/// Runs `body` with a read-only memory BIO over `bytes`.
func withMemoryBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) -> R?) -> R? {
    bytes.withUnsafeBytes { raw -> R? in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
        defer { BIO_free(bio) }
        return body(bio)
    }
}

/// Runs `body` with a fresh writable memory BIO and returns what it wrote as a string.
func memoryBIOString(_ body: (OpaquePointer) -> Bool) -> String {
    memoryBIOBytes(body).map { String(decoding: $0, as: UTF8.self) } ?? ""
}

func memoryBIOBytes(_ body: (OpaquePointer) -> Bool) -> [UInt8]? {
    guard let bio = BIO_new(BIO_s_mem()) else { return nil }
    defer { BIO_free(bio) }
    guard body(bio) else { return nil }
    var pointer: UnsafeMutablePointer<CChar>?
    let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
    guard length > 0, let pointer else { return [] }
    return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
        Array(UnsafeBufferPointer(start: $0, count: length))
    }
}
