import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing

/// CapSync's keys, signatures and certificates against the `openssl` command line: what one writes, the other
/// reads and verifies (docs/design.md D4, D10).
@Suite struct OpenSSLInteropTests {
    static let timestamp = HLCTimestamp(milliseconds: 1_767_225_600_000)

    /// Writes what `openssl pkeyutl -verify` needs for an entry: the signing message, the signature, the author's
    /// public key PEM.
    static func export(_ entry: Entry, to directory: TemporaryDirectory) throws {
        try directory.write("msg.bin", entry.signingMessage)
        try directory.write("sig.bin", Array(entry.signature))
        try directory.write("pub.pem", Array(try entry.author.publicKey().pem.utf8))
    }

    static let verifyArguments = [
        "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg.bin",
        "-sigfile", "sig.bin",
    ]

    @Test func keyGeneratedByOpenSSLSignsEntriesBothVerify() throws {
        let directory = try TemporaryDirectory()
        try OpenSSLTool.require(["genpkey", "-algorithm", "ed25519", "-out", "key.pem"], in: directory)
        let key = try KeyFile.readPrivateKey(from: directory.path("key.pem"))
        let opensslPublic = try OpenSSLTool.require(["pkey", "-in", "key.pem", "-pubout"], in: directory)
        #expect(opensslPublic == key.publicKey.pem)

        let entry = try Entry.sign(key: key, seq: 1, prev: .zero, timestamp: Self.timestamp, kind: 1, payload: [1, 2])
        #expect(entry.verifySignature(using: key.publicKey))
        try Self.export(entry, to: directory)
        let result = try OpenSSLTool.run(Self.verifyArguments, in: directory)
        #expect(result.succeeded && result.output.contains("Signature Verified Successfully"), "\(result.errorOutput)")
    }

    @Test func keyWrittenByCapSyncIsReadByOpenSSL() throws {
        let directory = try TemporaryDirectory()
        let key = try Ed25519PrivateKey.generate()
        try KeyFile.writePrivateKey(key, to: directory.path("key.pem"))
        #expect(try directory.read("key.pem").hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let opensslPublic = try OpenSSLTool.require(["pkey", "-in", "key.pem", "-pubout"], in: directory)
        #expect(opensslPublic == key.publicKey.pem)
        // And openssl signs with it what CapSync verifies.
        try directory.write("msg.bin", Array("capacity report".utf8))
        try OpenSSLTool.require(
            ["pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-in", "msg.bin", "-out", "sig.bin"],
            in: directory
        )
        let signature = try [UInt8](Data(contentsOf: directory.url.appendingPathComponent("sig.bin")))
        #expect(key.publicKey.isValidSignature(signature, for: Array("capacity report".utf8)))
        #expect(!key.publicKey.isValidSignature(signature, for: Array("capacity report!".utf8)))
    }

    @Test func encryptedKeyWrittenByCapSyncIsReadByOpenSSL() throws {
        let directory = try TemporaryDirectory()
        let key = try Ed25519PrivateKey.generate()
        try KeyFile.writePrivateKey(key, to: directory.path("key.pem"), passphrase: "correct horse")
        #expect(try directory.read("key.pem").hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(try KeyFile.isEncryptedPrivateKey(at: directory.path("key.pem")))
        let opensslPublic = try OpenSSLTool.require(
            ["pkey", "-in", "key.pem", "-passin", "pass:correct horse", "-pubout"],
            in: directory
        )
        #expect(opensslPublic == key.publicKey.pem)
        let wrong = try OpenSSLTool.run(["pkey", "-in", "key.pem", "-passin", "pass:wrong", "-pubout"], in: directory)
        #expect(!wrong.succeeded)
        let back = try KeyFile.readPrivateKey(from: directory.path("key.pem"), passphrase: "correct horse")
        #expect(back.publicKey == key.publicKey)
    }

    @Test func encryptedKeyWrittenByOpenSSLIsReadByCapSync() throws {
        let directory = try TemporaryDirectory()
        try OpenSSLTool.require(
            ["genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:s3cret", "-out", "key.pem"],
            in: directory
        )
        let opensslPublic = try OpenSSLTool.require(
            ["pkey", "-in", "key.pem", "-passin", "pass:s3cret", "-pubout"],
            in: directory
        )
        let key = try KeyFile.readPrivateKey(from: directory.path("key.pem"), passphrase: "s3cret")
        #expect(key.publicKey.pem == opensslPublic)

        for passphrase in ["wrong", nil] as [String?] {
            do {
                _ = try KeyFile.readPrivateKey(from: directory.path("key.pem"), passphrase: passphrase)
                Issue.record("read with passphrase \(passphrase ?? "nil")")
            } catch {
                #expect(error.code == .wrongPassphrase)
                #expect(error.path == directory.path("key.pem"))
                #expect(error.description.hasPrefix(directory.path("key.pem") + ": "))
                #expect(error.reason.contains(passphrase == nil ? "give its passphrase" : "wrong passphrase"))
            }
        }
    }

    enum Tamper: String, CaseIterable, Sendable { case message, signature }

    @Test(arguments: Tamper.allCases)
    func exportedEntryVerifiesWithPkeyutlAndAFlippedBitDoesNot(_ tamper: Tamper) throws {
        let directory = try TemporaryDirectory()
        let key = try Ed25519PrivateKey.generate()
        let first = try Entry.sign(key: key, seq: 1, prev: .zero, timestamp: Self.timestamp, kind: 1, payload: [7])
        let entry = try Entry.sign(
            key: key,
            seq: 2,
            prev: first.id,
            timestamp: HLCTimestamp(rawValue: Self.timestamp.rawValue + 1),
            kind: 3,
            payload: Array("stock 155mm: 48000".utf8)
        )
        try Self.export(entry, to: directory)
        let good = try OpenSSLTool.run(Self.verifyArguments, in: directory)
        #expect(good.succeeded, "\(good.errorOutput)")

        var message = entry.signingMessage
        var signature = Array(entry.signature)
        switch tamper {
        case .message: message[message.count / 2] ^= 0x01
        case .signature: signature[10] ^= 0x80
        }
        try directory.write("msg.bin", message)
        try directory.write("sig.bin", signature)
        let bad = try OpenSSLTool.run(Self.verifyArguments, in: directory)
        #expect(!bad.succeeded)
        #expect(!key.publicKey.isValidSignature(signature, for: message))
    }

    @Test func tlsCertificateVerifiesWithOpenSSLAgainstItsSigningKeyOnly() throws {
        let directory = try TemporaryDirectory()
        let signingKey = try Ed25519PrivateKey.generate()
        let tlsKey = try Ed25519PrivateKey.generate()
        let otherSigningKey = try Ed25519PrivateKey.generate()
        let certificate = try X509Certificate.issueTLSCertificate(
            for: tlsKey.publicKey,
            partner: "NO",
            signedBy: signingKey
        )
        try KeyFile.writeCertificate(
            X509Certificate.selfSignedSigningCertificate(for: signingKey),
            to: directory.path("signing-cert.pem")
        )
        try KeyFile.writeCertificate(
            X509Certificate.selfSignedSigningCertificate(for: otherSigningKey),
            to: directory.path("other-cert.pem")
        )
        try KeyFile.writeCertificate(certificate, to: directory.path("tls-cert.pem"))

        let verified = try OpenSSLTool.run(["verify", "-CAfile", "signing-cert.pem", "tls-cert.pem"], in: directory)
        #expect(verified.succeeded && verified.output.contains("tls-cert.pem: OK"), "\(verified.errorOutput)")
        let refused = try OpenSSLTool.run(["verify", "-CAfile", "other-cert.pem", "tls-cert.pem"], in: directory)
        #expect(!refused.succeeded)

        let certifiedKey = try OpenSSLTool.require(["x509", "-in", "tls-cert.pem", "-noout", "-pubkey"], in: directory)
        #expect(certifiedKey == tlsKey.publicKey.pem)
        #expect(certificate.isSigned(by: signingKey.publicKey))
        #expect(!certificate.isSigned(by: otherSigningKey.publicKey))
        #expect(certificate.claimedIssuerKey == signingKey.publicKey)
        #expect(try KeyFile.readCertificate(from: directory.path("tls-cert.pem")) == certificate)
    }

    @Test func aNonEd25519KeyFromOpenSSLIsRefusedByName() throws {
        let directory = try TemporaryDirectory()
        try OpenSSLTool.require(
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"],
            in: directory
        )
        do {
            _ = try KeyFile.readPrivateKey(from: directory.path("ec.pem"))
            Issue.record("a P-256 key was accepted as a signing key")
        } catch {
            #expect(error.code == .notEd25519)
            #expect(error.path == directory.path("ec.pem"))
        }
    }

    struct BadPEM: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    static let badPEMs: [BadPEM] = [
        BadPEM(name: "no PEM at all", text: "not a key\n"),
        BadPEM(name: "bad base64", text: "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
        BadPEM(
            name: "truncated DER",
            text: "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n"
        ),
    ]

    /// What OpenSSL says when it refuses a key reaches the operator (docs/design.md D2).
    @Test(arguments: badPEMs)
    func errorsCarryOpenSSLsReasons(_ bad: BadPEM) {
        do {
            _ = try Ed25519PrivateKey(pem: bad.text)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidPEM)
            #expect(!error.openSSLReasons.isEmpty)
            #expect(error.openSSLReasons.allSatisfy { $0.hasPrefix("error:") }, "\(error.openSSLReasons)")
            #expect(error.description.contains("(OpenSSL: error:"))
        }
    }

    @Test func aPublicKeyPEMFromOpenSSLIsRead() throws {
        let directory = try TemporaryDirectory()
        try OpenSSLTool.require(["genpkey", "-algorithm", "ed25519", "-out", "key.pem"], in: directory)
        try OpenSSLTool.require(["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"], in: directory)
        let key = try KeyFile.readPrivateKey(from: directory.path("key.pem"))
        #expect(try KeyFile.readPublicKey(from: directory.path("pub.pem")) == key.publicKey)
    }
}
