public import CapSyncCrypto
public import CapSyncLog
public import CapSyncMerge
public import CapSyncWire
internal import Foundation

/// An opened node directory: config, roster, store. What every command and the daemon start from.
public final class Node: Sendable {
    public let paths: NodePaths
    public let config: NodeConfig
    public let roster: Roster
    public let store: LogStore
    private let stateLock = NSLock()

    /// Serialises read-modify-write of the node's small state files (sync-state.json) within the process.
    package func withStateLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        stateLock.lock()
        defer { stateLock.unlock() }
        return try body()
    }

    /// How a command uses the store: read-only commands never change a byte of it (no lock file created, no
    /// tail cut); writers (appending commands, the daemon, sync, repair) repair what may be repaired.
    public enum Access: Sendable { case readOnly, write }

    /// Opens the node at `root`. Works on a read-only copy without private keys too (auditors).
    public init(
        root: String,
        access: Access = .write,
        storeOptions: StoreOptions = .init(),
        listenOverride: String? = nil
    ) throws(NodeError) {
        paths = NodePaths(root: root)
        var config = try NodeSetup.loadConfig(paths)
        if let listenOverride {
            config.listen = listenOverride.hasPrefix(":") ? "0.0.0.0" + listenOverride : listenOverride
        }
        self.config = config
        roster = try NodeSetup.loadRoster(paths)
        var options = storeOptions
        options.readOnly = access == .readOnly
        if options.ownChain == nil, FileManager.default.fileExists(atPath: paths.signingPublicKey) {
            do {
                let key = try KeyFile.readPublicKey(from: paths.signingPublicKey)
                options.ownChain = OwnChainOptions(author: AuthorKey(key), journalDirectory: paths.root)
            } catch {
                throw NodeError(.keys, "cannot read the signing public key: \(error)", context: paths.signingPublicKey)
            }
        }
        do { store = try LogStore(directory: paths.store, roster: roster, options: options) } catch {
            throw NodeError(.store, error.description, context: paths.store)
        }
    }

    public static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    /// Appends operations as one batch signed by this partner's key, after checking they write only this
    /// partner's records (the fold would ignore anything else).
    @discardableResult
    public func append(
        _ operations: [CapSyncMerge.Operation],
        signingKey: Ed25519PrivateKey
    ) throws(NodeError) -> [Entry] {
        let author = AuthorKey(signingKey.publicKey)
        guard roster.partner(of: author) == config.partner else {
            throw NodeError(
                .roster,
                "this node's signing key is not in the roster for \(config.partner)",
                context: paths.roster,
                hint:
                    "import the coalition roster that lists it (capsync roster import), or add it (capsync roster add)"
            )
        }
        for operation in operations where operation.partner != config.partner {
            throw NodeError(
                .usage,
                "an operation writes \(operation.partner)'s records; this node is \(config.partner)"
            )
        }
        do {
            return try store.append(
                operations.map { (kind: $0.kind.rawValue, payload: $0.payload()) },
                signingKey: signingKey,
                nowMilliseconds: Self.nowMilliseconds()
            )
        } catch {
            throw NodeError(.store, error.description, context: paths.store)
        }
    }

    /// The coalition view from every entry held, optionally as of a past time.
    public func coalitionState(asOf: HLCTimestamp? = nil) throws(NodeError) -> CoalitionState {
        try Self.coalitionState(of: store, roster: roster, asOf: asOf)
    }

    /// The coalition view of any store under `roster` (also a store-only copy an auditor holds).
    public static func coalitionState(
        of store: LogStore,
        roster: Roster,
        asOf: HLCTimestamp? = nil
    ) throws(NodeError) -> CoalitionState {
        let fold = Fold(
            roster: roster,
            forks: store.forkedAuthors(),
            nowMilliseconds: nowMilliseconds(),
            asOf: asOf
        )
        var state = FoldState(fold)
        do { try store.forEachEntry { state.add($0) } } catch {
            throw NodeError(.store, "\(error)", context: store.directory)
        }
        return state.finish()
    }

    /// The digest of the entry set alone (Protocol/fold.md).
    public func entrySetDigest() throws(NodeError) -> Bytes32 {
        var ids: [EntryID] = []
        ids.reserveCapacity(store.entryCount)
        do { try store.forEachEntry { ids.append($0.id) } } catch {
            throw NodeError(.store, "\(error)", context: paths.store)
        }
        return CapSyncMerge.entrySetDigest(ids)
    }
}
