public import CapSyncLog
public import CapSyncSync
public import CapSyncWire
public import Logging

/// The store as the session core sees it: a read-only view. Read errors are logged and read as "not held", so
/// a damaged read never crashes a session; the peer simply gets less.
public struct StoreSyncSource: SyncSource, Sendable {
    public let store: LogStore
    public let logger: Logger

    public init(store: LogStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func heads() -> [Head] { store.heads() }

    public func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
        do { return try store.entries(author: author, fromSeq: fromSeq, limit: limit) } catch {
            logger.error("cannot read entries of \(author.short) from \(fromSeq): \(error)")
            return []
        }
    }

    public func entry(author: AuthorKey, seq: UInt64) -> Entry? {
        do { return try store.entry(author: author, seq: seq) } catch {
            logger.error("cannot read entry \(author.short)/\(seq): \(error)")
            return nil
        }
    }

    public func forkProofs() -> [ForkProof] { store.forkProofs() }
}

/// The store as the session core writes to it (see `SyncSession.performStoreActions`): the daemon and the
/// simulator both use this one adapter.
public struct LogStoreSink: SyncSink, Sendable {
    public let store: LogStore

    public init(store: LogStore) { self.store = store }

    public func ingest(_ entries: [Entry], nowMilliseconds: UInt64) throws -> SyncIngestReport {
        let report = try store.ingest(entries, nowMilliseconds: nowMilliseconds)
        return SyncIngestReport(
            accepted: report.accepted,
            refusals: report.rejected.map(\.description),
            newForks: report.newForks
        )
    }

    public func ingestForkProofs(_ proofs: [ForkProof]) throws -> [ForkProof] { try store.ingestForkProofs(proofs) }

    public func notePeerHead(_ head: Head) { store.notePeerHead(author: head.author, seq: head.seq) }

    public func headSeq(of author: AuthorKey) -> UInt64 { store.head(of: author)?.seq ?? 0 }
}
