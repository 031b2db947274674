public import CapSyncWire

/// Where everything of a node lives inside its directory. One place, so the CLI, the daemon, backups and
/// docs agree.
public struct NodePaths: Sendable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var config: String { root + "/capsync.toml" }
    public var roster: String { root + "/roster.txt" }
    /// The roster chain's genesis version once adopted: the trust anchor the chain is derived from.
    public var rosterGenesis: String { root + "/roster-genesis.bin" }
    public var peers: String { root + "/peers.toml" }
    public var keys: String { root + "/keys" }
    /// The partner's identity; signs log entries; may be passphrase-encrypted. Needed only by appending commands.
    public var signingKey: String { keys + "/signing.key.pem" }
    /// Self-signed certificate of the signing key, so stock tools (`openssl verify`) can check the TLS chain.
    public var signingCertificate: String { keys + "/signing.cert.pem" }
    public var signingPublicKey: String { keys + "/signing.pub.pem" }
    /// A key being rotated in (`capsync key rotate`): made and proposed, used once the roster adopts it.
    public var nextSigningKey: String { keys + "/next-signing.key.pem" }
    public var nextSigningPublicKey: String { keys + "/next-signing.pub.pem" }
    /// Where a rotated-out key's files and its own-chain journal are kept, one folder per key.
    public func retiredKeyFolder(_ key: AuthorKey) -> String { keys + "/retired/" + key.hex.prefix(16) }
    /// The daemon's TLS key (never encrypted: the daemon starts unattended) and its certificate, issued by the
    /// signing key.
    /// The partner's X25519 decryption key for sealed entries (Protocol/releasability.md §2), never encrypted
    /// (the daemon folds unattended); earlier ones are kept in `retiredEncryptionKeys` to read older entries.
    public var encryptionKey: String { keys + "/encryption.key.pem" }
    public var retiredEncryptionKeys: String { keys + "/retired-encryption" }
    /// Content keys of sealed entries this node has opened (Protocol/releasability.md §9): a cache, as secret as
    /// the decryption keys (mode 0600), rebuilt by folding when missing; not part of backups.
    public var openedContentKeys: String { keys + "/opened-content-keys.cache" }
    public var tlsKey: String { keys + "/tls.key.pem" }
    public var tlsCertificate: String { keys + "/tls.cert.pem" }
    public var store: String { root + "/store" }
    /// The own-chain journal's two slots: how far this node's key has signed, kept outside the store
    /// (Protocol/store.md, "Own-chain safety"). Not part of backups: a restored node must be vouched for.
    public var ownChainJournal: [String] { [root + "/own-chain.0", root + "/own-chain.1"] }
    /// Last sync result per peer, roster hashes seen: written by `sync` and `serve`, read by `status`.
    public var syncState: String { root + "/sync-state.json" }
}
