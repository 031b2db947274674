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
    /// Open without changing a byte: no lock file created, no tail cut, no fsync; damage is reported in
    /// `pendingRepair` and writes are refused. What read-only commands (status, state, log, audit) use.
    public var readOnly: Bool
    /// The node's own signing key and where its own-chain journal lives (outside the store directory, so that
    /// moving or losing the store cannot make the node forget how far its key has signed). With it, the store
    /// guarantees the node never signs two different entries at one seq (Protocol/store.md).
    public var ownChain: OwnChainOptions?
    /// Entry kinds whose locations the store keeps a list of (`entries(ofIndexedKinds:)`), so a few entries of
    /// special meaning (roster proposals and approvals) are found without reading the whole log.
    public var indexedKinds: Set<UInt64> = []

    public init(
        segmentSize: Int64 = 64 << 20,
        verifyThreads: Int = 0,
        readOnly: Bool = false,
        ownChain: OwnChainOptions? = nil
    ) {
        self.segmentSize = segmentSize
        self.verifyThreads = verifyThreads
        self.readOnly = readOnly
        self.ownChain = ownChain
    }
}

/// Whose chain is the node's own, and the directory (the node directory) holding its own-chain journal.
public struct OwnChainOptions: Sendable, Hashable {
    public var author: AuthorKey
    public var journalDirectory: String

    public init(author: AuthorKey, journalDirectory: String) {
        self.author = author
        self.journalDirectory = journalDirectory
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
    /// Entries whose records in the tail still checked out (author, seq, id), so an operator can tell whose
    /// entries were affected. Records after the damage cannot be framed and are not listed.
    public var entries: [Head] = []
    /// False when a read-only open only found the tail (the next writer cuts it).
    public var performed = true

    public var description: String {
        let whose = entries.isEmpty ? "" : "; entries in it: " + Self.summarize(entries)
        guard performed else {
            return
                "\(segmentFile) has \(bytesSetAside) bytes after its last commit, from byte \(cutOffset) (\(problem))"
                + whose + "; a writer (an appending command, the daemon or capsync repair) sets them aside"
        }
        return "cut \(bytesSetAside) bytes from \(segmentFile) at byte \(cutOffset) (\(problem))"
            + (quarantineFile.map { "; copied to \($0)" } ?? "") + whose
    }

    /// "author a1b2… seq 9–10, author c3d4… seq 4" (consecutive seqs of one author joined).
    static func summarize(_ entries: [Head]) -> String {
        var parts: [String] = []
        var index = 0
        while index < entries.count {
            var end = index
            while end + 1 < entries.count, entries[end + 1].author == entries[index].author,
                entries[end + 1].seq == entries[end].seq + 1
            {
                end += 1
            }
            let seqs = end == index ? "\(entries[index].seq)" : "\(entries[index].seq)-\(entries[end].seq)"
            parts.append("author \(entries[index].author.short) seq \(seqs)")
            index = end + 1
        }
        return parts.joined(separator: ", ")
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
