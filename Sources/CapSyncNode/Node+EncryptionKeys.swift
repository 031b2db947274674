public import CapSyncCrypto
internal import CapSyncWire
internal import Foundation

/// The node's X25519 decryption keys (Protocol/releasability.md §2): the current one, whose public half the
/// roster chain names for this partner, and the ones it replaced, kept to open entries sealed to them.
extension Node {
    /// Every decryption key this node holds, the current one first; empty when it has none.
    public func encryptionKeys() throws(NodeError) -> [X25519PrivateKey] {
        var keys: [X25519PrivateKey] = []
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: paths.encryptionKey) {
            do { keys.append(try KeyFile.readEncryptionKey(from: paths.encryptionKey)) } catch {
                throw NodeError(.keys, "cannot read the encryption key: \(error)", context: paths.encryptionKey)
            }
        }
        let retired = (try? fileManager.contentsOfDirectory(atPath: paths.retiredEncryptionKeys)) ?? []
        for name in retired.sorted() where name.hasSuffix(".key.pem") {
            let path = paths.retiredEncryptionKeys + "/" + name
            do { keys.append(try KeyFile.readEncryptionKey(from: path)) } catch {
                throw NodeError(.keys, "cannot read a retired encryption key: \(error)", context: path)
            }
        }
        return keys
    }

    /// The current decryption key, made when there is none; with `rotate`, a new one replaces it (the old one
    /// moves to the retired folder, still used to open what was sealed to it).
    public func makeEncryptionKey(rotate: Bool) throws(NodeError) -> X25519PrivateKey {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: paths.encryptionKey) {
            guard rotate else { return try encryptionKeys()[0] }
            let current = try encryptionKeys()[0]
            let retiredPath =
                paths.retiredEncryptionKeys + "/" + Hex.encode(current.publicKey.rawBytes).prefix(16) + ".key.pem"
            do {
                try fileManager.createDirectory(
                    atPath: paths.retiredEncryptionKeys,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                try fileManager.moveItem(atPath: paths.encryptionKey, toPath: retiredPath)
            } catch {
                throw NodeError(.keys, "cannot retire the encryption key: \(error)", context: retiredPath)
            }
        }
        do {
            let key = try X25519PrivateKey.generate()
            try KeyFile.writeEncryptionKey(key, to: paths.encryptionKey)
            return key
        } catch { throw NodeError(.keys, "cannot make an encryption key: \(error)", context: paths.encryptionKey) }
    }

    /// Each active partner's encryption key in the roster head, and the head's serial (what a writer seals to).
    public var encryptionKeysInForce: (serial: UInt64, keys: [String: X25519PublicKey])? {
        guard let head = rosterStatus.chain?.head else { return nil }
        var keys: [String: X25519PublicKey] = [:]
        for partner in head.state.partners {
            if let raw = head.state.encryptionKeys[partner], let key = try? X25519PublicKey(rawBytes: raw.bytes) {
                keys[partner] = key
            }
        }
        return (head.version.serial, keys)
    }
}
