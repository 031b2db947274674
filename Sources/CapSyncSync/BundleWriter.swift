public import CapSyncCrypto
public import CapSyncWire

/// What a bundle holds, as written or as read.
public struct BundleSummary: Sendable, Hashable {
    public var header: BundleHeader
    public var entries = 0
    public var forkProofs = 0
    public var chunks = 0
    public var bytes = 0
    /// SHA-256 of the file up to the digest field (what the creator signed).
    public var digest: [UInt8] = []

    public init(header: BundleHeader) { self.header = header }
}

/// Writes a bundle (Protocol/bundle.md) from a store, streaming: entries are read one batch at a time, so memory
/// stays bounded however many the bundle carries. The output is a function of the store's content, the
/// recipient's heads and the key only: the same inputs give the same bytes (Ed25519 signatures are deterministic).
public enum BundleWriter {
    /// The header for a recipient that holds `recipient` (its last known heads; empty when nothing is known):
    /// for each author the source holds, the entries above the recipient's head, or the whole chain when the
    /// recipient's entry at its head is not the source's (a fork: the recipient's store finds where the two part).
    public static func plan(
        source: some SyncSource,
        recipient: [Head],
        creatorPartner: String,
        creatorKey: AuthorKey,
        rosterHash: Bytes32
    ) -> BundleHeader {
        var known: [AuthorKey: Head] = [:]
        for head in recipient where head.seq > 0 { known[head.author] = head }
        var authors: [BundleAuthor] = []
        for head in source.heads().sorted(by: { $0.author < $1.author }) where head.seq > 0 {
            var author = BundleAuthor(
                author: head.author,
                headSeq: head.seq,
                headID: head.id,
                baseSeq: 0,
                baseID: .zero
            )
            if let base = known[head.author] {
                if base.seq >= head.seq {
                    // The recipient holds as much or more (or another branch as long): nothing of ours to send
                    // unless it disagrees at our head, which its own bundles and syncs will show us.
                    if base.seq > head.seq || base.id == head.id {
                        author.baseSeq = head.seq
                        author.baseID = head.id
                    }
                } else if source.entry(author: head.author, seq: base.seq)?.id == base.id {
                    author.baseSeq = base.seq
                    author.baseID = base.id
                }
            }
            authors.append(author)
        }
        return BundleHeader(
            creatorPartner: creatorPartner,
            creatorKey: creatorKey,
            rosterHash: rosterHash,
            authors: authors,
            entryCount: authors.reduce(0) { $0 + $1.entryCount },
            forkProofCount: UInt64(source.forkProofs().count)
        )
    }

    /// Writes the bundle `header` describes to `output`, in pieces of a chunk or less. Throws a `BundleError`
    /// when the source no longer holds what the header names, or what `output` throws.
    public static func write(
        header: BundleHeader,
        source: some SyncSource,
        signingKey: Ed25519PrivateKey,
        to output: @escaping ([UInt8]) throws -> Void
    ) throws -> BundleSummary {
        let sink = DigestingSink(output)
        var summary = BundleSummary(header: header)
        var preamble = ByteWriter(capacity: 1 << 16)
        var headerBody = ByteWriter(capacity: 1 << 16)
        header.write(to: &headerBody)
        preamble.writeBytes(BundleFormat.magic)
        preamble.writeUInt16(BundleFormat.version)
        preamble.writeUInt16(0)
        preamble.writeUInt32(UInt32(headerBody.count))
        preamble.writeBytes(headerBody.bytes)
        try sink.write(preamble.bytes)

        var packer = ChunkPacker()
        for (index, author) in header.authors.enumerated() where author.entryCount > 0 {
            var seq = author.baseSeq + 1
            var expectedPrev = author.baseID
            while seq <= author.headSeq {
                let batch = source.entries(
                    author: author.author,
                    fromSeq: seq,
                    limit: Int(min(UInt64(BundleFormat.maxEntriesPerChunk), author.headSeq - seq + 1))
                )
                guard let first = batch.first, first.seq == seq, first.prev == expectedPrev else {
                    throw BundleError(
                        .io,
                        "the store no longer holds \(author.author.short) at seq \(seq) as planned",
                        context: "entries"
                    )
                }
                for entry in batch where entry.seq <= author.headSeq {
                    if let chunk = packer.add(entry, authorIndex: UInt32(index)) {
                        try sink.write(chunk)
                        summary.chunks += 1
                    }
                    summary.entries += 1
                    expectedPrev = entry.id
                }
                seq = batch.last!.seq + 1
            }
        }
        if let chunk = packer.flush() {
            try sink.write(chunk)
            summary.chunks += 1
        }
        let proofs = sortedProofs(source.forkProofs())
        guard UInt64(proofs.count) == header.forkProofCount else {
            throw BundleError(.io, "the store's fork proofs changed while the bundle was written", context: "forks")
        }
        var start = 0
        while start < proofs.count {
            let slice = proofs[start..<min(proofs.count, start + BundleFormat.maxForkProofsPerChunk)]
            try sink.write(SyncMessage.forks(Array(slice)).encode())
            summary.chunks += 1
            summary.forkProofs += slice.count
            start += slice.count
        }
        guard UInt64(summary.entries) == header.entryCount else {
            throw BundleError(.io, "the store's chains changed while the bundle was written", context: "entries")
        }
        var end = ByteWriter(capacity: 128)
        var counts = ByteWriter(capacity: 32)
        counts.writeVarint(summary.entries)
        counts.writeVarint(summary.forkProofs)
        counts.writeVarint(summary.chunks)
        end.writeUInt32(UInt32(1 + counts.count + BundleFormat.endTailSize))
        end.writeUInt8(BundleFormat.ChunkType.end.rawValue)
        end.writeBytes(counts.bytes)
        try sink.write(end.bytes)
        let digest = sink.finish()
        let signature = try signingKey.signature(for: BundleFormat.signingDomain + digest)
        try sink.output(digest + signature)
        summary.digest = digest
        summary.bytes = sink.count + digest.count + signature.count
        return summary
    }

    /// Fork proofs in the order a bundle carries them: by author, seq, then the first entry's id.
    static func sortedProofs(_ proofs: [ForkProof]) -> [ForkProof] {
        proofs.sorted {
            ($0.author, $0.seq, $0.first.id) < ($1.author, $1.seq, $1.first.id)
        }
    }
}

/// Passes bytes on while hashing them.
final class DigestingSink {
    let output: ([UInt8]) throws -> Void
    private var hash: SHA256? = SHA256()
    private(set) var count = 0

    init(_ output: @escaping ([UInt8]) throws -> Void) { self.output = output }

    func write(_ bytes: [UInt8]) throws {
        hash!.update(bytes)
        count += bytes.count
        try output(bytes)
    }

    func finish() -> [UInt8] { hash.take()!.finalize() }
}

/// Packs entries into ENTRIES chunks of at most `maxEntriesPerChunk` entries and `maxChunkBytes` bytes; every
/// run's prev is implied (a bundle's runs always continue the author's base or its previous run).
struct ChunkPacker {
    private var runs: [CompactRun] = []
    private var entries = 0
    private var size = 0
    /// Room kept for the runs count and a run header whose entry count is not known yet.
    private static let budget = BundleFormat.maxChunkBytes - 1 - 16

    /// Adds an entry; returns a full chunk (as bytes) when the entry did not fit in the current one.
    mutating func add(_ entry: Entry, authorIndex: UInt32) -> [UInt8]? {
        var full: [UInt8]?
        let compact = CompactEntry(entry)
        let continues = runs.last.map { $0.authorIndex == authorIndex && $0.lastSeq + 1 == entry.seq } ?? false
        let delta = continues ? entry.timestamp.rawValue &- runs.last!.entries.last!.timestamp.rawValue : nil
        var cost = CompactRun.entrySize(compact, delta: delta)
        if !continues {
            cost += CompactRun.headerSize(
                authorIndex: authorIndex,
                firstSeq: entry.seq,
                explicitPrev: false,
                count: 4096
            )
        }
        if entries == BundleFormat.maxEntriesPerChunk || size + cost > ChunkPacker.budget {
            full = flush()
            return add(entry, authorIndex: authorIndex) ?? full
        }
        if continues {
            runs[runs.count - 1].entries.append(compact)
        } else {
            runs.append(CompactRun(authorIndex: authorIndex, firstSeq: entry.seq, prev: nil, entries: [compact]))
        }
        entries += 1
        size += cost
        return full
    }

    /// The chunk holding what was added since the last one, if anything.
    mutating func flush() -> [UInt8]? {
        guard !runs.isEmpty else { return nil }
        let bytes = SyncMessage.entries(EntriesBatch(runs: runs)).encode()
        runs = []
        entries = 0
        size = 0
        return bytes
    }
}
