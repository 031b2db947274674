import CapSyncWire

/// Decides, for one ingest call, which entries extend their author's chain, which are duplicates, which are
/// rejected and which prove a fork — without writing anything. Runs per author, so one author's bad run
/// never affects another's. Signatures are checked by the caller (`verified` holds the indices that passed).
struct IngestPlanner {
    let index: StoreIndex
    let roster: Roster
    /// Reads a stored entry back (for fork proofs and for checking a fork entry's link).
    let read: (RecordLocation) throws(StoreError) -> Entry
    private(set) var report = IngestReport()

    private init(index: StoreIndex, roster: Roster, read: @escaping (RecordLocation) throws(StoreError) -> Entry) {
        self.index = index
        self.roster = roster
        self.read = read
    }

    static func plan(
        _ entries: [Entry],
        verified: Set<Int>,
        index: StoreIndex,
        roster: Roster,
        read: @escaping (RecordLocation) throws(StoreError) -> Entry
    ) throws(StoreError) -> IngestReport {
        var planner = IngestPlanner(index: index, roster: roster, read: read)
        try planner.plan(entries, verified: verified)
        return planner.report
    }

    private mutating func plan(_ entries: [Entry], verified: Set<Int>) throws(StoreError) {
        var runs: [AuthorKey: [Int]] = [:]
        for position in entries.indices { runs[entries[position].author, default: []].append(position) }
        for author in runs.keys.sorted() {
            let run = runs[author]!.sorted { (entries[$0].seq, $0) < (entries[$1].seq, $1) }
            try planRun(author: author, run.map { (entries[$0], verified.contains($0)) })
        }
    }

    private mutating func planRun(author: AuthorKey, _ run: [(entry: Entry, verified: Bool)]) throws(StoreError) {
        let head = index.head(author)
        let storedHead = head?.seq ?? 0
        var headSeq = storedHead
        var headID = head?.id ?? .zero
        var headTimestamp = head?.timestamp ?? HLCTimestamp(rawValue: 0)
        /// Entries accepted in this run, by seq (a second entry at one of these seqs is a fork too).
        var acceptedHere: [UInt64: Entry] = [:]
        var seenHere = Set<EntryID>()

        for (entry, verified) in run {
            func reject(_ code: Rejection.Code, _ reason: String) {
                report.rejected.append(Rejection(author: author, seq: entry.seq, code: code, reason: reason))
            }
            // A known fork's other branch offered again is a duplicate; but a proof may be held ahead of the
            // chain (received as FORKS), and then the branch that links is the chain's next entry.
            if index.location(id: entry.id) != nil || !seenHere.insert(entry.id).inserted
                || (entry.seq <= headSeq && index.isKnownForkEntry(entry.id, author: author))
            {
                report.duplicates += 1
                continue
            }
            guard roster.contains(author) else {
                reject(.unknownAuthor, "author \(author.short) is not in the coalition roster")
                continue
            }
            guard roster.allows(author, seq: entry.seq) else {
                reject(.beyondLastValidSeq, "the roster ends this key before seq \(entry.seq)")
                continue
            }
            guard verified else {
                reject(.badSignature, "signature does not verify under the author's key")
                continue
            }
            if entry.seq <= headSeq {
                if let (code, reason) = try planFork(entry, storedHead: storedHead, acceptedHere: acceptedHere) {
                    reject(code, reason)
                }
                continue
            }
            guard entry.seq == headSeq + 1 else {
                reject(.gap, "predecessor seq \(entry.seq - 1) is not held (head is \(headSeq))")
                continue
            }
            guard entry.prev == headID else {
                reject(.brokenChain, "prev \(entry.prev.short) is not the id \(headID.short) of seq \(headSeq)")
                continue
            }
            guard entry.timestamp > headTimestamp else {
                reject(.brokenChain, "timestamp \(entry.timestamp) is not above \(headTimestamp) of seq \(headSeq)")
                continue
            }
            report.accepted.append(entry)
            acceptedHere[entry.seq] = entry
            headSeq = entry.seq
            headID = entry.id
            headTimestamp = entry.timestamp
        }
    }

    /// A validly signed entry at a seq we hold with another id: an equivocation, provided it links to its own
    /// predecessor when we hold that one. Returns why it was rejected, if it was.
    private mutating func planFork(
        _ entry: Entry,
        storedHead: UInt64,
        acceptedHere: [UInt64: Entry]
    ) throws(StoreError) -> (Rejection.Code, String)? {
        let existing: Entry
        if entry.seq <= storedHead, let location = index.location(author: entry.author, seq: entry.seq) {
            existing = try read(location)
        } else if let accepted = acceptedHere[entry.seq] {
            existing = accepted
        } else {
            return (.gap, "no entry held at seq \(entry.seq) to compare with")
        }
        if entry.seq > 1 {
            var predecessor: Entry?
            if let location = index.location(id: entry.prev) {
                predecessor = try read(location)
            } else if let accepted = acceptedHere.values.first(where: { $0.id == entry.prev }) {
                predecessor = accepted
            }
            if let predecessor {
                do { try entry.checkFollows(predecessor) } catch {
                    return (.brokenChain, "conflicting entry does not link to its predecessor: \(error.reason)")
                }
            }
        }
        let proof: ForkProof
        do { proof = try ForkProof(existing, entry) } catch {
            return (.badSignature, "conflicting entry does not form a valid fork proof: \(error.reason)")
        }
        if index.hasForkProof(proof) || report.newForks.contains(proof) {
            report.duplicates += 1
        } else {
            report.newForks.append(proof)
        }
        return nil
    }
}
