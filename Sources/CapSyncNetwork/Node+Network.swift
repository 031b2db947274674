public import CapSyncNode
public import CapSyncSync
internal import Foundation
public import Logging

/// What the network layer needs of a node directory, and what it records there.
extension Node {
    /// The network side's context (needs the TLS key, not the signing key).
    public func syncContext(limits: SyncLimits = .default) throws(NodeError) -> SyncContext {
        let tls = try NodeSetup.loadTLSIdentity(paths)
        var context = SyncContext(
            store: store,
            roster: roster,
            tlsKey: tls.key,
            tlsCertificate: tls.certificate,
            label: config.partner,
            limits: limits
        )
        context.rosterWatcher = RosterWatcher(
            path: paths.roster,
            roster: roster,
            store: store,
            certificatePath: paths.tlsCertificate
        )
        return context
    }

    /// Records a session's outcome for `status`. (Re-learning the own chain ends in the store, when it holds the
    /// chain up to every head of its key known — never merely because a session completed.)
    public func record(_ outcome: SessionOutcome, peer: String, logger: Logger) {
        withStateLock {
            var state = SyncState.load(paths)
            var record = state.peers[peer] ?? SyncState.PeerRecord(peer: peer)
            let now = Date()
            record.lastAttempt = now
            let summary = outcome.summary
            if let error = outcome.error {
                record.lastError = error.description
            } else {
                record.lastSuccess = now
                record.lastError = nil
                state.lastSyncAt = now
            }
            record.entriesReceived = summary.entriesReceived
            record.entriesSent = summary.entriesSent
            record.peerStored = summary.peerAcknowledgement.map { Int($0.entriesStored) }
            record.bytesReceived = summary.bytesReceived
            record.bytesSent = summary.bytesSent
            record.rosterMismatch = outcome.rosterMismatch != nil
            if let label = summary.peerLabel { record.label = label }
            record.remoteRosterHash = outcome.rosterMismatch?.hex
            state.peers[peer] = record
            do { try state.save(paths) } catch { logger.error("cannot save the sync state: \(error)") }
        }
        // The peer's HEADS is what it held: a later bundle for it (`bundle create --for`) starts from there.
        if outcome.error == nil, let partner = outcome.peer?.partner {
            recordPartnerHeads(partner, confirmed: outcome.summary.peerHeads, by: "sync", replacing: true)
        }
        // Roster proposals and approvals arrive as entries: the roster in force may have moved.
        guard outcome.summary.entriesReceived > 0 else { return }
        do {
            if try refreshRoster() {
                let status = rosterStatus
                logger.notice(
                    "roster in force is now serial \(status.roster.serial) (\(status.roster.hash.hex.prefix(16)))"
                )
            }
            if let fork = rosterStatus.ledger.fork {
                logger.error(
                    "ROSTER FORK at serial \(fork.serial): \(fork.versions.count) versions each approved by the threshold; none adopted"
                )
            }
        } catch { logger.error("cannot re-derive the roster: \(error)") }
    }
}
