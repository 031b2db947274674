internal import COpenSSL
internal import Foundation

final class X509Box: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}

/// An X.509 certificate held by OpenSSL, kept with its exact DER bytes.
///
/// CapSync uses certificates only as TLS's envelope for pinned keys (docs/design.md D4): a node's **signing key**
/// (its identity in the roster) issues the certificate of its separate **TLS key**. A peer is trusted when its
/// certificate verifies under a pinned signing key; names and dates play no part in trust. They are still
/// filled in sensibly (a self-signed certificate for the signing key, names that chain) so that stock tools
/// such as `openssl verify` can check the same chain independently.
public struct X509Certificate: Sendable, Hashable {
    let box: X509Box
    /// The DER encoding, exactly as signed and sent.
    public let derBytes: [UInt8]

    public init(derBytes: [UInt8]) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let cert: OpaquePointer? = derBytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let cert else { throw CryptoError.fromQueue(.invalidCertificate, "not a DER X.509 certificate") }
        self.init(adopting: cert)
    }

    public init(pem: String) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let cert: OpaquePointer? = withMemoryBIO(Array(pem.utf8)) { PEM_read_bio_X509($0, nil, nil, nil) }
        guard let cert else { throw CryptoError.fromQueue(.invalidCertificate, "not a PEM X.509 certificate") }
        self.init(adopting: cert)
    }

    init(adopting cert: OpaquePointer) {
        box = X509Box(cert)
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(cert, &out)
        if length > 0, let out {
            derBytes = Array(UnsafeBufferPointer(start: out, count: Int(length)))
            CRYPTO_free(out, #fileID, #line)
        } else {
            derBytes = []
        }
    }

    public var pem: String { memoryBIOString { PEM_write_bio_X509($0, box.pointer) == 1 } }

    /// The certified key; throws unless it is Ed25519 (the only key type CapSync accepts).
    public func publicKey() throws(CryptoError) -> Ed25519PublicKey {
        guard let key = X509_get_pubkey(box.pointer) else {
            throw CryptoError.fromQueue(.invalidCertificate, "the certificate has no readable public key")
        }
        return try Ed25519PublicKey(adopting: key)
    }

    /// True when the certificate's signature verifies under `issuerKey`: the pin check.
    public func isSigned(by issuerKey: Ed25519PublicKey) -> Bool {
        OpenSSLErrorQueue.clear()
        let ok = X509_verify(box.pointer, issuerKey.evpPKey) == 1
        OpenSSLErrorQueue.clear()
        return ok
    }

    /// The signing key named in the issuer's common name (`CapSync signing key <base64>`), if any. A hint for
    /// finding the pin quickly; trust still comes only from `isSigned(by:)`.
    public var claimedIssuerKey: Ed25519PublicKey? {
        guard let name = X509_get_issuer_name(box.pointer) else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        guard X509_NAME_get_text_by_NID(name, NID_commonName, &buffer, Int32(buffer.count)) > 0 else { return nil }
        let cn = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard cn.hasPrefix(Self.signingNamePrefix),
            let raw = Data(base64Encoded: String(cn.dropFirst(Self.signingNamePrefix.count))).map(Array.init)
        else {
            return nil
        }
        return try? Ed25519PublicKey(rawBytes: raw)
    }

    public static func == (a: Self, b: Self) -> Bool { a.derBytes == b.derBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(derBytes) }

    package var x509: OpaquePointer { box.pointer }

    static let signingNamePrefix = "CapSync signing key "

    // MARK: Issuing

    /// The certificate of a node's TLS key, issued by its signing key.
    public static func issueTLSCertificate(
        for tlsKey: Ed25519PublicKey,
        partner: String,
        signedBy signingKey: Ed25519PrivateKey
    ) throws(CryptoError) -> X509Certificate {
        // The issuer's self-signed certificate only supplies its key identifier for the authority key
        // identifier (RFC 5280 §4.2.1.1 requires one in every certificate not self-signed).
        let issuer = try selfSignedSigningCertificate(for: signingKey)
        return try build(
            subjectKey: tlsKey,
            subjectName: "CapSync TLS \(partner)",
            issuerKey: signingKey,
            issuerCertificate: issuer,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth,clientAuth"),
                // Names play no part in trust (the pin does); a subject alternative name lets strict RFC 5280
                // verifiers (Python cryptography's) accept the chain too.
                (NID_subject_alt_name, "URI:urn:capsync:partner:\(partner)"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        )
    }

    /// A self-signed certificate of the signing key, so that `openssl verify -CAfile` can check the chain.
    public static func selfSignedSigningCertificate(
        for signingKey: Ed25519PrivateKey
    ) throws(CryptoError)
        -> X509Certificate
    {
        try build(
            subjectKey: signingKey.publicKey,
            subjectName: nil,
            issuerKey: signingKey,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                (NID_key_usage, "critical,keyCertSign,digitalSignature"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        )
    }

    private static func build(
        subjectKey: Ed25519PublicKey,
        subjectName: String?,
        issuerKey: Ed25519PrivateKey,
        issuerCertificate: X509Certificate? = nil,
        extensions: [(Int32, String)]
    ) throws(CryptoError) -> X509Certificate {
        OpenSSLErrorQueue.clear()
        guard let cert = X509_new() else { throw CryptoError.fromQueue(.openSSL, "X509_new failed") }
        let result = X509Certificate(adoptingUnfinished: cert)
        // 20 + 44 characters: exactly the 64 that X.520 allows a common name.
        let issuerCN = signingNamePrefix + issuerKey.publicKey.base64
        var serial = [UInt8](repeating: 0, count: 8)
        _ = RAND_bytes(&serial, 8)
        let serialValue = serial.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7fff_ffff_ffff_ffff
        guard
            X509_set_version(cert, 2) == 1,
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serialValue) == 1,
            // RFC 5280 §4.1.2.5: UTCTime for dates through 2049, GeneralizedTime from 2050 on (the _X509 setter
            // picks the form by the date).
            ASN1_TIME_set_string_X509(X509_getm_notBefore(cert), "20000101000000Z") == 1,
            ASN1_TIME_set_string_X509(X509_getm_notAfter(cert), "99991231235959Z") == 1,
            X509_set_pubkey(cert, subjectKey.evpPKey) == 1,
            let subject = makeName(subjectName ?? issuerCN),
            let issuer = makeName(issuerCN)
        else { throw CryptoError.fromQueue(.openSSL, "cannot fill in the certificate") }
        defer {
            X509_NAME_free(subject)
            X509_NAME_free(issuer)
        }
        guard X509_set_subject_name(cert, subject) == 1, X509_set_issuer_name(cert, issuer) == 1 else {
            throw CryptoError.fromQueue(.openSSL, "cannot set the certificate names")
        }
        var v3 = X509V3_CTX()
        X509V3_set_ctx(&v3, issuerCertificate?.x509 ?? cert, cert, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else {
                throw CryptoError.fromQueue(.openSSL, "cannot build certificate extension \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(cert, ext, -1) == 1 else {
                throw CryptoError.fromQueue(.openSSL, "cannot add certificate extension \(value)")
            }
        }
        guard X509_sign(cert, issuerKey.evpPKey, nil) > 0 else {
            throw CryptoError.fromQueue(.openSSL, "cannot sign the certificate")
        }
        return try X509Certificate(derBytes: result.currentDER())
    }

    private init(adoptingUnfinished cert: OpaquePointer) {
        box = X509Box(cert)
        derBytes = []
    }

    private func currentDER() throws(CryptoError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(box.pointer, &out)
        guard length > 0, let out else { throw CryptoError.fromQueue(.openSSL, "cannot encode the certificate") }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    private static func makeName(_ commonName: String) -> OpaquePointer? {
        guard let name = X509_NAME_new() else { return nil }
        let okO = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, "CapSync", -1, -1, 0) == 1
        let okCN = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1
        guard okO, okCN else {
            X509_NAME_free(name)
            return nil
        }
        return name
    }
}
