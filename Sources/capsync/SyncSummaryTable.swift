import CapSyncNetwork
import CapSyncSync

/// The summary `capsync sync` prints: a row per peer. People read one result phrase — what was sent and what the
/// peer acknowledged having stored of it, what was received and stored here; JSON and CSV get the same figures
/// as numbers (null when the peer acknowledged nothing: it predates acknowledgements, or the session failed first).
enum SyncSummaryTable {
    static let numbers = [
        "entries_in", "accepted", "refused", "entries_out", "peer_stored", "peer_already_held", "peer_refused",
        "peer_fork_proofs_kept",
    ]

    static func make() -> Table {
        var table = Table(
            title: "Sync summary",
            name: "peers",
            columns: ["peer", "status", "result"] + numbers + ["bytes_in", "bytes_out", "seconds", "error"]
        )
        table.hiddenFromPeople = Set(numbers)
        return table
    }

    static func row(peer: String, outcome: SessionOutcome) -> [Cell] {
        let s = outcome.summary
        let ack = s.peerAcknowledgement
        func figure(_ value: UInt64?) -> Cell { value.map { .int(Int64(clamping: $0)) } ?? .none }
        return [
            .text(peer), .text(outcome.error == nil ? "ok" : "failed"), .text(result(s)),
            .int(Int64(s.entriesReceived)), .int(Int64(s.entriesAccepted)), .int(Int64(s.entriesRefused)),
            .int(Int64(s.entriesSent)), figure(ack?.entriesStored), figure(ack?.entriesAlreadyHeld),
            figure(ack?.entriesRefused), figure(ack?.forkProofsKept),
            .int(Int64(s.bytesReceived)), .int(Int64(s.bytesSent)), .number(secondsValue(outcome.duration)),
            outcome.error.map { .text($0.description) } ?? .none,
        ]
    }

    /// "sent 6247 (peer stored 6247 new, 0 already held), received 12 (stored 12)".
    static func result(_ s: SessionSummary) -> String {
        var sent = "sent \(s.entriesSent)"
        if let ack = s.peerAcknowledgement {
            sent += " (peer stored \(ack.entriesStored) new, \(ack.entriesAlreadyHeld) already held"
            sent += ack.entriesRefused > 0 ? ", \(ack.entriesRefused) REFUSED)" : ")"
        } else if s.acknowledgementsAgreed {
            sent += " (not acknowledged: the session ended before the peer's ACK)"
        } else if s.negotiatedVersion != nil {
            sent += " (not acknowledged: the peer predates acknowledgements)"
        }
        var received = "received \(s.entriesReceived) (stored \(s.entriesAccepted)"
        if s.entriesAlreadyHeld > 0 { received += ", \(s.entriesAlreadyHeld) already held" }
        if s.entriesRefused > 0 { received += ", \(s.entriesRefused) refused" }
        return sent + ", " + received + ")"
    }
}
