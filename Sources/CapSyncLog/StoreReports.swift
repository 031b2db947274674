public import CapSyncWire

/// Tuning of a store. The defaults suit a node; tests use small segments to exercise rotation.
public struct StoreOptions: Sendable, Hashable {
    /// A new segment is started before a batch once the current one has reached this size. A batch is never
    /// split across segments, so a segment may exceed it by one batch.
    public var segmentSize: Int64
    /// How many threads verify signatures on ingest (0: one per core).
    public var verifyThreads: Int
    /// Bytes read per step when a segment is scanned (see `StoreState.scanSegment`); tests shrink it so that
    /// steps end inside records and batches.
    var scanStepBytes = 8 << 20

    public init(segmentSize: Int64 = 64 << 20, verifyThreads: Int = 0) {
        self.segmentSize = segmentSize
        self.verifyThreads = verifyThreads
    }
}

/// What opening (or catching up with) the store had to repair: the final batch that was never acknowledged
/// (torn by a crash or power loss) is copied to `quarantine/` and cut off.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// The segment file whose tail was cut.
    public var segmentFile: String
    /// Where the cut was made: everything from here on was set aside.
    public var cutOffset: Int64
    /// How many bytes were set aside.
    public var bytesSetAside: Int64
    /// Where the set-aside bytes were copied (relative to the store directory), nil if there were none.
    public var quarantineFile: String?
    /// What was wrong with the tail (torn record, checksum mismatch, batch without commit record, ...).
    public var problem: String

    public var description: String {
        "cut \(bytesSetAside) unacknowledged bytes from \(segmentFile) at byte \(cutOffset) (\(problem))"
            + (quarantineFile.map { "; copied to \($0)" } ?? "")
    }
}

/// One entry that ingest did not store, and why.
public struct Rejection: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case badSignature
        case unknownAuthor
        case beyondLastValidSeq
        /// The predecessor is not held (sync sends contiguous runs; a gap means something was lost).
        case gap
        /// Prev link, or timestamp order, does not match the predecessor we hold.
        case brokenChain
    }

    public var author: AuthorKey
    public var seq: UInt64
    public var code: Code
    public var reason: String

    public var description: String { "\(author.short) seq \(seq): \(reason)" }
}

/// The outcome of one ingest call.
public struct IngestReport: Sendable {
    /// Entries newly stored, by author then seq.
    public var accepted: [Entry] = []
    /// Entries we already held (also known fork entries offered again).
    public var duplicates: Int = 0
    public var rejected: [Rejection] = []
    /// Equivocations first seen in this call.
    public var newForks: [ForkProof] = []
    /// Accepted entries whose timestamp is far ahead of our clock: kept, but they did not advance it.
    public var farFuture: Int = 0

    public init() {}
}
