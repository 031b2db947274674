import CapSyncCrypto
import Foundation
import Testing

/// The node's X25519 decryption key file: PKCS#8 PEM that stock OpenSSL reads, mode 0600, never overwritten.
@Suite struct EncryptionKeyFileTests {
    @Test func theKeyFileIsOwnerOnlyAndOpenSSLDerivesTheSameSecret() throws {
        let directory = try TemporaryDirectory()
        let key = try X25519PrivateKey.generate()
        try KeyFile.writeEncryptionKey(key, to: directory.path("encryption.key.pem"))
        #expect(try directory.mode("encryption.key.pem") == 0o600)
        #expect(try KeyFile.readEncryptionKey(from: directory.path("encryption.key.pem")).rawBytes == key.rawBytes)
        #expect(throws: CryptoError.self) {
            try KeyFile.writeEncryptionKey(try X25519PrivateKey.generate(), to: directory.path("encryption.key.pem"))
        }

        // openssl pkeyutl -derive with our key file and a peer key it made itself gives our shared secret.
        try OpenSSLTool.require(["genpkey", "-algorithm", "X25519", "-out", "peer.pem"], in: directory)
        try OpenSSLTool.require(["pkey", "-in", "peer.pem", "-pubout", "-out", "peer.pub.pem"], in: directory)
        try OpenSSLTool.require(
            ["pkeyutl", "-derive", "-inkey", "encryption.key.pem", "-peerkey", "peer.pub.pem", "-out", "secret.bin"],
            in: directory
        )
        let peer = try X25519PrivateKey(pem: try directory.read("peer.pem"))
        let ours = try key.sharedSecret(with: peer.publicKey)
        let theirs = try OpenSSLTool.require(["enc", "-base64", "-A", "-in", "secret.bin"], in: directory)
        #expect(theirs.trimmingCharacters(in: .whitespacesAndNewlines) == Data(ours).base64EncodedString())
    }

    @Test func aKeyFileOthersMayReadIsRefused() throws {
        let directory = try TemporaryDirectory()
        try KeyFile.writeEncryptionKey(try X25519PrivateKey.generate(), to: directory.path("encryption.key.pem"))
        try directory.setMode("encryption.key.pem", 0o644)
        let error = #expect(throws: CryptoError.self) {
            try KeyFile.readEncryptionKey(from: directory.path("encryption.key.pem"))
        }
        #expect(error?.code == .insecureFilePermissions)
    }
}
