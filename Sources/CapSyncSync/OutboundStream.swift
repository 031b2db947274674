import CapSyncWire

/// What one side owes the other, decided once from the peer's HEADS and then cut into ENTRIES batches on
/// demand, so that at most one batch of entries is in memory at a time.
struct OutboundStream: Sendable {
    /// A stretch of one author's chain to send: `nextSeq...lastSeq`.
    struct Item: Sendable {
        var author: AuthorKey
        /// The author's index in the peer's HEADS list.
        var peerIndex: UInt32
        var nextSeq: UInt64
        var lastSeq: UInt64
        /// A fork window: my entries at or below the peer's head, on a branch that disagrees with the peer's.
        var isForkWindow: Bool
    }

    private var items: [Item]
    private var cursor = 0
    /// Per author: the seq the peer expects next in a continuation and the id it will take as its prev when
    /// the prev is implied (mirrors the receiver's state, Protocol/sync.md §Compact entries).
    private var peerNext: [AuthorKey: (seq: UInt64, prev: EntryID)]
    private let frameLimit: Int
    private let entryLimit: Int

    init(items: [Item], peerHeads: [Head], frameLimit: Int, entryLimit: Int) {
        self.items = items
        var next: [AuthorKey: (seq: UInt64, prev: EntryID)] = [:]
        for head in peerHeads { next[head.author] = (head.seq + 1, head.id) }
        self.peerNext = next
        self.frameLimit = frameLimit
        self.entryLimit = entryLimit
    }

    /// The next batch, or nil when everything owed has been sent.
    mutating func nextBatch(source: some SyncSource) -> EntriesBatch? {
        var runs: [CompactRun] = []
        // Frame header, and the run count varint at its largest (≤ 65,536 runs: 3 bytes).
        var size = SyncMessage.frameHeaderSize + 3
        var count = 0
        var lastTimestamp = HLCTimestamp(rawValue: 0)
        var lastID = EntryID.zero
        var full = false

        while cursor < items.count, count < entryLimit, !full {
            var item = items[cursor]
            let want = Int(min(UInt64(entryLimit - count), item.lastSeq - item.nextSeq + 1))
            let fetched = source.entries(author: item.author, fromSeq: item.nextSeq, limit: want)
            var consistent = true
            // A store answering with more than asked must not push a batch over its limit.
            for entry in fetched.prefix(want) {
                guard entry.author == item.author, entry.seq == item.nextSeq else {
                    consistent = false
                    break
                }
                let compact = CompactEntry(entry)
                let expected = peerNext[item.author]
                let continuesRun =
                    runs.last.map { run in
                        run.authorIndex == item.peerIndex && run.lastSeq + 1 == entry.seq && lastID == entry.prev
                            && entry.timestamp > lastTimestamp
                    } ?? false
                if continuesRun {
                    let runLength = runs[runs.count - 1].entries.count
                    let growth =
                        CompactRun.entrySize(compact, delta: entry.timestamp.rawValue - lastTimestamp.rawValue)
                        + varintSize(runLength + 1) - varintSize(runLength)
                    guard size + growth <= frameLimit else {
                        full = true
                        break
                    }
                    size += growth
                    runs[runs.count - 1].entries.append(compact)
                } else {
                    let implied =
                        item.isForkWindow
                        ? entry.seq == 1
                        : expected.map { $0.seq == entry.seq && $0.prev == entry.prev } ?? (entry.seq == 1)
                    let growth =
                        CompactRun.headerSize(
                            authorIndex: item.peerIndex,
                            firstSeq: entry.seq,
                            explicitPrev: !implied,
                            count: 1
                        )
                        + CompactRun.entrySize(compact, delta: nil)
                    guard size + growth <= frameLimit else {
                        full = true
                        break
                    }
                    size += growth
                    runs.append(
                        CompactRun(
                            authorIndex: item.peerIndex,
                            firstSeq: entry.seq,
                            prev: implied ? nil : entry.prev,
                            entries: [compact]
                        )
                    )
                }
                lastTimestamp = entry.timestamp
                lastID = entry.id
                count += 1
                item.nextSeq += 1
                if !item.isForkWindow { peerNext[item.author] = (entry.seq + 1, entry.id) }
            }
            items[cursor] = item
            // Done with this item when it is all sent, or the store holds less than planned (or answered
            // with something else): what it lacks cannot be sent.
            if item.nextSeq > item.lastSeq || !consistent || (!full && fetched.count < want) {
                cursor += 1
            }
        }
        return runs.isEmpty ? nil : EntriesBatch(runs: runs)
    }
}
