internal import CapSyncCrypto
internal import CapSyncLog
internal import CapSyncWire
internal import Foundation

/// `capsync backup` / `capsync restore`.
public enum NodeBackup {
    /// The file the daemon's health check writes and removes in the store directory; never copied.
    public static let healthProbeName = ".health-probe"

    /// Copies the node's files and a consistent snapshot of its log into `target` (missing or empty).
    public static func backup(_ node: Node, to target: String) throws(NodeError) {
        let fm = FileManager.default
        if fm.fileExists(atPath: target), let contents = try? fm.contentsOfDirectory(atPath: target), !contents.isEmpty
        {
            throw NodeError(.io, "the backup directory is not empty", context: target, hint: "choose a new directory")
        }
        let to = NodePaths(root: target)
        do {
            try fm.createDirectory(
                atPath: to.keys,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw NodeError(.io, "cannot create the backup directory: \(error.localizedDescription)", context: target)
        }
        try makeFolders(from: node.paths, to: to)
        for (source, destination) in fileMap(from: node.paths, to: to) where fm.fileExists(atPath: source) {
            try copy(source, destination)
        }
        do { try node.store.backup(to: to.store) } catch {
            throw NodeError(.store, error.description, context: to.store)
        }
    }

    /// Makes `root` (missing or empty) a copy of the backup and marks it as needing to re-learn its own chain.
    public static func restore(from backup: String, to root: String) throws(NodeError) {
        let fm = FileManager.default
        let from = NodePaths(root: backup)
        let to = NodePaths(root: root)
        guard fm.fileExists(atPath: from.config), fm.fileExists(atPath: from.store) else {
            throw NodeError(.notANode, "not a CapSync backup (no capsync.toml or store/)", context: backup)
        }
        if fm.fileExists(atPath: root), let contents = try? fm.contentsOfDirectory(atPath: root), !contents.isEmpty {
            throw NodeError(
                .alreadyANode,
                "the target directory is not empty",
                context: root,
                hint: "restore into a new or empty directory"
            )
        }
        do {
            try fm.createDirectory(
                atPath: to.keys,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            try fm.createDirectory(atPath: to.store, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: from.store) where name != "LOCK" && name != healthProbeName {
                try copy(from.store + "/" + name, to.store + "/" + name)
            }
        } catch let error as NodeError {
            throw error
        } catch { throw NodeError(.io, "cannot copy the log: \(error.localizedDescription)", context: root) }
        // The config goes last (its presence marks a node directory); the re-learn marker goes before it.
        try makeFolders(from: from, to: to)
        for (source, destination) in fileMap(from: from, to: to)
        where source != from.config && fm.fileExists(atPath: source) {
            try copy(source, destination)
        }
        _ = try NodeSetup.loadConfig(from)  // refuse a backup whose config no longer parses
        let roster = try NodeSetup.loadRoster(from)
        do {
            let key = try KeyFile.readPublicKey(from: to.signingPublicKey)
            let own = OwnChainOptions(author: AuthorKey(key), journalDirectory: to.root)
            let store = try LogStore(directory: to.store, roster: roster, options: .init(ownChain: own))
            try store.requireWitness()
        } catch let error as StoreError {
            throw NodeError(.store, error.description, context: to.store)
        } catch { throw NodeError(.keys, "cannot read the signing public key: \(error)", context: to.signingPublicKey) }
        try copy(from.config, to.config)
    }

    /// The files a backup copies (those present): config, roster and the roster chain's adopted genesis (the
    /// anchor the chain is derived from), peers, sync state, the signing key (and one being rotated in), the TLS
    /// key, and the decryption keys, current and retired (without them a restored node could never read what was
    /// released to its partner). Not the file of opened content keys: it is derived from the log and the
    /// decryption keys (Protocol/releasability.md §9), so a restored node rebuilds it at its first fold, and a
    /// backup holds one copy fewer of it.
    static func fileMap(from: NodePaths, to: NodePaths) -> [(String, String)] {
        var map = [
            (from.config, to.config), (from.roster, to.roster), (from.rosterGenesis, to.rosterGenesis),
            (from.peers, to.peers), (from.syncState, to.syncState),
            (from.signingKey, to.signingKey), (from.signingCertificate, to.signingCertificate),
            (from.signingPublicKey, to.signingPublicKey), (from.nextSigningKey, to.nextSigningKey),
            (from.nextSigningPublicKey, to.nextSigningPublicKey), (from.tlsKey, to.tlsKey),
            (from.tlsCertificate, to.tlsCertificate), (from.encryptionKey, to.encryptionKey),
        ]
        let retired = (try? FileManager.default.contentsOfDirectory(atPath: from.retiredEncryptionKeys)) ?? []
        for name in retired.sorted() {
            map.append((from.retiredEncryptionKeys + "/" + name, to.retiredEncryptionKeys + "/" + name))
        }
        return map
    }

    /// Creates the folder of retired decryption keys in `to` (0700) when `from` has one.
    static func makeFolders(from: NodePaths, to: NodePaths) throws(NodeError) {
        guard FileManager.default.fileExists(atPath: from.retiredEncryptionKeys) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: to.retiredEncryptionKeys,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw NodeError(.io, "cannot create \(to.retiredEncryptionKeys): \(error.localizedDescription)")
        }
    }

    /// Copies one file durably, keeping its permission bits (private keys stay 0600).
    static func copy(_ source: String, _ destination: String) throws(NodeError) {
        let fm = FileManager.default
        guard let data = fm.contents(atPath: source) else { throw NodeError(.io, "cannot read", context: source) }
        let mode = ((try? fm.attributesOfItem(atPath: source))?[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o644
        try AtomicFile.write(Array(data), to: destination, mode: mode_t(mode))
    }
}
