public import CapSyncWire

/// Where the node stands with its own chain, for `status` and for the refusal of own appends.
public struct OwnChainStatus: Sendable {
    public var author: AuthorKey
    /// The own head the store holds.
    public var storedHead: UInt64
    /// The highest seq of this key known to exist anywhere (signed here, or announced by a peer).
    public var knownHead: UInt64
    /// Where `knownHead` was learned ("this node's journal", "a peer's HEADS").
    public var knownHeadSource: String
    /// Restored (or the journal unusable): a peer must announce this key at or above the stored head first.
    public var witnessRequired: Bool
    /// The lowest seq at which this key is proven to have signed two entries.
    public var forkedAt: UInt64?
    /// Own entries a writer's open put back into the store from the journal (the very same signed entries).
    public var restoredFromJournal: ClosedRange<UInt64>?
    /// Read-only opens: own entries the next writer will put back from the journal.
    public var restorableFromJournal: ClosedRange<UInt64>?
    /// Why the journal could not be trusted, when it could not.
    public var journalProblem: String?
    /// Why own appends are refused right now; nil when they are allowed.
    public var appendRefusal: StoreError?
}

/// The own-chain journal as one store instance sees it. Lives under the store's lock.
final class OwnChainTracker {
    let journal: OwnChainJournal
    var state: OwnChainJournal.State
    var slot: Int?
    /// Generations of both slots when last read (to notice another process's writes).
    var seenGenerations: [UInt64?] = [nil, nil]
    var knownHeadSource = "this node's journal"
    var journalProblem: String?
    var restoredFromJournal: ClosedRange<UInt64>?
    var restorableFromJournal: ClosedRange<UInt64>?
    /// The own head up to which the journal is known to be durable (own entries above it are not served).
    var durableHead: UInt64 = 0

    init(journal: OwnChainJournal, state: OwnChainJournal.State) {
        self.journal = journal
        self.state = state
    }

    var author: AuthorKey { state.author }

    /// Slot generations from the headers alone (cheap), to tell whether another process wrote the journal.
    func peekGenerations() -> [UInt64?] {
        (0..<2).map { slot in
            guard journal.fileSystem.fileExists(journal.path(slot)),
                let file = try? journal.fileSystem.openFileForReading(journal.path(slot)),
                let bytes = try? file.read(at: 0, count: 20), bytes.count == 20
            else { return nil }
            return SegmentFormat.readUInt64(bytes, at: 12)
        }
    }

    /// The slot known durable (synced since it was written), which unsynced writes never overwrite: a power
    /// cut can then tear at most the one slot written since, never both.
    var durableSlot: Int?
    /// A slot was written without fsync since the last sync.
    var dirty = false

    /// Re-reads the journal if another process wrote it since (call with the writer lock held). Another
    /// process's slot may not be durable yet: sync before building on it.
    func reloadIfChanged() throws(StoreError) {
        let generations = peekGenerations()
        guard generations != seenGenerations else { return }
        if case .found(let fresh, let freshSlot) = try journal.load(), fresh.author == state.author {
            state = fresh
            slot = freshSlot
        }
        try journal.sync()
        durableSlot = slot
        dirty = false
        seenGenerations = peekGenerations()
    }

    /// Makes every slot durable.
    func syncAll() throws(StoreError) {
        try journal.sync()
        durableSlot = slot
        dirty = false
        durableHead = max(durableHead, state.knownHead)
    }

    /// Writes the state into a slot. Unsynced writes go to the slot that is not the durable one (overwriting
    /// only an earlier unsynced write); a synced write first makes any unsynced slot durable.
    func save(sync: Bool) throws(StoreError) {
        state.generation += 1
        if sync {
            if dirty { try syncAll() }
            let target = slot.map { 1 - $0 } ?? 0
            slot = try journal.write(state, into: target, sync: true)
            durableSlot = target
            durableHead = max(durableHead, state.knownHead)
        } else {
            let target = durableSlot.map { 1 - $0 } ?? slot.map { 1 - $0 } ?? 0
            slot = try journal.write(state, into: target, sync: false)
            dirty = true
        }
        seenGenerations = peekGenerations()
    }
}

extension LogStore {
    /// Creates the own-chain journal of a new node (before its store is first opened): this key has signed
    /// nothing yet. Refuses if a journal is already there.
    public static func startOwnChain(
        _ options: OwnChainOptions,
        fileSystem: any StoreFileSystem = PosixFileSystem()
    ) throws(StoreError) {
        let journal = OwnChainJournal(directory: options.journalDirectory, fileSystem: fileSystem)
        guard case .missing = try journal.load() else {
            throw StoreError(.badDirectory, "an own-chain journal already exists", file: journal.path(0))
        }
        _ = try journal.write(.init(generation: 1, author: options.author), into: 0, sync: true)
    }

    /// Reads the journal at open, adopts a store from before the journal, and puts back own entries the store
    /// lost (a damaged final batch that was cut) from the journal's copy of the last signed batch.
    static func openOwnChain(
        _ own: OwnChainOptions,
        state: StoreState,
        fileSystem: any StoreFileSystem,
        options: StoreOptions
    ) throws(StoreError) {
        let relearnPath = state.directory.appendingPathComponent(relearnFileName)
        let directory = state.directory
        let journal = OwnChainJournal(directory: own.journalDirectory, fileSystem: fileSystem)
        let stored = state.index.head(own.author)
        let storedSeq = stored?.seq ?? 0
        var needsWrite = false
        let tracker: OwnChainTracker
        switch try journal.load() {
        case .found(let found, let slot):
            guard found.author == own.author else {
                throw StoreError(
                    .badDirectory,
                    "the own-chain journal belongs to key \(found.author.short), but this node signs with "
                        + "\(own.author.short): the keys or the journal were replaced. Put back the node's own "
                        + "keys/ directory, or move the journal aside and let a peer vouch for the chain (capsync sync).",
                    file: journal.path(slot)
                )
            }
            tracker = OwnChainTracker(journal: journal, state: found)
            tracker.slot = slot
        case .missing:
            tracker = OwnChainTracker(journal: journal, state: .init(author: own.author, knownHead: storedSeq))
            if storedSeq == 0 {
                tracker.state.witnessRequired = true
                tracker.journalProblem =
                    "no own-chain journal and no own entries in the store: nothing shows how far "
                    + "this key has signed (a node directory from an older version, or the journal was lost)"
            }
            needsWrite = true
        case .damaged(let problem):
            tracker = OwnChainTracker(
                journal: journal,
                state: .init(author: own.author, knownHead: storedSeq, witnessRequired: true)
            )
            tracker.journalProblem = "both own-chain journal slots are damaged (\(problem))"
            needsWrite = true
        }
        // A restore made by an older version marks the store itself.
        if fileSystem.fileExists(relearnPath) && !tracker.state.witnessRequired {
            tracker.state.witnessRequired = true
            tracker.journalProblem = "the store was restored from a backup"
            needsWrite = true
        }
        tracker.seenGenerations = tracker.peekGenerations()
        state.ownChain = tracker
        if tracker.state.knownHead > storedSeq, let missing = journalEntries(after: stored, tracker: tracker) {
            let range = missing.first!.seq...missing.last!.seq
            if options.readOnly {
                tracker.restorableFromJournal = range
            } else {
                try putBack(missing, state: state)
                tracker.restoredFromJournal = range
            }
        }
        if !options.readOnly {
            // What the journal says may sit in the page cache only (a writer killed before syncing it).
            try state.durably { () throws(StoreError) in try tracker.syncAll() }
            // Own entries the store holds beyond the journal (a slot lost with a power cut after the store's
            // batch was synced, or own entries ingested from peers) are recorded before any is served.
            let held = state.index.head(own.author)?.seq ?? 0
            if held > tracker.state.knownHead {
                tracker.state.knownHead = held
                needsWrite = true
            }
        }
        if needsWrite && !options.readOnly {
            try tracker.save(sync: true)
            if fileSystem.fileExists(relearnPath) {
                try fileSystem.removeFile(relearnPath)
                try fileSystem.syncDirectory(directory)
            }
        }
    }

    /// The journal's own entries that continue the stored chain exactly (validly signed, linked to the stored
    /// head), or nil if it cannot fill the gap.
    private static func journalEntries(
        after stored: (seq: UInt64, id: EntryID, timestamp: HLCTimestamp)?,
        tracker: OwnChainTracker
    ) -> [Entry]? {
        let next = (stored?.seq ?? 0) + 1
        let missing = tracker.state.lastBatch.filter { $0.seq >= next }
        guard let first = missing.first, first.seq == next, first.prev == (stored?.id ?? .zero),
            missing.last!.seq == tracker.state.knownHead,
            zip(missing, missing.dropFirst()).allSatisfy({ $1.seq == $0.seq + 1 && $1.prev == $0.id }),
            let key = try? tracker.author.publicKey(),
            missing.allSatisfy({ $0.author == tracker.author && $0.verifySignature(using: key) })
        else { return nil }
        return missing
    }

    /// Writes own entries taken from the journal back into the store, as one batch.
    private static func putBack(_ entries: [Entry], state: StoreState) throws(StoreError) {
        let locations = try state.commitBatch(entries.map { (.entry, SegmentFormat.entryBody($0)) })
        for (entry, location) in zip(entries, locations) {
            if let problem = state.index.append(
                id: entry.id,
                author: entry.author,
                seq: entry.seq,
                prev: entry.prev,
                timestamp: entry.timestamp,
                at: location
            ) {
                throw StoreError(.corruptCommitted, "own entry \(entry.seq) from the journal does not fit: \(problem)")
            }
            if state.options.indexedKinds.contains(entry.kind) { state.index.noteIndexedKind(at: location) }
        }
    }

    /// The node's standing with its own chain (nil when the store was opened without `state.ownChain`).
    public var ownChainStatus: OwnChainStatus? {
        withLock { state -> OwnChainStatus? in
            guard let tracker = state.ownChain else { return nil }
            return OwnChainStatus(
                author: tracker.author,
                storedHead: state.index.head(tracker.author)?.seq ?? 0,
                knownHead: tracker.state.knownHead,
                knownHeadSource: tracker.knownHeadSource,
                witnessRequired: tracker.state.witnessRequired,
                forkedAt: state.index.forked[tracker.author],
                restoredFromJournal: tracker.restoredFromJournal,
                restorableFromJournal: tracker.restorableFromJournal,
                journalProblem: tracker.journalProblem,
                appendRefusal: Self.ownAppendRefusal(tracker, state: state)
            )
        }
    }

    /// Why own appends must wait (call under the lock).
    static func ownAppendRefusal(_ tracker: OwnChainTracker, state: StoreState) -> StoreError? {
        let author = tracker.author
        let stored = state.index.head(author)?.seq ?? 0
        if let seq = state.index.forked[author] {
            return StoreError(
                .ownKeyForked,
                "this node's signing key \(author.short) is proven to have signed two different entries at seq "
                    + "\(seq) (a fork proof is held; see capsync status and capsync audit). Appending with this key "
                    + "is stopped for good: the coalition view ignores its entries from seq \(seq) on. The way "
                    + "forward is a new signing key admitted through the coalition roster; this version cannot "
                    + "rotate keys yet, so agree a new key with the roster's holders out of band."
            )
        }
        if tracker.state.witnessRequired {
            let why = tracker.journalProblem ?? "the node was restored from a backup"
            return StoreError(
                .relearnRequired,
                "this node cannot prove its own chain is complete (\(why)), so it could sign a seq it already "
                    + "published. Own appends wait until a peer that holds this key's chain syncs with it: run "
                    + "'capsync sync' (or let the daemon sync). If no peer has ever received an entry of this key, "
                    + "continue explicitly with 'capsync repair --continue-own-chain-at \(stored + 1)'."
            )
        }
        if tracker.state.knownHead > stored {
            return StoreError(
                .ownChainBehind,
                "this key has signed up to seq \(tracker.state.knownHead) (known from \(tracker.knownHeadSource)), "
                    + "but the store holds its chain only up to seq \(stored): appending now would sign seq "
                    + "\(stored + 1) a second time. Run 'capsync sync' with a peer to take the chain back first."
            )
        }
        return nil
    }

    /// A peer holds `seq` of `author`'s chain. For our own key above what we hold, own appends wait until ingest
    /// brings the chain up to it; the journal remembers it across restarts. A peer holding at least as much of
    /// our chain as the store does is the witness a restored node waits for.
    public func notePeerHead(author: AuthorKey, seq: UInt64) {
        let isOwn = withLock { state -> Bool in
            let ours = state.index.chain(author)?.headSeq ?? 0
            if seq > ours && seq > (state.peerHeads[author] ?? 0) { state.peerHeads[author] = seq }
            return state.ownChain?.author == author
        }
        guard isOwn, !options.readOnly else { return }
        _ = try? writeTransaction { (state) throws(StoreError) in
            guard let tracker = state.ownChain else { return }
            let stored = state.index.head(author)?.seq ?? 0
            var changed = false
            if seq > tracker.state.knownHead {
                tracker.state.knownHead = seq
                tracker.knownHeadSource = "a peer's HEADS"
                changed = true
            }
            if tracker.state.witnessRequired && seq >= max(stored, 1) {
                tracker.state.witnessRequired = false
                tracker.journalProblem = nil
                changed = true
            }
            if changed { try tracker.save(sync: true) }
        }
    }

    /// The operator's override for a chain no peer can vouch for (a key whose entries never left the node):
    /// continue at `seq`, which must be the next seq after the stored head and above every head of this key
    /// known (the journal's, any peer's).
    public func continueOwnChain(at seq: UInt64) throws(StoreError) {
        try writeTransaction { (state) throws(StoreError) in
            guard let tracker = state.ownChain else {
                throw StoreError(.invalidInput, "the store was opened without the node's own key")
            }
            let stored = state.index.head(tracker.author)?.seq ?? 0
            let known = max(tracker.state.knownHead, state.peerHeads[tracker.author] ?? 0)
            if let forked = state.index.forked[tracker.author] {
                throw StoreError(.ownKeyForked, "this key is proven forked at seq \(forked); no seq can be continued")
            }
            guard seq == stored + 1 else {
                throw StoreError(
                    .invalidInput,
                    "the chain can only continue at seq \(stored + 1) (the store holds up to \(stored)); got \(seq)"
                )
            }
            guard seq > known else {
                throw StoreError(
                    .invalidInput,
                    "seq \(seq) is at or below seq \(known), a head of this key known from "
                        + "\(tracker.knownHeadSource): it may already be signed. Sync with a peer to take it back."
                )
            }
            tracker.state.witnessRequired = false
            tracker.state.knownHead = stored
            tracker.journalProblem = nil
            try tracker.save(sync: true)
        }
    }

    /// After `capsync restore`: own appends wait until a peer announces this key at or above the restored head
    /// (and the chain is taken back up to every head announced).
    public func requireWitness() throws(StoreError) {
        try writeTransaction { (state) throws(StoreError) in
            guard let tracker = state.ownChain else {
                throw StoreError(.invalidInput, "the store was opened without the node's own key")
            }
            tracker.state.witnessRequired = true
            tracker.journalProblem = "the node was restored from a backup"
            try tracker.save(sync: true)
        }
    }

    /// Own entries leave the node only once a durable journal covers them: a node that later loses them (a
    /// damaged final batch) then either puts the same entries back or refuses to sign those seqs again. Returns
    /// the highest seq of `author` that may be served (nil: not our own key, serve everything).
    func ownServeLimit(_ author: AuthorKey, upTo wanted: UInt64) -> UInt64? {
        let known = withLock { state -> (durable: UInt64, held: UInt64)? in
            guard let tracker = state.ownChain, tracker.author == author, !options.readOnly else { return nil }
            return (tracker.durableHead, state.index.head(author)?.seq ?? 0)
        }
        guard let (durable, held) = known else { return nil }
        // Only what the store holds can be served: asking past it needs no sync.
        guard min(wanted, held) > durable else { return durable }
        // Make the journal cover what the store holds, durably (another process's unsynced slot included).
        _ = try? writeTransaction { (state) throws(StoreError) in
            guard let tracker = state.ownChain else { return }
            let held = state.index.head(author)?.seq ?? 0
            try state.durably { () throws(StoreError) in
                if held > tracker.state.knownHead {
                    tracker.state.knownHead = held
                    try tracker.save(sync: true)
                } else {
                    try tracker.syncAll()
                }
            }
        }
        return withLock { state in state.ownChain?.durableHead ?? durable }
    }
}
