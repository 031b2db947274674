public import CapSyncWire

/// The incremental fold: add entries in any order, with duplicates, merge partial folds made with the same
/// `Fold`, and `finish()` at any time for the state of everything added so far.
///
/// Operations are applied to last-writer-wins registers as they arrive, their strings replaced by interned
/// numbers (small keys, fast hashing; the canonical order is restored at `finish()` by ranking the strings).
/// Each author's entries are also kept, compactly, by seq, which both removes duplicates and reveals
/// equivocation; when a fork turns up below a seq already applied, the registers are rebuilt from the kept
/// operations at the next `finish()`.
public struct FoldState: Sendable {
    public let fold: Fold
    private let rosterHash: Bytes32
    private var chains: [AuthorKey: AuthorChain]
    private var outsiders: [EntryID: IgnoredEntry] = [:]
    private var flagged: [EntryID: FlaggedEntry] = [:]
    private var registers = Registers()
    private var interner = Interner()
    /// Roster keys in ascending order: a key's rank stands for it in the registers.
    private let authorKeys: [AuthorKey]
    private var needsRebuild = false
    /// Distinct entries taken in (after the as-of filter).
    public private(set) var entryCount = 0

    public init(_ fold: Fold) {
        self.fold = fold
        rosterHash = fold.roster.hash
        authorKeys = fold.roster.authorKeys.sorted()
        var interner = Interner()
        var chains: [AuthorKey: AuthorChain] = [:]
        for (rank, key) in authorKeys.enumerated() {
            guard let member = fold.roster.member(for: key) else { continue }
            chains[key] = AuthorChain(
                partner: member.partner, partnerNumber: interner.number(member.partner), rank: UInt32(rank),
                lastValidSeq: member.lastValidSeq, knownForkSeq: fold.forks[key])
        }
        self.chains = chains
        self.interner = interner
    }

    /// Takes one entry in. Duplicates (same id) change nothing.
    public mutating func add(_ entry: Entry) {
        if let asOf = fold.asOf, entry.timestamp > asOf { return }
        // One hash lookup; the chain is then reached by index and changed in place (no copy of its tables).
        guard let index = chains.index(forKey: entry.author) else {
            if outsiders[entry.id] == nil {
                outsiders[entry.id] = IgnoredEntry(
                    id: entry.id, author: entry.author, seq: entry.seq, kind: entry.kind, reason: .notInRoster,
                    detail: "author \(entry.author.short) is not in roster serial \(fold.roster.serial)")
                entryCount += 1
                flagIfFarFuture(entry)
            }
            return
        }
        if chains.values[index].slots[entry.seq]?.id == entry.id { return }
        let partner = chains.values[index].partner
        let content: Slot.Content
        switch FoldState.classify(entry, partner: partner, lastValidSeq: chains.values[index].lastValidSeq) {
        case .apply(let operation):
            content = .operation(CompactOperation(operation, partner: chains.values[index].partnerNumber, interner: &interner))
        case .ignore(let reason, let detail):
            content = .ignored(reason, detail)
        }
        let slot = Slot(entry: entry, content: content)
        if FoldState.insert(slot, author: entry.author, into: &chains.values[index], registers: &registers, needsRebuild: &needsRebuild) {
            entryCount += 1
            flagIfFarFuture(entry)
        }
    }

    /// Sizes the tables for about `entries` entries spread over the roster's keys, so a node folding its whole
    /// store at start-up does not grow them step by step.
    public mutating func reserveCapacity(entries: Int) {
        guard entries > 0, !chains.isEmpty else { return }
        registers.records.reserveCapacity(entries)
        let perAuthor = entries / chains.count + 1
        for key in Array(chains.keys) { chains[key]!.slots.reserveCapacity(perAuthor) }
    }

    /// Adds every entry of `entries`.
    public mutating func add(contentsOf entries: some Sequence<Entry>) {
        for entry in entries { add(entry) }
    }

    /// Combines another partial fold of the same `Fold` into this one: the result is the fold of both entry
    /// sets together.
    public mutating func merge(_ other: FoldState) throws(MergeError) {
        guard other.fold == fold else {
            throw MergeError(.incompatibleFolds, "partial folds made with different rosters, versions, forks, clocks or as-of times cannot be combined", context: "fold merge")
        }
        for (id, ignored) in other.outsiders where outsiders[id] == nil {
            outsiders[id] = ignored
            entryCount += 1
        }
        for (id, flag) in other.flagged { flagged[id] = flag }
        let numbers = other.interner.strings.map { interner.number($0) }
        for (author, theirs) in other.chains where !theirs.slots.isEmpty {
            guard chains[author] != nil else { continue }
            for slot in theirs.slots.all + theirs.extras {
                let renumbered = slot.renumbered { numbers[Int($0)] }
                if FoldState.insert(renumbered, author: author, into: &chains[author]!, registers: &registers, needsRebuild: &needsRebuild) {
                    entryCount += 1
                }
            }
        }
    }

    /// The state of everything added so far. The accumulator stays usable: add more and finish again.
    public mutating func finish() -> CoalitionState {
        if needsRebuild { rebuild() }
        var ignored = Array(outsiders.values)
        for (author, chain) in chains {
            chain.slots.forEach { slot in
                if let entry = chain.ignoredEntry(for: slot, author: author) { ignored.append(entry) }
            }
            for slot in chain.extras {
                if let entry = chain.ignoredEntry(for: slot, author: author) { ignored.append(entry) }
            }
        }
        ignored.sort(by: IgnoredEntry.order)
        let flags = flagged.values.sorted { ($0.author, $0.seq, $0.id) < ($1.author, $1.seq, $1.id) }
        return registers.state(
            interner: interner, authorKeys: authorKeys, rosterHash: rosterHash, foldVersion: fold.version, ignored: ignored,
            flagged: flags, entryCount: entryCount, asOf: fold.asOf)
    }

    // MARK: Internals

    /// Stores a slot in its author's chain, applying its operation unless the seq is excluded. Returns false if
    /// this exact entry was already there.
    private static func insert(
        _ slot: Slot, author: AuthorKey, into chain: inout AuthorChain, registers: inout Registers, needsRebuild: inout Bool
    ) -> Bool {
        if let existing = chain.slots[slot.seq] {
            guard existing.id != slot.id, !chain.extras.contains(where: { $0.id == slot.id }) else { return false }
            // Equivocation: two entries at one seq. Everything of this author from here on is excluded.
            chain.extras.append(slot)
            if slot.seq < chain.cutoff, chain.appliedMaxSeq >= slot.seq { needsRebuild = true }
            chain.detectedForkSeq = min(chain.detectedForkSeq ?? .max, slot.seq)
            return true
        }
        chain.slots.insert(slot)
        if case .operation(let operation) = slot.content, slot.seq < chain.cutoff, !chain.isPastLastValid(slot.seq) {
            registers.apply(operation, mark: slot.mark(rank: chain.rank))
            if slot.seq > chain.appliedMaxSeq { chain.appliedMaxSeq = slot.seq }
        }
        return true
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
        return .apply(operation)
    }

    private mutating func flagIfFarFuture(_ entry: Entry) {
        guard let now = fold.nowMilliseconds else { return }
        let limit = now &+ fold.maxForwardDriftMilliseconds
        guard entry.timestamp.milliseconds > limit else { return }
        flagged[entry.id] = FlaggedEntry(
            id: entry.id, author: entry.author, seq: entry.seq, timestamp: entry.timestamp,
            aheadMilliseconds: entry.timestamp.milliseconds - now)
    }

    /// Recomputes the registers from the kept operations after a fork excluded some that were applied.
    private mutating func rebuild() {
        registers = Registers()
        for (author, chain) in chains {
            _ = author
            var applied: UInt64 = 0
            chain.slots.forEach { slot in
                guard case .operation(let operation) = slot.content, slot.seq < chain.cutoff,
                    !chain.isPastLastValid(slot.seq)
                else { return }
                registers.apply(operation, mark: slot.mark(rank: chain.rank))
                applied = max(applied, slot.seq)
            }
            chains[author]?.appliedMaxSeq = applied
        }
        needsRebuild = false
    }
}

/// One entry as the fold keeps it: identity, order key and what it does (or why it does nothing).
struct Slot: Sendable {
    enum Content: Sendable {
        case operation(CompactOperation)
        case ignored(IgnoredReason, String)
    }

    let id: EntryID
    let seq: UInt64
    let timestamp: HLCTimestamp
    let kind: UInt64
    let content: Content

    init(entry: Entry, content: Content) {
        id = entry.id
        seq = entry.seq
        timestamp = entry.timestamp
        kind = entry.kind
        self.content = content
    }

    private init(id: EntryID, seq: UInt64, timestamp: HLCTimestamp, kind: UInt64, content: Content) {
        self.id = id
        self.seq = seq
        self.timestamp = timestamp
        self.kind = kind
        self.content = content
    }

    func mark(rank: UInt32) -> Mark { Mark(timestamp: timestamp.rawValue, authorRank: rank, seq: seq, id: id) }

    func renumbered(_ map: (UInt32) -> UInt32) -> Slot {
        guard case .operation(let operation) = content else { return self }
        return Slot(id: id, seq: seq, timestamp: timestamp, kind: kind, content: .operation(operation.renumbered(map)))
    }
}

/// One roster key's entries by seq, and what excludes some of them.
struct AuthorChain: Sendable {
    let partner: String
    let partnerNumber: UInt32
    /// The key's position among the roster's keys in ascending order.
    let rank: UInt32
    let lastValidSeq: UInt64?
    let knownForkSeq: UInt64?
    var detectedForkSeq: UInt64?
    var slots = SlotTable()
    /// Further entries at a seq already taken: the other sides of forks.
    var extras: [Slot] = []
    /// The highest seq whose operation went into the registers.
    var appliedMaxSeq: UInt64 = 0

    init(partner: String, partnerNumber: UInt32, rank: UInt32, lastValidSeq: UInt64?, knownForkSeq: UInt64?) {
        self.partner = partner
        self.partnerNumber = partnerNumber
        self.rank = rank
        self.lastValidSeq = lastValidSeq
        self.knownForkSeq = knownForkSeq
    }

    /// Entries at or above this seq are excluded as forked.
    var cutoff: UInt64 { min(knownForkSeq ?? .max, detectedForkSeq ?? .max) }

    func isPastLastValid(_ seq: UInt64) -> Bool { lastValidSeq.map { seq > $0 } ?? false }

    /// The listing for a slot the fold does not apply, or nil if it applies.
    func ignoredEntry(for slot: Slot, author: AuthorKey) -> IgnoredEntry? {
        let reason: IgnoredReason
        let detail: String
        if isPastLastValid(slot.seq) {
            reason = .pastLastValidSeq
            detail = "key retired after seq \(lastValidSeq ?? 0)"
        } else if slot.seq >= cutoff {
            reason = .forkedAuthor
            detail = "author equivocated at seq \(cutoff); its entries from there on are excluded"
        } else if case .ignored(let why, let text) = slot.content {
            reason = why
            detail = text
        } else {
            return nil
        }
        return IgnoredEntry(id: slot.id, author: author, seq: slot.seq, kind: slot.kind, reason: reason, detail: detail)
    }
}
