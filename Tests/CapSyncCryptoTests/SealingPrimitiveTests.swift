import CapSyncCrypto
import Testing

/// X25519, HKDF-SHA256 and AES-256-GCM against their RFCs' own test vectors, and the content-key wrap's refusals.
@Suite struct SealingPrimitiveTests {
    @Test func x25519MatchesRFC7748() throws {
        // RFC 7748 §6.1.
        let alice = try X25519PrivateKey(
            rawBytes: Hex.decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")!
        )
        let bob = try X25519PrivateKey(
            rawBytes: Hex.decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")!
        )
        #expect(
            Hex.encode(alice.publicKey.rawBytes) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        )
        #expect(
            Hex.encode(bob.publicKey.rawBytes) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
        )
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        #expect(Hex.encode(try alice.sharedSecret(with: bob.publicKey)) == shared)
        #expect(Hex.encode(try bob.sharedSecret(with: alice.publicKey)) == shared)
        #expect(try alice.rawBytes == X25519PrivateKey(rawBytes: alice.rawBytes).rawBytes)
    }

    @Test func x25519RefusesALowOrderPoint() throws {
        let key = try X25519PrivateKey.generate()
        let zero = try X25519PublicKey(rawBytes: [UInt8](repeating: 0, count: 32))
        #expect(throws: CryptoError.self) { try key.sharedSecret(with: zero) }
    }

    @Test func hkdfMatchesRFC5869() throws {
        // RFC 5869 appendix A.1 (test case 1) and A.3 (empty salt and info).
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let okm = try HKDF.sha256(
            inputKeyMaterial: ikm,
            salt: Hex.decode("000102030405060708090a0b0c")!,
            info: Hex.decode("f0f1f2f3f4f5f6f7f8f9")!,
            outputByteCount: 42
        )
        #expect(
            Hex.encode(okm)
                == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        )
        let empty = try HKDF.sha256(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 42)
        #expect(
            Hex.encode(empty)
                == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        )
    }

    @Test func aesGCMMatchesTheNISTVector() throws {
        // The GCM specification's test case 16 (AES-256, 60-byte plaintext, 20-byte AAD, 96-bit IV).
        let key = Hex.decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")!
        let nonce = Hex.decode("cafebabefacedbaddecaf888")!
        let plaintext = Hex.decode(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
                + "b16aedf5aa0de657ba637b39"
        )!
        let aad = Hex.decode("feedfacedeadbeeffeedfacedeadbeefabaddad2")!
        let sealed = try AESGCM.seal(plaintext, key: key, nonce: nonce, authenticating: aad)
        #expect(
            Hex.encode(sealed)
                == "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
                + "c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b"
        )
        #expect(try AESGCM.open(sealed, key: key, nonce: nonce, authenticating: aad) == plaintext)
    }

    @Test(arguments: ["ciphertext", "tag", "aad", "nonce", "key"])
    func aesGCMRefusesAnyChange(_ what: String) throws {
        let key = [UInt8](repeating: 7, count: 32)
        let nonce = [UInt8](repeating: 9, count: 12)
        var sealed = try AESGCM.seal(Array("figure".utf8), key: key, nonce: nonce, authenticating: [1, 2])
        var (openKey, openNonce, aad) = (key, nonce, [UInt8]([1, 2]))
        switch what {
        case "ciphertext": sealed[0] ^= 1
        case "tag": sealed[sealed.count - 1] ^= 1
        case "aad": aad[1] ^= 1
        case "nonce": openNonce[0] ^= 1
        default: openKey[31] ^= 1
        }
        let error = #expect(throws: CryptoError.self) {
            try AESGCM.open(sealed, key: openKey, nonce: openNonce, authenticating: aad)
        }
        #expect(error?.code == .decryptionFailed)
    }

    @Test func aWrapOpensOnlyForItsRecipientAndContext() throws {
        let recipient = try X25519PrivateKey.generate()
        let other = try X25519PrivateKey.generate()
        let ephemeral = try X25519PrivateKey.generate()
        let contentKey = SecureRandom.bytes(32)
        let wrapped = try ContentKeyWrap.wrap(
            contentKey: contentKey,
            to: recipient.publicKey,
            ephemeral: ephemeral,
            context: [1, 2, 3]
        )
        #expect(wrapped.count == 48)
        let opened = try ContentKeyWrap.unwrap(
            wrapped,
            ephemeral: ephemeral.publicKey,
            recipient: recipient,
            context: [1, 2, 3]
        )
        #expect(opened == contentKey)
        #expect(throws: CryptoError.self) {
            try ContentKeyWrap.unwrap(wrapped, ephemeral: ephemeral.publicKey, recipient: other, context: [1, 2, 3])
        }
        #expect(throws: CryptoError.self) {
            try ContentKeyWrap.unwrap(wrapped, ephemeral: ephemeral.publicKey, recipient: recipient, context: [1, 2])
        }
    }
}
