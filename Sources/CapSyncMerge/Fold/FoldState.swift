public import CapSyncWire

/// The incremental fold: add entries in any order, with duplicates, merge partial folds made with the same
/// `Fold`, and `finish()` at any time for the state of everything added so far.
///
/// Each roster key's entries are kept once, packed by column in its `AuthorChain` (id; seq, timestamp and an
/// operation with no references), which both removes duplicates and reveals equivocation. Strings are replaced
/// by interned numbers (small keys, fast hashing; the canonical order is restored at `finish()` by ranking the
/// strings). Capacity records — nearly every entry — are resolved at `finish()` in one sort of the chains'
/// applicable reports and retractions, so `add` touches no table at random for them; needs, pledges and pools
/// are applied to registers as they arrive, and rebuilt from the chains at the next `finish()` when a fork turns
/// up below a seq already applied.
public struct FoldState: Sendable {
    public let fold: Fold
    private let rosterHash: Bytes32
    /// Roster keys in ascending order: a key's rank stands for it in the registers.
    private let authorKeys: [AuthorKey]
    private let authorIndex: AuthorIndex
    /// One chain per roster key, by rank.
    private var chains: [AuthorChain]
    private var outsiders: [EntryID: IgnoredEntry] = [:]
    private var flagged: [EntryID: FlaggedEntry] = [:]
    private var registers = Registers()
    private var interner = Interner()
    private var needsRebuild = false
    /// Sealed entries this fold applied, with their labels (Protocol/releasability.md §5).
    private var released: [EntryID: [String]] = [:]
    /// Distinct entries taken in (after the as-of filter).
    public private(set) var entryCount = 0

    public init(_ fold: Fold) {
        self.fold = fold
        rosterHash = fold.roster.hash
        let members = fold.roster.authorKeys.sorted().compactMap { key in fold.roster.member(for: key).map { (key, $0) }
        }
        authorKeys = members.map(\.0)
        authorIndex = AuthorIndex(keys: authorKeys)
        var interner = Interner()
        chains = members.enumerated().map { rank, pair in
            var chain = AuthorChain(
                partner: pair.1.partner,
                partnerNumber: interner.number(pair.1.partner),
                rank: UInt32(rank),
                lastValidSeq: pair.1.lastValidSeq,
                knownForkSeq: fold.forks[pair.0]
            )
            chain.partnerRemoved = fold.removedPartners.contains(pair.1.partner)
            return chain
        }
        self.interner = interner
    }

    /// Takes one entry in. Duplicates (same id) change nothing.
    public mutating func add(_ entry: Entry) {
        if let asOf = fold.asOf, entry.timestamp > asOf { return }
        guard let rank = authorIndex.rank(of: entry.author) else {
            if outsiders[entry.id] == nil {
                outsiders[entry.id] = IgnoredEntry(
                    id: entry.id,
                    author: entry.author,
                    seq: entry.seq,
                    kind: entry.kind,
                    reason: .notInRoster,
                    detail: "author \(entry.author.short) is not in roster serial \(fold.roster.serial)"
                )
                entryCount += 1
                flagIfFarFuture(entry)
            }
            return
        }
        if let held = chains[rank].bySeq[entry.seq], chains[rank].holds(entry.id, atOrBesides: held) { return }
        let operation = pack(entry, rank: rank)
        let kept = KeptEntry(timestamp: entry.timestamp.rawValue, seq: entry.seq, operation: operation)
        place(kept, at: chains[rank].append(id: entry.id, kept), rank: rank)
        entryCount += 1
        flagIfFarFuture(entry)
    }

    /// Sizes the tables for about `entries` entries spread over the roster's keys, so a node folding its whole
    /// store at start-up does not grow them step by step.
    public mutating func reserveCapacity(entries: Int) {
        guard entries > 0, !chains.isEmpty else { return }
        let perAuthor = entries / chains.count + 1
        for rank in chains.indices { chains[rank].reserveCapacity(perAuthor) }
    }

    /// Adds every entry of `entries`.
    public mutating func add(contentsOf entries: some Sequence<Entry>) {
        for entry in entries { add(entry) }
    }

    /// Combines another partial fold of the same `Fold` into this one: the result is the fold of both entry
    /// sets together.
    public mutating func merge(_ other: FoldState) throws(MergeError) {
        guard other.fold == fold else {
            throw MergeError(
                .incompatibleFolds,
                "partial folds made with different rosters, versions, forks, clocks or as-of times cannot be combined",
                context: "fold merge"
            )
        }
        for (id, ignored) in other.outsiders where outsiders[id] == nil {
            outsiders[id] = ignored
            entryCount += 1
        }
        for (id, flag) in other.flagged { flagged[id] = flag }
        for (id, label) in other.released { released[id] = label }
        let numbers = other.interner.strings.map { interner.number($0) }
        // Equal folds have equal rosters, so a rank names the same key in both.
        for rank in other.chains.indices {
            for index in 0..<other.chains[rank].count {
                let id = other.chains[rank].ids[index]
                let seq = other.chains[rank].kept[index].seq
                if let held = chains[rank].bySeq[seq], chains[rank].holds(id, atOrBesides: held) { continue }
                let operation = adopt(other, rank: rank, index: index, numbers: numbers)
                let kept = KeptEntry(
                    timestamp: other.chains[rank].kept[index].timestamp,
                    seq: seq,
                    operation: operation
                )
                place(kept, at: chains[rank].append(id: id, kept), rank: rank)
                entryCount += 1
            }
        }
    }

    /// The state of everything added so far. The accumulator stays usable: add more and finish again.
    public mutating func finish() -> CoalitionState {
        if needsRebuild { rebuild() }
        var ignored = Array(outsiders.values)
        for rank in chains.indices {
            let chain = chains[rank]
            // Most chains have nothing to list: no retired key, no fork, nothing ignored on its own.
            if chain.lastValidSeq == nil, chain.cutoff == .max, chain.ignoredInfo.isEmpty { continue }
            for index in 0..<chain.count {
                if let entry = chain.ignoredEntry(at: index, author: authorKeys[rank]) { ignored.append(entry) }
            }
        }
        ignored += registers.ignoredEntries(authorKeys: authorKeys)
        ignored.sort(by: IgnoredEntry.order)
        let flags = flagged.values.sorted { ($0.author, $0.seq, $0.id) < ($1.author, $1.seq, $1.id) }
        var state = registers.state(
            interner: interner,
            authorKeys: authorKeys,
            chains: chains,
            rosterHash: rosterHash,
            foldVersion: fold.version,
            ignored: ignored,
            flagged: flags,
            entryCount: entryCount,
            asOf: fold.asOf
        )
        state.releasedTo = released
        return state
    }

    // MARK: Internals

    /// Files the entry just appended at `index` under its seq, applying its operation unless the seq is
    /// excluded; a second entry at a taken seq is an equivocation, which excludes the author from that seq on.
    private mutating func place(_ entry: KeptEntry, at index: UInt32, rank: Int) {
        // `entry` is passed in, not read back from the column just written (that read waited for the store's
        // cache line); and only plain stored fields of the chain: a method call on `chains[rank]` can copy it.
        let seq = entry.seq
        if chains[rank].bySeq[seq] != nil {
            chains[rank].extras.append(index)
            if seq < chains[rank].cutoff, chains[rank].appliedMaxSeq >= seq { needsRebuild = true }
            chains[rank].noteFork(at: seq)
            return
        }
        chains[rank].bySeq.insert(seq: seq, index: index)
        if AuthorChain.applies(entry, cutoff: chains[rank].cutoff, lastValidLimit: chains[rank].lastValidLimit) {
            apply(entry.operation, rank: rank, index: Int(index))
            if seq > chains[rank].appliedMaxSeq { chains[rank].appliedMaxSeq = seq }
        }
    }

    /// Writes the kept entry at (`rank`, `index`), whose operation is given, into the registers (records are
    /// resolved at `finish`).
    @inline(__always)
    private mutating func apply(_ operation: PackedOperation, rank: Int, index: Int) {
        guard operation.tag == .other else { return }
        registers.apply(chains[rank].others[Int(operation.side)], mark: mark(rank: rank, index: index))
    }

    private func mark(rank: Int, index: Int) -> Mark {
        let entry = chains[rank].kept[index]
        return Mark(timestamp: entry.timestamp, authorRank: UInt32(rank), seq: entry.seq, id: chains[rank].ids[index])
    }

    /// The packed form of an entry's operation, or of why it is ignored.
    @inline(__always)
    private mutating func pack(_ entry: Entry, rank: Int) -> PackedOperation {
        if chains[rank].partnerRemoved {
            let detail = "\(chains[rank].partner) was removed from the roster; its records no longer count"
            chains[rank].ignoredInfo.append(IgnoredInfo(kind: entry.kind, reason: .partnerRemoved, detail: detail))
            return .indexed(chains[rank].ignoredInfo.count - 1, tag: .ignored)
        }
        if let operation = fastOperation(entry, rank: rank) { return pack(operation, rank: rank) }
        let chain = chains[rank]
        var classification = FoldState.classify(entry, partner: chain.partner, lastValidSeq: chain.lastValidSeq)
        if case .ignore(.unknownKind, _) = classification, entry.kind == SealedPayload.kind {
            classification = classifySealed(entry, rank: rank)
        }
        switch classification {
        case .apply(let operation):
            return pack(CompactOperation(operation, partner: chain.partnerNumber, interner: &interner), rank: rank)
        case .ignore(let reason, let detail):
            chains[rank].ignoredInfo.append(IgnoredInfo(kind: entry.kind, reason: reason, detail: detail))
            return .indexed(chains[rank].ignoredInfo.count - 1, tag: .ignored)
        }
    }

    @inline(__always)
    private mutating func pack(_ operation: CompactOperation, rank: Int) -> PackedOperation {
        switch operation {
        case .report(let id, let values):
            return PackedOperation(
                capacity: values.capacity,
                output: values.output,
                stock: values.stock,
                threshold: values.threshold,
                record: id,
                side: keepConstraints(values.constraints, rank: rank),
                leadTime: values.leadTime,
                tag: .report
            )
        case .retraction(let id):
            return .retraction(id)
        default:
            chains[rank].others.append(operation)
            return .indexed(chains[rank].others.count - 1, tag: .other)
        }
    }

    private mutating func keepConstraints(_ text: String, rank: Int) -> UInt32 {
        guard !text.isEmpty else { return 0 }
        chains[rank].constraints.append(text)
        return UInt32(chains[rank].constraints.count)
    }

    /// Another partial fold's kept entry, renumbered into this fold's interner, records and side arrays.
    private mutating func adopt(_ other: FoldState, rank: Int, index: Int, numbers: [UInt32]) -> PackedOperation {
        let theirs = other.chains[rank].kept[index].operation
        switch theirs.tag {
        case .report, .retraction:
            let id = theirs.record(partner: other.chains[rank].partnerNumber)
            let record = RecordID(
                partner: numbers[Int(id.partner)],
                item: numbers[Int(id.item)],
                site: numbers[Int(id.site)],
                period: id.period
            )
            let side = keepConstraints(other.chains[rank].constraintsText(of: theirs), rank: rank)
            return PackedOperation(
                capacity: theirs.capacity,
                output: theirs.output,
                stock: theirs.stock,
                threshold: theirs.threshold,
                record: record,
                side: side,
                leadTime: theirs.leadTime,
                tag: theirs.tag
            )
        case .other:
            chains[rank].others.append(other.chains[rank].others[Int(theirs.side)].renumbered { numbers[Int($0)] })
            return .indexed(chains[rank].others.count - 1, tag: .other)
        case .ignored:
            chains[rank].ignoredInfo.append(other.chains[rank].ignoredInfo[Int(theirs.side)])
            return .indexed(chains[rank].ignoredInfo.count - 1, tag: .ignored)
        }
    }

    /// A capacity report or retraction decoded straight from its payload bytes, or nil to take the strict path
    /// (`classify`), which gives the same operation or says why the entry is ignored.
    @inline(__always)
    private mutating func fastOperation(_ entry: Entry, rank: Int) -> CompactOperation? {
        guard entry.version == Operation.entryVersion,
            entry.kind == EntryKind.capacityReport.rawValue || entry.kind == EntryKind.reportRetraction.rawValue,
            entry.seq <= chains[rank].lastValidLimit, chains[rank].partnerIsValidCode
        else { return nil }
        let kind = entry.kind
        let payloadRange = entry.payloadRange
        let partnerNumber = chains[rank].partnerNumber
        // The payload read in place (no slice of the entry's bytes); nothing in the closures captures `entry`.
        return entry.encoded.withUnsafeBufferPointer { encoded in
            chains[rank].partnerUTF8.withUnsafeBufferPointer { partner in
                FastReportDecoder.decode(
                    kind: kind,
                    payload: UnsafeBufferPointer(rebasing: encoded[payloadRange]),
                    partner: partner,
                    partnerNumber: partnerNumber,
                    interner: &interner
                )
            }
        }
    }

    enum Classification {
        case apply(Operation)
        case ignore(IgnoredReason, String)
    }

    /// What an entry contributes, judged from the entry and the roster alone (forks are judged at finish).
    private static func classify(_ entry: Entry, partner: String, lastValidSeq: UInt64?) -> Classification {
        if let lastValidSeq, entry.seq > lastValidSeq {
            return .ignore(.pastLastValidSeq, "key retired after seq \(lastValidSeq)")
        }
        if entry.version == Operation.entryVersion, RosterGovernance.kinds.contains(entry.kind) {
            return .ignore(
                .rosterGovernance,
                "a roster proposal or approval: read by the roster chain, changes no record"
            )
        }
        let operation: Operation
        do { operation = try Operation(entry: entry) } catch {
            switch error.code {
            case .unsupportedVersion: return .ignore(.unsupportedVersion, error.description)
            case .unknownKind: return .ignore(.unknownKind, error.description)
            default: return .ignore(.malformedPayload, error.description)
            }
        }
        guard FieldRules.sameBytes(operation.partner, partner) else {
            return .ignore(.notOwnRecord, "a key of \(partner) wrote a \(operation.kind.name) for \(operation.partner)")
        }
        if case .pledge(let pledge) = operation, FieldRules.sameBytes(pledge.needOwner, pledge.partner) {
            return .ignore(.selfPledge, "\(pledge.partner) pledged towards its own need \(pledge.needCode)")
        }
        if case .itemDefinition(let definition) = operation, Catalog.standard.item(definition.code) != nil {
            return .ignore(.builtInCode, "\(definition.code) is in the built-in catalog; it cannot be redefined")
        }
        return .apply(operation)
    }

    /// A sealed entry read as its inner operation by this fold's reader, judged as an entry of that kind.
    private mutating func classifySealed(_ entry: Entry, rank: Int) -> Classification {
        let partner = chains[rank].partner
        switch SealedReader.judge(entry, authorPartner: partner, reader: fold.reader) {
        case .closed(let reason, let detail):
            return .ignore(reason, detail)
        case .open(let label, let kind, let payload):
            let operation: Operation
            do { operation = try Operation(kind: kind, payload: payload) } catch {
                return .ignore(.malformedPayload, "sealed \(error.description)")
            }
            guard FieldRules.sameBytes(operation.partner, partner) else {
                return .ignore(
                    .notOwnRecord,
                    "a key of \(partner) sealed a \(operation.kind.name) for \(operation.partner)"
                )
            }
            if case .pledge(let pledge) = operation, FieldRules.sameBytes(pledge.needOwner, pledge.partner) {
                return .ignore(.selfPledge, "\(pledge.partner) pledged towards its own need \(pledge.needCode)")
            }
            released[entry.id] = label
            return .apply(operation)
        }
    }

    private mutating func flagIfFarFuture(_ entry: Entry) {
        guard let now = fold.nowMilliseconds else { return }
        let limit = now &+ fold.maxForwardDriftMilliseconds
        guard entry.timestamp.milliseconds > limit else { return }
        flagged[entry.id] = FlaggedEntry(
            id: entry.id,
            author: entry.author,
            seq: entry.seq,
            timestamp: entry.timestamp,
            aheadMilliseconds: entry.timestamp.milliseconds - now
        )
    }

    /// Recomputes the registers from the chains after a fork excluded entries that were applied.
    private mutating func rebuild() {
        registers.clear()
        for rank in chains.indices {
            var applied: UInt64 = 0
            for index in 0..<chains[rank].count where chains[rank].applies(index) {
                // Entries beside a taken seq (extras) are at or above the fork seq, so never applied.
                apply(chains[rank].kept[index].operation, rank: rank, index: index)
                applied = max(applied, chains[rank].kept[index].seq)
            }
            chains[rank].appliedMaxSeq = applied
        }
        needsRebuild = false
    }
}
