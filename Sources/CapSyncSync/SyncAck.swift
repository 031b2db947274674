import CapSyncWire

/// ACK: what the sender did with what it received in this session, sent once it has stored all of it (after both
/// DONEs, only when both sides set `SyncHello.acknowledgementsFeature`). It lets the peer report what was
/// acknowledged as stored, not merely what was sent (Protocol/sync.md §ACK).
public struct SyncAck: Sendable, Hashable {
    /// Entries of the peer's ENTRIES frames the sender's store kept as new.
    public var entriesStored: UInt64
    /// Entries of those frames it did not store because it held them already (or held another entry at their
    /// seq: that pair is then a fork proof).
    public var entriesAlreadyHeld: UInt64
    /// Entries of those frames its store refused (bad signature, broken chain, author outside its roster, ...).
    public var entriesRefused: UInt64
    /// Fork proofs of the peer's FORKS frames that were new to it and kept.
    public var forkProofsKept: UInt64
    /// Authors of which it now holds at least seq 1.
    public var authorsHeld: UInt64
    /// The sum of its head seqs over those authors: entries held contiguously from seq 1.
    public var entriesHeld: UInt64

    public init(
        entriesStored: UInt64,
        entriesAlreadyHeld: UInt64,
        entriesRefused: UInt64,
        forkProofsKept: UInt64,
        authorsHeld: UInt64,
        entriesHeld: UInt64
    ) {
        self.entriesStored = entriesStored
        self.entriesAlreadyHeld = entriesAlreadyHeld
        self.entriesRefused = entriesRefused
        self.forkProofsKept = forkProofsKept
        self.authorsHeld = authorsHeld
        self.entriesHeld = entriesHeld
    }

    /// The fields in wire order.
    var fields: [UInt64] {
        [entriesStored, entriesAlreadyHeld, entriesRefused, forkProofsKept, authorsHeld, entriesHeld]
    }

    func write(to writer: inout ByteWriter) {
        for field in fields { writer.writeVarint(field) }
    }

    var bodySize: Int { fields.reduce(0) { $0 + varintSize($1) } }
}
