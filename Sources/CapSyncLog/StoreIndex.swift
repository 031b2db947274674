import CapSyncWire

/// What the store keeps in memory: where each acknowledged entry lives, the heads, and the fork proofs.
/// Entries themselves stay on disk; about 100 bytes per entry, so a million entries fit well under 512 MiB.
struct StoreIndex {
    struct Chain {
        /// locations[i] is the record of seq i + 1.
        var locations: [RecordLocation] = []
        var headID: EntryID = .zero
        var headTimestamp = HLCTimestamp(rawValue: 0)
        var headSeq: UInt64 { UInt64(locations.count) }
    }

    struct ForkKey: Hashable {
        var first: EntryID
        var second: EntryID
    }

    private(set) var chains: [AuthorKey: Chain] = [:]
    private var byID = EntryIDTable()
    private(set) var forkProofs: [ForkProof] = []
    private var forkKeys: Set<ForkKey> = []
    /// Author → lowest seq at which a fork is proven.
    private(set) var forked: [AuthorKey: UInt64] = [:]
    private(set) var entryCount = 0
    /// Locations of the entries of `StoreOptions.indexedKinds`, in the order they were stored.
    private(set) var indexedKindLocations: [RecordLocation] = []

    mutating func noteIndexedKind(at location: RecordLocation) { indexedKindLocations.append(location) }
    /// The chain appended to last: records of one author come in runs, so most appends skip the lookup.
    /// Indices of `chains` stay valid until a key is inserted, which only happens right here.
    private var lastChain: (author: AuthorKey, position: Dictionary<AuthorKey, Chain>.Index)?

    func chain(_ author: AuthorKey) -> Chain? { chains[author] }

    /// The head of a chain without holding on to its location array (so a later append does not copy it).
    func head(_ author: AuthorKey) -> (seq: UInt64, id: EntryID, timestamp: HLCTimestamp)? {
        chains[author].map { ($0.headSeq, $0.headID, $0.headTimestamp) }
    }

    func location(author: AuthorKey, seq: UInt64) -> RecordLocation? {
        guard seq >= 1, let chain = chains[author], seq <= chain.headSeq else { return nil }
        return chain.locations[Int(seq - 1)]
    }

    func location(id: EntryID) -> RecordLocation? { byID.location(of: id) }

    var heads: [Head] {
        chains.map { Head(author: $0.key, seq: $0.value.headSeq, id: $0.value.headID) }.sorted { $0.author < $1.author }
    }

    /// While set (a catch-up scan), `append` collects ids and `indexDeferredIDs` indexes them all at once.
    private var deferringIDs = false

    /// Starts collecting ids for one cache-friendly indexing pass; lookups by id wait for `indexDeferredIDs`.
    mutating func deferIDIndexing() { deferringIDs = true }

    /// Indexes the ids collected since `deferIDIndexing`. Returns the first entry whose id repeats one stored
    /// before it, if any (a committed log never holds one id twice: it was altered).
    mutating func indexDeferredIDs() -> (id: EntryID, location: RecordLocation)? {
        deferringIDs = false
        return byID.indexDeferred()
    }

    /// Sizes the id index ahead of a scan, so open does not rehash it again and again.
    mutating func reserve(_ count: Int) { byID.reserve(count) }

    /// Adds the next entry of an author's chain. Returns a reason when it does not extend the chain (which,
    /// for committed records, means the store is damaged or was edited).
    mutating func append(
        id: EntryID,
        author: AuthorKey,
        seq: UInt64,
        prev: EntryID,
        timestamp: HLCTimestamp,
        at location: RecordLocation
    ) -> String? {
        // One hash lookup for the chain; fields are read and written in place through the index, never copied
        // out (a copy would make the next append copy the whole location array).
        let existing: Dictionary<AuthorKey, Chain>.Index?
        if let cached = lastChain, cached.author == author {
            existing = cached.position
        } else {
            existing = chains.index(forKey: author)
        }
        let headSeq = existing.map { chains.values[$0].headSeq } ?? 0
        let headID = existing.map { chains.values[$0].headID } ?? .zero
        guard seq == headSeq + 1 else {
            return "entry seq \(seq) of \(author.short) does not follow the stored head \(headSeq)"
        }
        guard prev == headID else { return "entry seq \(seq) of \(author.short) does not link to its predecessor" }
        if deferringIDs {
            byID.appendDeferred(id, at: location)
        } else {
            guard byID.insert(id, at: location) else { return "entry \(id.short) is stored twice" }
        }
        let position: Dictionary<AuthorKey, Chain>.Index
        if let existing {
            position = existing
        } else {
            chains[author] = Chain()
            position = chains.index(forKey: author)!
        }
        lastChain = (author, position)
        chains.values[position].locations.append(location)
        chains.values[position].headID = id
        chains.values[position].headTimestamp = timestamp
        entryCount += 1
        return nil
    }

    func hasForkProof(_ proof: ForkProof) -> Bool {
        forkKeys.contains(ForkKey(first: proof.first.id, second: proof.second.id))
    }

    /// Records a proof; returns false if it was already known.
    @discardableResult
    mutating func addForkProof(_ proof: ForkProof) -> Bool {
        guard forkKeys.insert(ForkKey(first: proof.first.id, second: proof.second.id)).inserted else { return false }
        forkProofs.append(proof)
        forked[proof.author] = min(forked[proof.author] ?? .max, proof.seq)
        return true
    }

    /// Whether `id` is one of the two entries of a known fork proof (an equivocating entry offered again).
    func isKnownForkEntry(_ id: EntryID, author: AuthorKey) -> Bool {
        guard forked[author] != nil else { return false }
        return forkProofs.contains { $0.author == author && ($0.first.id == id || $0.second.id == id) }
    }
}
