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
    private(set) var byID: [EntryID: RecordLocation] = [:]
    private(set) var forkProofs: [ForkProof] = []
    private var forkKeys: Set<ForkKey> = []
    /// Author → lowest seq at which a fork is proven.
    private(set) var forked: [AuthorKey: UInt64] = [:]
    private(set) var entryCount = 0

    func chain(_ author: AuthorKey) -> Chain? { chains[author] }

    /// The head of a chain without holding on to its location array (so a later append does not copy it).
    func head(_ author: AuthorKey) -> (seq: UInt64, id: EntryID, timestamp: HLCTimestamp)? {
        chains[author].map { ($0.headSeq, $0.headID, $0.headTimestamp) }
    }

    func location(author: AuthorKey, seq: UInt64) -> RecordLocation? {
        guard seq >= 1, let chain = chains[author], seq <= chain.headSeq else { return nil }
        return chain.locations[Int(seq - 1)]
    }

    func location(id: EntryID) -> RecordLocation? { byID[id] }

    var heads: [Head] {
        chains.map { Head(author: $0.key, seq: $0.value.headSeq, id: $0.value.headID) }.sorted { $0.author < $1.author }
    }

    mutating func reserve(_ count: Int) { byID.reserveCapacity(count) }

    /// Adds the next entry of an author's chain. Returns a reason when it does not extend the chain (which,
    /// for committed records, means the store is damaged or was edited).
    mutating func append(
        id: EntryID, author: AuthorKey, seq: UInt64, prev: EntryID, timestamp: HLCTimestamp, at location: RecordLocation
    ) -> String? {
        let headSeq = chains[author]?.headSeq ?? 0
        guard seq == headSeq + 1 else {
            return "entry seq \(seq) of \(author.short) does not follow the stored head \(headSeq)"
        }
        guard prev == (chains[author]?.headID ?? .zero) else {
            return "entry seq \(seq) of \(author.short) does not link to its predecessor"
        }
        guard byID.updateValue(location, forKey: id) == nil else { return "entry \(id.short) is stored twice" }
        // Mutated in place (never copied out), so appending stays O(1).
        chains[author, default: Chain()].locations.append(location)
        chains[author, default: Chain()].headID = id
        chains[author, default: Chain()].headTimestamp = timestamp
        entryCount += 1
        return nil
    }

    func hasForkProof(_ proof: ForkProof) -> Bool { forkKeys.contains(ForkKey(first: proof.first.id, second: proof.second.id)) }

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
