public import CapSyncCrypto
internal import CapSyncLog
public import CapSyncWire
internal import Foundation

/// Creating a node directory (`capsync init`) and reading its local files back.
public enum NodeSetup {
    public struct Options: Sendable {
        public var partner: String
        public var listen: String = "0.0.0.0:7420"
        public var syncTime: String = "02:00"
        /// An existing signing key to import (PEM text) instead of generating one.
        public var importedSigningKeyPEM: String?
        /// Passphrase of the imported key, if it is encrypted.
        public var importPassphrase: String?
        /// Encrypt the stored signing key with this passphrase.
        public var passphrase: String?

        public init(partner: String) { self.partner = partner }
    }

    /// Creates the directory layout, keys, certificates, config, a roster holding this node's own key, and an
    /// empty peer list. Refuses to touch a directory that already holds a node.
    @discardableResult
    public static func create(at root: String, options: Options) throws(NodeError) -> NodeIdentity {
        let paths = NodePaths(root: root)
        let fm = FileManager.default
        guard !fm.fileExists(atPath: paths.config) else {
            throw NodeError(
                .alreadyANode,
                "a node already exists here",
                context: paths.root,
                hint: "use another --dir, or remove it first"
            )
        }
        let leftovers = [paths.keys, paths.store, paths.roster, paths.peers].filter { fm.fileExists(atPath: $0) }
        guard leftovers.isEmpty else {
            throw NodeError(
                .alreadyANode,
                "the directory holds parts of a node (\(leftovers.joined(separator: ", "))) but no capsync.toml",
                context: paths.root,
                hint: "move those aside, or use an empty directory"
            )
        }
        do { return try createParts(paths: paths, options: options) } catch {
            // Leave the directory as it was: a half-made node would block the next attempt.
            for part in [paths.keys, paths.store, paths.roster, paths.peers] + paths.ownChainJournal {
                try? fm.removeItem(atPath: part)
            }
            throw error
        }
    }

    private static func createParts(paths: NodePaths, options: Options) throws(NodeError) -> NodeIdentity {
        let fm = FileManager.default
        var config = NodeConfig(partner: options.partner, listen: options.listen, syncTime: options.syncTime)
        config.partner = options.partner
        try config.validate()

        let signingKey: Ed25519PrivateKey
        let tlsKey: Ed25519PrivateKey
        do {
            if let pem = options.importedSigningKeyPEM {
                signingKey = try Ed25519PrivateKey(pem: pem, passphrase: options.importPassphrase)
            } else {
                signingKey = try Ed25519PrivateKey.generate()
            }
            tlsKey = try Ed25519PrivateKey.generate()
        } catch { throw NodeError(.keys, "\(error)") }

        do {
            try fm.createDirectory(
                atPath: paths.keys,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            try fm.createDirectory(atPath: paths.store, withIntermediateDirectories: true)
        } catch {
            throw NodeError(.io, "cannot create the node directory: \(error.localizedDescription)", context: paths.root)
        }

        let identity: NodeIdentity
        do {
            let tlsCertificate = try X509Certificate.issueTLSCertificate(
                for: tlsKey.publicKey,
                partner: options.partner,
                signedBy: signingKey
            )
            let signingCertificate = try X509Certificate.selfSignedSigningCertificate(for: signingKey)
            try KeyFile.writePrivateKey(signingKey, to: paths.signingKey, passphrase: options.passphrase)
            try KeyFile.writePrivateKey(tlsKey, to: paths.tlsKey, passphrase: nil)
            try KeyFile.writeCertificate(tlsCertificate, to: paths.tlsCertificate)
            try KeyFile.writeCertificate(signingCertificate, to: paths.signingCertificate)
            try KeyFile.writePublicKey(signingKey.publicKey, to: paths.signingPublicKey)
            identity = NodeIdentity(
                partner: options.partner,
                signingKey: signingKey.publicKey,
                tlsCertificate: tlsCertificate
            )
        } catch {
            throw NodeError(.keys, "\(error)", context: paths.keys)
        }

        let roster: Roster
        do {
            roster = try Roster(
                serial: 1,
                members: [.init(partner: options.partner, key: AuthorKey(signingKey.publicKey))]
            )
        } catch {
            throw NodeError(.roster, error.description)
        }
        try AtomicFile.write(roster.fileText, to: paths.roster)
        try AtomicFile.write(PeerList().tomlText, to: paths.peers)
        // The own-chain journal: this key has signed nothing yet (without it, the node would have to wait for
        // a peer to vouch for its chain before its first append).
        do {
            try LogStore.startOwnChain(.init(author: AuthorKey(signingKey.publicKey), journalDirectory: paths.root))
        } catch { throw NodeError(.store, error.description, context: paths.root) }
        // The config goes last: its presence is what marks a complete node directory.
        try AtomicFile.write(config.tomlText, to: paths.config)
        return identity
    }

    public static func loadConfig(_ paths: NodePaths) throws(NodeError) -> NodeConfig {
        guard FileManager.default.fileExists(atPath: paths.config) else {
            throw NodeError(
                .notANode,
                "not a CapSync node directory (no capsync.toml)",
                context: paths.root,
                hint: "create one with 'capsync init --partner CODE', or point --dir / CAPSYNC_DIR at one"
            )
        }
        return try NodeConfig(toml: AtomicFile.read(paths.config), path: paths.config)
    }

    public static func loadRoster(_ paths: NodePaths) throws(NodeError) -> Roster {
        do { return try Roster(fileText: AtomicFile.read(paths.roster)) } catch let error as WireError {
            throw NodeError(.roster, error.description, context: paths.roster)
        } catch { throw error as! NodeError }
    }

    public static func saveRoster(_ roster: Roster, _ paths: NodePaths) throws(NodeError) {
        try AtomicFile.write(roster.fileText, to: paths.roster)
    }

    public static func loadPeers(_ paths: NodePaths) throws(NodeError) -> PeerList {
        guard FileManager.default.fileExists(atPath: paths.peers) else { return PeerList() }
        return try PeerList(toml: AtomicFile.read(paths.peers), path: paths.peers)
    }

    public static func savePeers(_ peers: PeerList, _ paths: NodePaths) throws(NodeError) {
        try AtomicFile.write(peers.tomlText, to: paths.peers)
    }

    public static func loadSigningKey(_ paths: NodePaths, passphrase: String?) throws(NodeError) -> Ed25519PrivateKey {
        do { return try KeyFile.readPrivateKey(from: paths.signingKey, passphrase: passphrase) } catch {
            throw NodeError(
                .keys,
                "\(error)",
                context: paths.signingKey,
                hint: "an encrypted key needs its passphrase: --passphrase-file FILE or CAPSYNC_PASSPHRASE"
            )
        }
    }

    public static func loadTLSIdentity(
        _ paths: NodePaths
    ) throws(NodeError) -> (key: Ed25519PrivateKey, certificate: X509Certificate) {
        do {
            let key = try KeyFile.readPrivateKey(from: paths.tlsKey, passphrase: nil)
            let certificate = try KeyFile.readCertificate(from: paths.tlsCertificate)
            return (key, certificate)
        } catch { throw NodeError(.keys, "\(error)", context: paths.keys) }
    }

    /// The public identity, readable without any private key (auditors' read-only copies).
    public static func loadIdentity(_ paths: NodePaths) throws(NodeError) -> NodeIdentity {
        let config = try loadConfig(paths)
        do {
            let certificate = try KeyFile.readCertificate(from: paths.tlsCertificate)
            let signing = try KeyFile.readPublicKey(from: paths.signingPublicKey)
            return NodeIdentity(partner: config.partner, signingKey: signing, tlsCertificate: certificate)
        } catch { throw NodeError(.keys, "\(error)", context: paths.keys) }
    }
}

/// Who a node is, publicly: partner code, signing key, TLS certificate.
public struct NodeIdentity: Sendable {
    public var partner: String
    public var signingKey: Ed25519PublicKey
    public var tlsCertificate: X509Certificate
}
