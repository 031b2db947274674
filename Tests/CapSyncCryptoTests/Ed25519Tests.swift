import CapSyncCrypto
import Testing

/// Ed25519 against RFC 8032 §7.1, and the key encodings CapSync moves between.
@Suite struct Ed25519Tests {
    // RFC 8032 §7.1 TEST 2.
    static let seed = Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!
    static let publicKey = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
    static let signature =
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"

    @Test func rfc8032TestVectorSignsAndVerifies() throws {
        let key = try Ed25519PrivateKey(seed: Self.seed)
        #expect(Hex.encode(key.publicKey.rawBytes) == Self.publicKey)
        #expect(key.seed == Self.seed)
        let signature = try key.signature(for: [0x72])
        #expect(Hex.encode(signature) == Self.signature)
        #expect(key.publicKey.isValidSignature(signature, for: [0x72]))
        #expect(!key.publicKey.isValidSignature(signature, for: [0x73]))
        #expect(!key.publicKey.isValidSignature(signature.dropLast(), for: [0x72]), "63 bytes is not a signature")
    }

    @Test func keysRoundTripThroughEveryEncoding() throws {
        let key = try Ed25519PrivateKey.generate()
        let plain = try Ed25519PrivateKey(pem: key.pkcs8PEM())
        let encrypted = try Ed25519PrivateKey(pem: key.pkcs8PEM(passphrase: "pass phrase"), passphrase: "pass phrase")
        #expect(plain.publicKey == key.publicKey && encrypted.publicKey == key.publicKey)
        #expect(try Ed25519PublicKey(pem: key.publicKey.pem) == key.publicKey)
        #expect(try Ed25519PublicKey(base64: key.publicKey.base64) == key.publicKey)
        #expect(try Ed25519PublicKey(rawBytes: key.publicKey.rawBytes) == key.publicKey)
        #expect(key.publicKey.fingerprint.count == 39)
    }

    @Test(arguments: [0, 31, 33, 64])
    func wrongLengthKeysAreRefused(_ count: Int) {
        let bytes = [UInt8](repeating: 1, count: count)
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(rawBytes: bytes) }
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(seed: bytes) }
    }
}
