public import CapSyncWire

/// What a session needs to know about its own node; the same for every session of that node.
public struct SessionConfiguration: Sendable {
    /// `Roster.hash` of the local roster, sent in HELLO; a peer's different hash is warned about.
    public var localRosterHash: Bytes32
    /// The authors (roster signing keys) this node accepts entries of. They are listed in HEADS, so a peer
    /// never sends entries of others.
    public var knownAuthors: Set<AuthorKey>
    public var limits: SyncLimits
    /// This node's label for the peer's logs (partner code and node name), cut to 64 UTF-8 bytes.
    public var label: String
    /// Who the peer is, for this side's log lines and errors (an address, or the partner the pin matched).
    public var peerDescription: String?
    /// Protocol versions this node speaks. Version 1 is the only one defined.
    public var supportedVersions: ClosedRange<UInt16>
    /// Sets the acknowledgements feature bit in HELLO: with a peer that sets it too, each side answers the
    /// other's DONE with ACK once it has stored what arrived, and the session ends only after both ACKs. Off
    /// only to stand in for a node that predates the feature.
    public var acknowledgements: Bool

    public init(
        localRosterHash: Bytes32,
        knownAuthors: Set<AuthorKey>,
        limits: SyncLimits = .default,
        label: String,
        peerDescription: String? = nil,
        supportedVersions: ClosedRange<UInt16> = 1...1,
        acknowledgements: Bool = true
    ) {
        self.localRosterHash = localRosterHash
        self.knownAuthors = knownAuthors
        self.limits = limits
        var label = label
        while label.utf8.count > SyncLimits.maxLabelBytes { label.removeLast() }
        self.label = label
        self.peerDescription = peerDescription
        self.supportedVersions = supportedVersions
        self.acknowledgements = acknowledgements
    }
}

/// What the shell must do for the session. Actions are returned in the order they must happen.
public enum SyncAction: Sendable {
    /// Write this frame (`message.encode()`).
    case send(SyncMessage)
    /// Verify and store these entries (one received batch, rebuilt to canonical form), then feed the next
    /// frame. Report the outcome with `SyncSession.noteIngestResult(accepted:refused:)`.
    case ingest([Entry])
    /// Verify and keep these fork proofs (their signatures were checked while decoding).
    case ingestForkProofs([ForkProof])
    /// The peer holds this head (→ the store's peer-head note, so a restored node re-learns its own head).
    case peerHead(Head)
    /// The peer's roster differs from ours: warn the operator. The sync goes on; entries of authors one side
    /// does not know are not sent to it.
    case rosterMismatch(local: Bytes32, remote: Bytes32)
    /// Both sides sent DONE (and ACK, when both acknowledge); close the connection cleanly.
    case finished(SessionSummary)
    /// The session ended with this error (after sending an ERROR frame when the fault was not the peer's
    /// ERROR itself); close the connection.
    case failed(SyncError)
}

/// What a session did, for the per-session log line and the node's progress reports.
public struct SessionSummary: Sendable, Hashable {
    public var localLabel: String
    public var peerLabel: String?
    public var negotiatedVersion: UInt16?
    public var entriesSent = 0
    public var entriesReceived = 0
    /// Entries of the peer's ENTRIES frames the store accepted / refused, as reported by the shell.
    public var entriesAccepted = 0
    public var entriesRefused = 0
    /// Entries of the peer's fork proofs the store took into a chain (the branch that links).
    public var entriesAcceptedFromForkProofs = 0
    /// Fork proofs received that were new to the store and kept.
    public var forkProofsKept = 0
    /// Both HELLOs set the acknowledgements feature: the session ends only after both ACKs.
    public var acknowledgementsAgreed = false
    /// What this side acknowledged to the peer, once it sent ACK.
    public var acknowledgement: SyncAck?
    /// What the peer acknowledged having stored of what this side sent; nil when the session did not use
    /// acknowledgements (a peer without the feature, or a session that ended before the peer's ACK).
    public var peerAcknowledgement: SyncAck?
    /// Entries not offered because the peer's HEADS does not list their author (its roster lacks the key).
    public var entriesWithheld = 0
    public var forkProofsSent = 0
    public var forkProofsReceived = 0
    public var framesSent = 0
    public var framesReceived = 0
    /// Application bytes (frames, prefixes included) each way.
    public var bytesSent = 0
    public var bytesReceived = 0
    /// Authors whose head the peer names with an id that disagrees with ours: a fork, answered in full form.
    public var divergentAuthors: [AuthorKey] = []
    /// Heads the peer declared.
    public var peerHeads: [Head] = []
    /// Things an operator should see (roster mismatch, divergence).
    public var warnings: [String] = []

    public init(localLabel: String) { self.localLabel = localLabel }

    /// Entries of the peer's ENTRIES frames neither stored as new nor refused: held already (or, at a seq where
    /// another entry is held, kept as a fork proof).
    public var entriesAlreadyHeld: Int { max(0, entriesReceived - entriesAccepted - entriesRefused) }
}
