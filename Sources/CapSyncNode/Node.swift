public import CapSyncCrypto
public import CapSyncLog
public import CapSyncMerge
public import CapSyncWire
internal import Foundation
internal import Synchronization

/// An opened node directory: config, roster, store. What every command and the daemon start from.
public final class Node: Sendable {
    public let paths: NodePaths
    public let config: NodeConfig
    public let store: LogStore
    private let access: Access
    private let stateLock = NSLock()
    private let rosterLock = NSLock()
    nonisolated(unsafe) private var currentRoster: NodeRoster  // guarded by rosterLock
    /// The opened content keys, read from their file when the node first builds its sealed reader.
    let openedKeyFile = Mutex<OpenedKeyFile?>(nil)

    /// The roster in force (the chain's head once a genesis is adopted; Protocol/roster.md §7).
    public var roster: Roster { rosterStatus.roster }

    /// The roster in force with the chain and the pending proposals it was derived with.
    public var rosterStatus: NodeRoster {
        rosterLock.lock()
        defer { rosterLock.unlock() }
        return currentRoster
    }

    /// Re-derives the roster from the log's proposals and approvals (after a sync or an append). When the head
    /// moved, the store's ingest checks follow, and a writer records the genesis and the roster file. Returns
    /// whether the roster in force changed.
    @discardableResult
    public func refreshRoster() throws(NodeError) -> Bool {
        let fileRoster = try NodeSetup.loadRoster(paths)
        let fresh = try NodeRoster.derive(paths: paths, store: store, fileRoster: fileRoster)
        if access == .write { try fresh.persist(paths: paths, fileRoster: fileRoster) }
        rosterLock.lock()
        let changed = fresh.roster != currentRoster.roster
        currentRoster = fresh
        rosterLock.unlock()
        if changed { store.updateRoster(fresh.roster) }
        return changed
    }

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
        self.access = access
        let fileRoster = try NodeSetup.loadRoster(paths)
        var options = storeOptions
        options.readOnly = access == .readOnly
        options.indexedKinds.formUnion(RosterGovernance.kinds)
        if options.ownChain == nil, FileManager.default.fileExists(atPath: paths.signingPublicKey) {
            do {
                let key = try KeyFile.readPublicKey(from: paths.signingPublicKey)
                options.ownChain = OwnChainOptions(author: AuthorKey(key), journalDirectory: paths.root)
            } catch {
                throw NodeError(.keys, "cannot read the signing public key: \(error)", context: paths.signingPublicKey)
            }
        }
        let store: LogStore
        do { store = try LogStore(directory: paths.store, roster: fileRoster, options: options) } catch {
            throw NodeError(.store, error.description, context: paths.store)
        }
        self.store = store
        let derived = try NodeRoster.derive(paths: paths, store: store, fileRoster: fileRoster)
        currentRoster = derived
        if access == .write { try derived.persist(paths: paths, fileRoster: fileRoster) }
        if derived.roster != fileRoster { store.updateRoster(derived.roster) }
    }

    public static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    /// Appends operations as one batch signed by this partner's key, after checking they write only this
    /// partner's records (the fold would ignore anything else).
    @discardableResult
    public func append(
        _ operations: [CapSyncMerge.Operation],
        signingKey: Ed25519PrivateKey
    ) throws(NodeError) -> [Entry] {
        try appendRaw(
            operations,
            as: operations.map { (kind: $0.kind.rawValue, payload: $0.payload()) },
            signingKey: signingKey
        )
    }

    /// Appends `operations` written as the given entries (their own encoding, or sealed ones).
    func appendRaw(
        _ operations: [CapSyncMerge.Operation],
        as encoded: [(kind: UInt64, payload: [UInt8])],
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
                encoded,
                signingKey: signingKey,
                nowMilliseconds: Self.nowMilliseconds()
            )
        } catch {
            throw NodeError(.store, error.description, context: paths.store)
        }
    }

    /// The coalition view from every entry held, optionally as of a past time: judged by the roster in force
    /// then (Protocol/roster.md §7), with partners removed by then left out.
    /// With a `reader`, this node's own view: the sealed entries it can open count too
    /// (Protocol/releasability.md §5).
    /// The content keys the fold newly opened are added to the node's file of opened keys.
    public func coalitionState(
        asOf: HLCTimestamp? = nil,
        reader: SealedReader? = nil
    ) throws(NodeError)
        -> CoalitionState
    {
        let status = rosterStatus
        let state = try Self.coalitionState(
            of: store,
            roster: status.foldRoster(asOf: asOf),
            asOf: asOf,
            removedPartners: Set(status.removedPartners(asOf: asOf).keys),
            reader: reader
        )
        if reader != nil { saveOpenedKeys() }
        return state
    }

    /// The coalition view of any store under `roster` (also a store-only copy an auditor holds).
    public static func coalitionState(
        of store: LogStore,
        roster: Roster,
        asOf: HLCTimestamp? = nil,
        removedPartners: Set<String> = [],
        reader: SealedReader? = nil
    ) throws(NodeError) -> CoalitionState {
        let fold = Fold(
            roster: roster,
            forks: store.forkedAuthors(),
            nowMilliseconds: nowMilliseconds(),
            asOf: asOf,
            removedPartners: removedPartners,
            reader: reader
        )
        var state = FoldState(fold)
        do { try store.forEachEntry { state.add($0) } } catch {
            throw NodeError(.store, "\(error)", context: store.directory)
        }
        return state.finish()
    }

    /// The entry-set digest (Protocol/fold.md): over the entries the roster in force admits, and the forks.
    public func entrySetDigest() throws(NodeError) -> Bytes32 {
        try Self.entrySetDigest(of: store, roster: roster)
    }

    public static func entrySetDigest(of store: LogStore, roster: Roster) throws(NodeError) -> Bytes32 {
        let forks = store.forkedAuthors()
        var ids: [EntryID] = []
        ids.reserveCapacity(store.entryCount)
        do {
            try store.forEachEntry { entry in
                if EntrySetDigest.admits(entry.author, seq: entry.seq, roster: roster, forks: forks) {
                    ids.append(entry.id)
                }
            }
        } catch { throw NodeError(.store, "\(error)", context: store.directory) }
        return EntrySetDigest.digest(admittedIDs: ids, forks: forks, roster: roster)
    }
}
