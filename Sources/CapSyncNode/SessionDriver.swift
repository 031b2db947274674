internal import CapSyncLog
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
    private let store: LogStore
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
        self.store = store
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
        for action in actions {
            switch action {
            case .send(let message):
                queued.append(message.encode())
            case .ingest(let entries):
                ingest(entries)
            case .ingestForkProofs(let proofs):
                ingest(proofs)
            case .peerHead(let head):
                store.notePeerHead(author: head.author, seq: head.seq)
            case .rosterMismatch(let local, let remote):
                rosterMismatch = (local, remote)
                logger.warning("roster mismatch: ours \(local.hex), the peer's \(remote.hex); syncing the authors both know",
                               metadata: ["peer": "\(session.summary.peerLabel ?? "?")"])
            case .finished(let summary):
                outcome = SessionOutcome(summary: summary, error: nil, rosterMismatch: rosterMismatch.map { $0.remote })
            case .failed(let error):
                outcome = SessionOutcome(summary: session.summary, error: error, rosterMismatch: rosterMismatch.map { $0.remote })
            }
        }
        wakeWriter()
    }

    /// A proof is kept as such first (self-verifying, so also when it is ahead of this node's copy of the
    /// chain, and then relayed); its entries are then offered to the chain where they could extend it: the
    /// branch that links is stored like any entry.
    private func ingest(_ proofs: [ForkProof]) {
        do {
            for proof in try store.ingestForkProofs(proofs) {
                logger.error("equivocation: author \(proof.author.short) signed two entries at seq \(proof.seq) (proof from peer)")
            }
        } catch {
            logger.error("store refused fork proofs: \(error)")
            execute(session.abort(SyncError(.internalError, "the receiving store failed: \(error)")))
            return
        }
        for proof in proofs where proof.seq <= (store.head(of: proof.author)?.seq ?? 0) + 1 {
            ingest([proof.first, proof.second])
        }
    }

    private func ingest(_ entries: [Entry]) {
        do {
            let report = try store.ingest(entries, nowMilliseconds: clock())
            session.noteIngestResult(accepted: report.accepted.count, refused: report.rejected.count)
            for rejection in report.rejected.prefix(5) {
                logger.warning("refused entry from peer: \(rejection)", metadata: ["peer": "\(session.summary.peerLabel ?? "?")"])
            }
            for proof in report.newForks {
                logger.error("equivocation: author \(proof.author.short) signed two entries at seq \(proof.seq)")
            }
        } catch {
            logger.error("store refused a batch: \(error)")
            execute(session.abort(SyncError(.internalError, "the receiving store failed: \(error)")))
        }
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
