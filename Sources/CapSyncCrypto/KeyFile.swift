// Provisional (replaced by the spec branch's KeyFile on merge).
import Foundation

public enum KeyFile {
    public static func writePrivateKey(_ key: Ed25519PrivateKey, to path: String, passphrase: String?) throws {
        let pem = try key.pkcs8PEM(passphrase: passphrase)
        guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CryptoError(.fileIO, "cannot write \(path)")
        }
    }
    public static func writePublic(_ pem: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8)) else { throw CryptoError(.fileIO, "cannot write \(path)") }
    }
    public static func readPrivateKey(at path: String, passphrase: String?) throws -> Ed25519PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw CryptoError(.fileIO, "cannot read \(path)") }
        return try Ed25519PrivateKey(pem: String(decoding: data, as: UTF8.self), passphrase: passphrase)
    }
}
