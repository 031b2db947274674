import Foundation
import Testing

@testable import CapSyncCrypto

/// Key files: created 0600, never overwritten, durable, refused when others may read them; errors name the file.
@Suite struct KeyFileTests {
    @Test func privateKeyFileIsCreatedWithMode0600AndReadBack() throws {
        let directory = try TemporaryDirectory()
        let key = try Ed25519PrivateKey.generate()
        try KeyFile.writePrivateKey(key, to: directory.path("signing.pem"))
        #expect(try directory.mode("signing.pem") == 0o600)
        #expect(try KeyFile.readPrivateKey(from: directory.path("signing.pem")).publicKey == key.publicKey)
        #expect(try !KeyFile.isEncryptedPrivateKey(at: directory.path("signing.pem")))
    }

    @Test func publicKeyAndCertificateFilesAreWorldReadable() throws {
        let directory = try TemporaryDirectory()
        let key = try Ed25519PrivateKey.generate()
        let certificate = try X509Certificate.selfSignedSigningCertificate(for: key)
        try KeyFile.writePublicKey(key.publicKey, to: directory.path("signing.pub"))
        try KeyFile.writeCertificate(certificate, to: directory.path("signing-cert.pem"))
        #expect(try directory.mode("signing.pub") == 0o644)
        #expect(try directory.mode("signing-cert.pem") == 0o644)
        #expect(try KeyFile.readPublicKey(from: directory.path("signing.pub")) == key.publicKey)
        #expect(try KeyFile.readCertificate(from: directory.path("signing-cert.pem")) == certificate)
    }

    @Test func anExistingFileIsNeverOverwritten() throws {
        let directory = try TemporaryDirectory()
        let first = try Ed25519PrivateKey.generate()
        try KeyFile.writePrivateKey(first, to: directory.path("signing.pem"))
        let before = try directory.read("signing.pem")
        do {
            try KeyFile.writePrivateKey(Ed25519PrivateKey.generate(), to: directory.path("signing.pem"))
            Issue.record("overwrote a key file")
        } catch {
            #expect(error.code == .fileExists)
            #expect(error.path == directory.path("signing.pem"))
        }
        #expect(try directory.read("signing.pem") == before)
        #expect(throws: CryptoError.self) {
            try KeyFile.writePublicKey(first.publicKey, to: directory.path("signing.pem"))
        }
    }

    @Test func anEmptyPassphraseIsRefusedAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory()
        do {
            try KeyFile.writePrivateKey(Ed25519PrivateKey.generate(), to: directory.path("signing.pem"), passphrase: "")
            Issue.record("wrote a key under an empty passphrase")
        } catch {
            #expect(error.code == .wrongPassphrase)
            #expect(error.reason.contains("empty passphrase"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("signing.pem")))
    }

    @Test(arguments: [0o640, 0o604, 0o660, 0o644, 0o666, 0o700 | 0o010])
    func aPrivateKeyOthersMayReadIsRefused(_ mode: Int) throws {
        let directory = try TemporaryDirectory()
        try KeyFile.writePrivateKey(Ed25519PrivateKey.generate(), to: directory.path("signing.pem"))
        try directory.setMode("signing.pem", mode)
        do {
            _ = try KeyFile.readPrivateKey(from: directory.path("signing.pem"))
            Issue.record("read a key file with mode \(String(mode, radix: 8))")
        } catch {
            #expect(error.code == .insecureFilePermissions)
            #expect(error.path == directory.path("signing.pem"))
            #expect(error.reason.contains("0" + String(mode, radix: 8)))
            #expect(error.reason.contains("chmod 600"))
        }
        #expect(throws: CryptoError.self) { try KeyFile.isEncryptedPrivateKey(at: directory.path("signing.pem")) }
    }

    @Test(arguments: [0o400, 0o600, 0o700])
    func ownerOnlyModesAreAccepted(_ mode: Int) throws {
        let directory = try TemporaryDirectory()
        let key = try Ed25519PrivateKey.generate()
        try KeyFile.writePrivateKey(key, to: directory.path("signing.pem"))
        try directory.setMode("signing.pem", mode)
        #expect(try KeyFile.readPrivateKey(from: directory.path("signing.pem")).publicKey == key.publicKey)
    }

    @Test func aMissingFileIsNamed() {
        let path = "/nonexistent-capsync-dir/signing.pem"
        do {
            _ = try KeyFile.readPrivateKey(from: path)
            Issue.record("read a missing file")
        } catch {
            #expect(error.code == .fileIO)
            #expect(error.description == "\(path): no such file: No such file or directory")
        }
        #expect(throws: CryptoError.self) { try KeyFile.writePrivateKey(Ed25519PrivateKey.generate(), to: path) }
    }

    @Test func aDirectoryAFIFOOrAnOversizedFileIsNotAKeyFile() throws {
        let directory = try TemporaryDirectory()
        #expect(mkfifo(directory.path("fifo.pem"), 0o600) == 0)
        do {
            _ = try KeyFile.readPrivateKey(from: directory.path("fifo.pem"))
            Issue.record("read a FIFO")
        } catch {
            #expect(error.reason == "not a regular file")
        }
        try FileManager.default.createDirectory(atPath: directory.path("dir.pem"), withIntermediateDirectories: false)
        #expect(throws: CryptoError.self) { try KeyFile.readPublicKey(from: directory.path("dir.pem")) }
        try directory.write("big.pem", [UInt8](repeating: 0x41, count: KeyFile.maxFileSize + 1))
        do {
            _ = try KeyFile.readPublicKey(from: directory.path("big.pem"))
            Issue.record("read an oversized file")
        } catch {
            #expect(error.code == .fileIO)
            #expect(error.reason.contains("at most \(KeyFile.maxFileSize)"))
        }
    }

    @Test func aGarbledKeyFileNamesThePathAndOpenSSLsReason() throws {
        let directory = try TemporaryDirectory()
        try directory.write("signing.pem", Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8))
        try directory.setMode("signing.pem", 0o600)
        do {
            _ = try KeyFile.readPrivateKey(from: directory.path("signing.pem"))
            Issue.record("read a garbled key")
        } catch {
            #expect(error.code == .invalidPEM)
            #expect(error.path == directory.path("signing.pem"))
            #expect(!error.openSSLReasons.isEmpty)
        }
    }

    /// The directory whose entry is fsynced after a file is created.
    @Test(arguments: [
        ("signing.pem", "."), ("/signing.pem", "/"), ("/etc/capsync/signing.pem", "/etc/capsync"),
        ("node/keys/signing.pem", "node/keys"),
    ])
    func theDirectoryOfAPath(_ path: String, _ directory: String) {
        #expect(KeyFile.directoryName(of: path) == directory)
    }
}
