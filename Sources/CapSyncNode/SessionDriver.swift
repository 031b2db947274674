public import CapSyncLog
public import CapSyncSync
public import CapSyncWire
internal import Foundation
internal import Logging

/// Owns one sync session's pure core and executes its actions against the store. The connection's reader and
/// writer tasks both talk to it; an actor, so the session is never mutated from two places at once.
actor SessionDriver {
    private var session: SyncSession
    private var decoder: FrameDecoder
    private let source: StoreSyncSource
    private let sink: LogStoreSink
    private let logger: Logger
    private var queued: [[UInt8]] = []
    private var waitingWriter: CheckedContinuation<Void, Never>?
    private(set) var outcome: SessionOutcome?
    private var rosterMismatch: (local: Bytes32, remote: Bytes32)?
    private let clock: @Sendable () -> UInt64

    init(configuration: SessionConfiguration, store: LogStore, logger: Logger, clock: @escaping @Sendable () -> UInt64) {
        session = SyncSession(configuration: configuration)
        decoder = FrameDecoder(limits: configuration.limits)
        source = StoreSyncSource(store: store, logger: logger)
        sink = LogStoreSink(store: store)
        self.logger = logger
        self.clock = clock
    }

    var isOver: Bool { outcome != nil }

    /// The peer's HELLO and HEADS are in (the handshake limit no longer applies).
    var peerHandshakeReceived: Bool { session.phase == .streaming || session.phase == .finished }

    func start() {
        execute(session.start(source: source))
    }

    /// Bytes from the peer: decode every complete frame and hand it to the session.
    func feed(_ bytes: some Collection<UInt8> & Sendable) {
        guard outcome == nil else { return }
        decoder.feed(bytes)
        while outcome == nil {
            let message: SyncMessage?
            do { message = try decoder.next() } catch {
                execute(session.abort(error))
                return
            }
            guard let message else { break }
            execute(session.receive(message, source: source))
        }
    }

    func connectionClosed() { execute(session.connectionClosed()) }

    func abort(_ error: SyncError) { execute(session.abort(error)) }

    /// The writer's next frames; empty once the session is over. Suspends while there is nothing to send yet.
    func nextFrames() async -> [[UInt8]] {
        while true {
            if !queued.isEmpty {
                defer { queued.removeAll(keepingCapacity: true) }
                return queued
            }
            if outcome != nil { return [] }
            execute(session.nextOutput(source: source))
            if !queued.isEmpty || outcome != nil { continue }
            await withCheckedContinuation { waitingWriter = $0 }
        }
    }

    private func wakeWriter() {
        waitingWriter?.resume()
        waitingWriter = nil
    }

    private func execute(_ actions: [SyncAction]) {
        let (transport, events) = session.performStoreActions(actions, on: sink, nowMilliseconds: clock())
        var refusalsLogged = 0
        for event in events {
            switch event {
            case .accepted:
                break
            case .refused(let reason):
                refusalsLogged += 1
                if refusalsLogged <= 5 { logger.warning("refused entry from peer: \(reason)") }
            case .equivocation(let proof, let receivedAsProof):
                let via = receivedAsProof ? " (proof from peer)" : ""
                logger.error("equivocation: author \(proof.author.short) signed two entries at seq \(proof.seq)\(via)")
            case .storeFailed(let error):
                logger.error("the store failed during a session: \(error)")
            }
        }
        for action in transport {
            switch action {
            case .send(let message):
                queued.append(message.encode())
            case .rosterMismatch(let local, let remote):
                rosterMismatch = (local, remote)
                logger.warning("roster mismatch: ours \(local.hex), the peer's \(remote.hex); syncing the authors both know")
            case .finished(let summary):
                outcome = SessionOutcome(summary: summary, error: nil, rosterMismatch: rosterMismatch.map { $0.remote })
            case .failed(let error):
                outcome = SessionOutcome(summary: session.summary, error: error, rosterMismatch: rosterMismatch.map { $0.remote })
            case .ingest, .ingestForkProofs, .peerHead:
                break  // carried out by performStoreActions
            }
        }
        wakeWriter()
    }
}

/// How a session ended.
/// A peer as the pin proved it: its roster partner code and signing key. How peers are named in status rows,
/// logs and warnings; the label a peer sends in HELLO is display text shown beside it, never a key.
public struct PinnedPeer: Sendable, Hashable, CustomStringConvertible {
    public var partner: String?
    public var key: AuthorKey

    public init(partner: String?, key: AuthorKey) {
        self.partner = partner
        self.key = key
    }

    /// "NL 3f9a…" (partner code and the key's first 8 bytes in hex): one status row per pinned peer.
    public var name: String { "\(partner ?? "(not in roster)") \(key.short)" }
    public var description: String { name }
}

public struct SessionOutcome: Sendable {
    public var summary: SessionSummary
    /// Who the session was with, as the TLS pin proved it (nil when the handshake never got that far).
    public var peer: PinnedPeer?
    public var error: SyncError?
    /// The peer's roster hash, when it differed from ours.
    public var rosterMismatch: Bytes32?
    public var duration: Duration = .zero

    public var succeeded: Bool { error == nil }
}

/// The store as the session core sees it: a read-only view. Read errors are logged and read as "not held", so
/// a damaged read never crashes a session; the peer simply gets less.
struct StoreSyncSource: SyncSource, Sendable {
    let store: LogStore
    let logger: Logger

    func heads() -> [Head] { store.heads() }

    func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
        do { return try store.entries(author: author, fromSeq: fromSeq, limit: limit) } catch {
            logger.error("cannot read entries of \(author.short) from \(fromSeq): \(error)")
            return []
        }
    }

    func entry(author: AuthorKey, seq: UInt64) -> Entry? {
        do { return try store.entry(author: author, seq: seq) } catch {
            logger.error("cannot read entry \(author.short)/\(seq): \(error)")
            return nil
        }
    }

    func forkProofs() -> [ForkProof] { store.forkProofs() }
}

/// The store as the session core writes to it (see `SyncSession.performStoreActions`): the daemon and the
/// simulator both use this one adapter.
public struct LogStoreSink: SyncSink, Sendable {
    public let store: LogStore

    public init(store: LogStore) { self.store = store }

    public func ingest(_ entries: [Entry], nowMilliseconds: UInt64) throws -> SyncIngestReport {
        let report = try store.ingest(entries, nowMilliseconds: nowMilliseconds)
        return SyncIngestReport(
            accepted: report.accepted, refusals: report.rejected.map(\.description), newForks: report.newForks)
    }

    public func ingestForkProofs(_ proofs: [ForkProof]) throws -> [ForkProof] { try store.ingestForkProofs(proofs) }

    public func notePeerHead(_ head: Head) { store.notePeerHead(author: head.author, seq: head.seq) }

    public func headSeq(of author: AuthorKey) -> UInt64 { store.head(of: author)?.seq ?? 0 }
}
