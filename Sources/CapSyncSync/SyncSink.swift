public import CapSyncWire

/// The store as a session writes to it: the counterpart of `SyncSource`. The node adapts its `LogStore`; tests use
/// an in-memory model. `SyncSession.performStoreActions` carries out a session's store actions against it, the one
/// place those rules live, so the daemon, the simulator and the test harness run the same code.
public protocol SyncSink {
    /// Verifies and stores one received batch (every signature and link); throws only when the store itself
    /// failed (disk), never for entries it refuses.
    func ingest(_ entries: [Entry], nowMilliseconds: UInt64) throws -> SyncIngestReport
    /// Keeps fork proofs (self-verifying); returns the ones that were new.
    func ingestForkProofs(_ proofs: [ForkProof]) throws -> [ForkProof]
    /// The peer holds `head` (a restored node re-learns its own head from this).
    func notePeerHead(_ head: Head)
    /// The highest seq of `author` held contiguously, 0 if none.
    func headSeq(of author: AuthorKey) -> UInt64
}

/// What one ingest did.
public struct SyncIngestReport: Sendable {
    public var accepted: [Entry]
    /// Why each refused entry was refused, for the operator's log.
    public var refusals: [String]
    /// Equivocations first proven by this batch.
    public var newForks: [ForkProof]

    public init(accepted: [Entry], refusals: [String], newForks: [ForkProof]) {
        self.accepted = accepted
        self.refusals = refusals
        self.newForks = newForks
    }
}

/// What the store side of a session saw, for the shell to log or act on.
public enum SyncStoreEvent: Sendable {
    case accepted([Entry])
    case refused(String)
    /// An author proven to have signed two entries at one seq (`receivedAsProof`: the peer sent the proof).
    case equivocation(ForkProof, receivedAsProof: Bool)
    /// The store failed; the session was aborted with `internalError`.
    case storeFailed(any Error & Sendable)
}

extension SyncSession {
    /// Carries out the store's part of `actions` (ingest, fork proofs, peer heads) against `sink`, feeding the
    /// results back into the session. Returns the actions left for the shell (send, finished, failed, roster
    /// mismatch — including an abort when the store failed) and what the store saw.
    ///
    /// A fork proof is kept as such first (self-verifying, so also when it is ahead of this node's copy of the
    /// chain, and then relayed); its entries are then offered to the chain where they could extend it, so the
    /// branch that links is stored like any entry.
    public mutating func performStoreActions(
        _ actions: [SyncAction],
        on sink: some SyncSink,
        nowMilliseconds: UInt64
    ) -> (transport: [SyncAction], events: [SyncStoreEvent]) {
        var transport: [SyncAction] = []
        var events: [SyncStoreEvent] = []
        func ingest(_ entries: [Entry], fromForkProof: Bool = false) throws {
            let report = try sink.ingest(entries, nowMilliseconds: nowMilliseconds)
            if fromForkProof {
                noteForkProofEntriesAccepted(report.accepted.count)
            } else {
                noteIngestResult(accepted: report.accepted.count, refused: report.refusals.count)
            }
            if !report.accepted.isEmpty { events.append(.accepted(report.accepted)) }
            events += report.refusals.map(SyncStoreEvent.refused)
            events += report.newForks.map { .equivocation($0, receivedAsProof: false) }
        }
        for action in actions {
            do {
                switch action {
                case .ingest(let entries):
                    try ingest(entries)
                case .ingestForkProofs(let proofs):
                    let kept = try sink.ingestForkProofs(proofs)
                    noteForkProofsKept(kept.count)
                    events += kept.map { .equivocation($0, receivedAsProof: true) }
                    for proof in proofs where proof.seq <= sink.headSeq(of: proof.author) + 1 {
                        try ingest([proof.first, proof.second], fromForkProof: true)
                    }
                case .peerHead(let head):
                    sink.notePeerHead(head)
                case .send, .rosterMismatch, .finished, .failed:
                    transport.append(action)
                }
            } catch {
                events.append(.storeFailed(error))
                transport += abort(SyncError(.internalError, "the receiving store failed: \(error)"))
                break
            }
        }
        return (transport, events)
    }
}
