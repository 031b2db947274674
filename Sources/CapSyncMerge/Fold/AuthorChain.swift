import CapSyncWire

/// A capacity record's key, its strings replaced by interned numbers.
struct RecordID: Hashable, Sendable {
    let partner: UInt32, item: UInt32, site: UInt32
    /// year << 8 | month.
    let period: UInt32
}

/// Where a kept entry is: its author's rank and its index in that author's chain (8 bytes).
struct EntryRef: Sendable, Equatable {
    let rank: UInt32
    let index: UInt32
}

/// What the fold keeps of one entry's operation, without references (no ARC) in 40 bytes: a report's record and
/// values in place, a retraction's record, anything rarer as an index into its chain's side arrays. Quantities
/// (at most 10^12 < 2^40) and the lead time (at most 3650 < 2^12), which the decoders enforce, are packed in
/// three words with the tag; a record's partner is not kept, being always its chain's own (the authority rule).
struct PackedOperation: Sendable {
    enum Tag: UInt8, Sendable {
        /// The record and the values are the report's.
        case report = 0
        /// The record is the one withdrawn.
        case retraction = 1
        /// A need, pledge or pool operation: `side` indexes the chain's `others`.
        case other = 2
        /// Not applicable on its own (version, kind, payload, authority): `side` indexes `ignoredInfo`.
        case ignored = 3
    }

    /// capacity | output's low 24 bits << 40.
    private let word0: UInt64
    /// output's high 16 bits | stock << 16 | tag << 56.
    private let word1: UInt64
    /// threshold | lead time << 40.
    private let word2: UInt64
    /// Reports and retractions: the record's item, site and period (zero otherwise).
    let item: UInt32, site: UInt32, period: UInt32
    /// Reports: 0 for no constraints text, else its index in the chain's `constraints` + 1. Other and ignored
    /// entries: the index in `others` or `ignoredInfo`.
    let side: UInt32

    private static let low40: UInt64 = (1 << 40) - 1

    init(
        capacity: UInt64,
        output: UInt64,
        stock: UInt64,
        threshold: UInt64,
        record: RecordID,
        side: UInt32,
        leadTime: UInt64,
        tag: Tag
    ) {
        assert(
            max(capacity, output, stock, threshold) <= PackedOperation.low40 && leadTime < 1 << 12,
            "decoders bound these"
        )
        word0 = capacity & PackedOperation.low40 | output << 40
        word1 = (output >> 24) & 0xffff | (stock & PackedOperation.low40) << 16 | UInt64(tag.rawValue) << 56
        word2 = threshold & PackedOperation.low40 | (leadTime & 0xfff) << 40
        item = record.item
        site = record.site
        period = record.period
        self.side = side
    }

    var capacity: UInt64 { word0 & PackedOperation.low40 }
    var output: UInt64 { word0 >> 40 | (word1 & 0xffff) << 24 }
    var stock: UInt64 { (word1 >> 16) & PackedOperation.low40 }
    var threshold: UInt64 { word2 & PackedOperation.low40 }
    var leadTime: UInt64 { word2 >> 40 }

    var tag: Tag {
        switch (word1 >> 56) & 3 {
        case 0: .report
        case 1: .retraction
        case 2: .other
        default: .ignored
        }
    }

    /// The record written, given the chain's partner.
    func record(partner: UInt32) -> RecordID { RecordID(partner: partner, item: item, site: site, period: period) }

    static let noRecord = RecordID(partner: 0, item: 0, site: 0, period: 0)

    static func retraction(_ record: RecordID) -> PackedOperation {
        PackedOperation(
            capacity: 0,
            output: 0,
            stock: 0,
            threshold: 0,
            record: record,
            side: 0,
            leadTime: 0,
            tag: .retraction
        )
    }

    static func indexed(_ index: Int, tag: Tag) -> PackedOperation {
        PackedOperation(
            capacity: 0,
            output: 0,
            stock: 0,
            threshold: 0,
            record: noRecord,
            side: UInt32(index),
            leadTime: 0,
            tag: tag
        )
    }

    /// Whether this writes a capacity record (report or retraction).
    var writesRecord: Bool { tag == .report || tag == .retraction }
}

/// One kept entry: its order key and its packed operation (56 bytes; the id sits in its own column, read only
/// to break timestamp ties and for stamps).
struct KeptEntry: Sendable {
    let timestamp: UInt64
    let seq: UInt64
    let operation: PackedOperation
}

/// Why an entry is ignored on its own merits, with its kind (which the packed form does not keep).
struct IgnoredInfo: Sendable {
    let kind: UInt64
    let reason: IgnoredReason
    let detail: String
}

/// One roster key's entries, by column (ids; the rest) in the order they were taken in (index = position in both),
/// found by seq through `bySeq`; and what excludes some of them. Capacity records are resolved from these
/// columns at `finish` (`Registers.sortedRecords`), so taking a report in touches no table at random.
struct AuthorChain: Sendable {
    let partner: String
    let partnerUTF8: [UInt8]
    /// Whether `partner` is a valid partner code (a roster's always is): the fast report path relies on it.
    let partnerIsValidCode: Bool
    /// The partner was removed from the roster in force for the view: every entry is ignored (`partnerRemoved`).
    var partnerRemoved = false
    let partnerNumber: UInt32
    /// The key's position among the roster's keys in ascending order.
    let rank: UInt32
    let lastValidSeq: UInt64?
    /// `lastValidSeq`, or UInt64.max: entries above it are past the key's last valid seq.
    let lastValidLimit: UInt64
    let knownForkSeq: UInt64?
    private(set) var detectedForkSeq: UInt64?
    /// Entries at or above this seq are excluded as forked: the lower of the known and the detected fork seq.
    /// Stored, like `lastValidLimit`, so the hot path reads plain fields of a chain in the array, never a copy.
    private(set) var cutoff: UInt64
    /// seq → index of the first entry taken at that seq.
    var bySeq = SlotTable()
    var ids: [EntryID] = []
    var kept: [KeptEntry] = []
    /// Needs, pledges and pool operations (few), whole.
    var others: [CompactOperation] = []
    var ignoredInfo: [IgnoredInfo] = []
    /// Non-empty constraints texts of reports (most reports have none).
    var constraints: [String] = []
    /// Indices of further entries at a seq already taken: the other sides of forks.
    var extras: [UInt32] = []
    /// The highest seq whose operation went into the registers.
    var appliedMaxSeq: UInt64 = 0

    init(partner: String, partnerNumber: UInt32, rank: UInt32, lastValidSeq: UInt64?, knownForkSeq: UInt64?) {
        self.partner = partner
        partnerUTF8 = Array(partner.utf8)
        partnerIsValidCode = (try? FieldRules.checkPartner(partner, field: "roster partner")) != nil
        self.partnerNumber = partnerNumber
        self.rank = rank
        self.lastValidSeq = lastValidSeq
        lastValidLimit = lastValidSeq ?? .max
        self.knownForkSeq = knownForkSeq
        cutoff = knownForkSeq ?? .max
    }

    var count: Int { ids.count }

    /// Notes an equivocation at `seq`: this author's entries from the lowest such seq on are excluded.
    mutating func noteFork(at seq: UInt64) {
        detectedForkSeq = min(detectedForkSeq ?? .max, seq)
        cutoff = min(cutoff, seq)
    }

    func isPastLastValid(_ seq: UInt64) -> Bool { seq > lastValidLimit }

    /// Whether the entry at `index` goes into the registers.
    func applies(_ index: Int) -> Bool {
        AuthorChain.applies(kept[index], cutoff: cutoff, lastValidLimit: lastValidLimit)
    }

    @inline(__always)
    static func applies(_ entry: KeptEntry, cutoff: UInt64, lastValidLimit: UInt64) -> Bool {
        entry.operation.tag != .ignored && entry.seq < cutoff && entry.seq <= lastValidLimit
    }

    /// Whether the entry at `index` is this exact entry (same id).
    @inline(__always)
    func holds(_ id: EntryID, atOrBesides index: UInt32) -> Bool {
        ids[Int(index)] == id || extras.contains { ids[Int($0)] == id }
    }

    /// Appends an entry's columns; returns its index.
    @inline(__always)
    mutating func append(id: EntryID, _ entry: KeptEntry) -> UInt32 {
        let index = UInt32(ids.count)
        ids.append(id)
        kept.append(entry)
        return index
    }

    mutating func reserveCapacity(_ capacity: Int) {
        bySeq.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
        kept.reserveCapacity(capacity)
    }

    /// The entry kind at `index`, as the entry gave it.
    func kind(at index: Int) -> UInt64 {
        let operation = kept[index].operation
        switch operation.tag {
        case .report: return EntryKind.capacityReport.rawValue
        case .retraction: return EntryKind.reportRetraction.rawValue
        case .other: return others[Int(operation.side)].kind.rawValue
        case .ignored: return ignoredInfo[Int(operation.side)].kind
        }
    }

    /// The constraints text of the report at `index`.
    func constraintsText(of operation: PackedOperation) -> String {
        operation.tag != .report || operation.side == 0 ? "" : constraints[Int(operation.side - 1)]
    }

    /// The listing for an entry the fold does not apply, or nil if it applies.
    func ignoredEntry(at index: Int, author: AuthorKey) -> IgnoredEntry? {
        let seq = kept[index].seq
        let reason: IgnoredReason
        let detail: String
        if isPastLastValid(seq) {
            reason = .pastLastValidSeq
            detail = "key retired after seq \(lastValidSeq ?? 0)"
        } else if seq >= cutoff {
            reason = .forkedAuthor
            detail = "author equivocated at seq \(cutoff); its entries from there on are excluded"
        } else if kept[index].operation.tag == .ignored {
            let info = ignoredInfo[Int(kept[index].operation.side)]
            reason = info.reason
            detail = info.detail
        } else {
            return nil
        }
        return IgnoredEntry(
            id: ids[index],
            author: author,
            seq: seq,
            kind: kind(at: index),
            reason: reason,
            detail: detail
        )
    }
}
