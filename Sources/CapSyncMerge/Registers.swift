import CapSyncWire

/// Hashes a string by its UTF-8 bytes. Swift's `String ==` is Unicode canonical equivalence, under which two
/// different byte strings can be "equal"; the fold must treat them as different on every node.
@inline(__always)
func hashBytes(of text: String, into hasher: inout Hasher) {
    var text = text
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
}

/// A string compared and hashed by its bytes.
struct ByteText: Hashable {
    let text: String

    static func == (a: ByteText, b: ByteText) -> Bool { FieldRules.sameBytes(a.text, b.text) }
    func hash(into hasher: inout Hasher) { hashBytes(of: text, into: &hasher) }
}

/// Gives each distinct string (by bytes) a small number, so register keys are a few integers: fast to hash,
/// small to keep, and sortable by rank instead of by string comparisons.
struct Interner: Sendable {
    private var numbers: [ByteText: UInt32] = [:]
    private(set) var strings: [String] = []

    mutating func number(_ text: String) -> UInt32 {
        if let number = numbers[ByteText(text: text)] { return number }
        let number = UInt32(strings.count)
        strings.append(text)
        numbers[ByteText(text: text)] = number
        return number
    }

    /// rank[n] is the position of strings[n] in byte order, so comparing ranks compares the strings' bytes.
    func ranks() -> [UInt32] {
        let order = strings.indices.sorted { FieldRules.precedes(strings[$0], strings[$1]) }
        var rank = [UInt32](repeating: 0, count: strings.count)
        for (position, index) in order.enumerated() { rank[index] = UInt32(position) }
        return rank
    }
}

/// The last-writer-wins order key of an applied entry, compact: the author as its rank among the roster's keys
/// (rank order is key order).
struct Mark: Sendable {
    let timestamp: UInt64
    let authorRank: UInt32
    let seq: UInt64
    let id: EntryID

    @inline(__always)
    static func < (a: Mark, b: Mark) -> Bool {
        if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
        if a.authorRank != b.authorRank { return a.authorRank < b.authorRank }
        return a.id < b.id
    }
}

struct RecordID: Hashable, Sendable {
    let partner: UInt32, item: UInt32, site: UInt32
    /// year << 8 | month.
    let period: UInt32
}

struct ReportValues: Sendable {
    let capacity: UInt64, output: UInt64, stock: UInt64, threshold: UInt64, leadTime: UInt64
    /// Kept as text: usually empty, rarely repeated, never a key.
    let constraints: String
}

struct NeedID: Hashable, Sendable {
    let owner: UInt32, code: UInt32
}

struct NeedValues: Sendable {
    let item: UInt32
    let quantity: UInt64
    let due: Day
    let priority: UInt8
    let isOpen: Bool
}

struct PledgeID: Hashable, Sendable {
    let partner: UInt32, owner: UInt32, code: UInt32
}

struct PoolID: Hashable, Sendable {
    let item: UInt32, partner: UInt32
}

/// An operation with its strings replaced by interned numbers: what the fold keeps per entry.
enum CompactOperation: Sendable {
    case report(RecordID, ReportValues)
    case retraction(RecordID)
    case need(NeedID, NeedValues)
    case pledge(PledgeID, UInt64)
    case join(PoolID)
    case leave(PoolID, [EntryID])

    init(_ operation: Operation, partner: UInt32, interner: inout Interner) {
        func record(_ item: String, _ site: String, _ period: Period) -> RecordID {
            RecordID(
                partner: partner, item: interner.number(item), site: interner.number(site),
                period: UInt32(period.year) << 8 | UInt32(period.month))
        }
        switch operation {
        case .capacityReport(let r):
            self = .report(
                record(r.item, r.site, r.period),
                ReportValues(
                    capacity: r.monthlyCapacity, output: r.monthlyOutput, stock: r.stockOnHand, threshold: r.stockThreshold,
                    leadTime: r.leadTimeDays, constraints: r.constraints))
        case .reportRetraction(let r):
            self = .retraction(record(r.item, r.site, r.period))
        case .need(let n):
            self = .need(
                NeedID(owner: partner, code: interner.number(n.code)),
                NeedValues(item: interner.number(n.item), quantity: n.quantity, due: n.due, priority: n.priority, isOpen: n.isOpen))
        case .pledge(let p):
            self = .pledge(PledgeID(partner: partner, owner: interner.number(p.needOwner), code: interner.number(p.needCode)), p.quantity)
        case .poolJoin(let j):
            self = .join(PoolID(item: interner.number(j.item), partner: partner))
        case .poolLeave(let l):
            self = .leave(PoolID(item: interner.number(l.item), partner: partner), l.observedTags)
        }
    }

    /// The same operation numbered by another interner (for merging partial folds).
    func renumbered(_ map: (UInt32) -> UInt32) -> CompactOperation {
        func record(_ r: RecordID) -> RecordID {
            RecordID(partner: map(r.partner), item: map(r.item), site: map(r.site), period: r.period)
        }
        switch self {
        case .report(let id, let v):
            return .report(
                record(id),
                ReportValues(
                    capacity: v.capacity, output: v.output, stock: v.stock, threshold: v.threshold, leadTime: v.leadTime,
                    constraints: v.constraints))
        case .retraction(let id): return .retraction(record(id))
        case .need(let id, let v):
            return .need(
                NeedID(owner: map(id.owner), code: map(id.code)),
                NeedValues(item: map(v.item), quantity: v.quantity, due: v.due, priority: v.priority, isOpen: v.isOpen))
        case .pledge(let id, let quantity):
            return .pledge(PledgeID(partner: map(id.partner), owner: map(id.owner), code: map(id.code)), quantity)
        case .join(let id): return .join(PoolID(item: map(id.item), partner: map(id.partner)))
        case .leave(let id, let tags): return .leave(PoolID(item: map(id.item), partner: map(id.partner)), tags)
        }
    }
}

/// The merged values the fold keeps while entries arrive: last-writer-wins registers and the pools'
/// observed-remove sets. Every `apply` is commutative, associative and idempotent, so the order entries arrive
/// in never matters.
struct Registers: Sendable {
    /// Report values, or nil for a retraction's tombstone.
    var records: [RecordID: (mark: Mark, values: ReportValues?)] = [:]
    var needs: [NeedID: (mark: Mark, values: NeedValues)] = [:]
    var pledges: [PledgeID: (mark: Mark, quantity: UInt64)] = [:]
    var poolJoins: [PoolID: Set<EntryID>] = [:]
    /// Tags the partner's own leaves removed.
    var poolRemoved: [PoolID: Set<EntryID>] = [:]

    mutating func apply(_ operation: CompactOperation, mark: Mark) {
        switch operation {
        case .report(let id, let values):
            if let current = records[id], !(current.mark < mark) { return }
            records[id] = (mark, values)
        case .retraction(let id):
            if let current = records[id], !(current.mark < mark) { return }
            records[id] = (mark, nil)
        case .need(let id, let values):
            if let current = needs[id], !(current.mark < mark) { return }
            needs[id] = (mark, values)
        case .pledge(let id, let quantity):
            if let current = pledges[id], !(current.mark < mark) { return }
            pledges[id] = (mark, quantity)
        case .join(let id):
            poolJoins[id, default: []].insert(mark.id)
        case .leave(let id, let tags):
            guard !tags.isEmpty else { return }
            poolRemoved[id, default: []].formUnion(tags)
        }
    }

    /// The canonical state: registers sorted by the ranks of their strings, strings and author keys put back.
    func state(
        interner: Interner, authorKeys: [AuthorKey], rosterHash: Bytes32, foldVersion: FoldVersion, ignored: [IgnoredEntry],
        flagged: [FlaggedEntry], entryCount: Int, asOf: HLCTimestamp?
    ) -> CoalitionState {
        let rank = interner.ranks()
        let text = interner.strings
        func stamp(_ mark: Mark) -> Stamp {
            Stamp(timestamp: HLCTimestamp(rawValue: mark.timestamp), author: authorKeys[Int(mark.authorRank)], seq: mark.seq, entryID: mark.id)
        }

        let recordPairs = Array(records)
        let recordOrder = recordPairs.indices.map { index -> (UInt64, UInt64, Int) in
            let id = recordPairs[index].key
            return (UInt64(rank[Int(id.partner)]) << 32 | UInt64(rank[Int(id.item)]), UInt64(rank[Int(id.site)]) << 32 | UInt64(id.period), index)
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        let sortedRecords = recordOrder.map { _, _, index -> CoalitionState.Record in
            let (id, value) = recordPairs[index]
            let partner = text[Int(id.partner)], item = text[Int(id.item)], site = text[Int(id.site)]
            let period = Period(unchecked: UInt16(id.period >> 8), month: UInt8(id.period & 0xff))
            let report = value.values.map { v in
                CapacityReport(
                    unchecked: partner, item: item, site: site, period: period, monthlyCapacity: v.capacity, monthlyOutput: v.output,
                    stockOnHand: v.stock, stockThreshold: v.threshold, leadTimeDays: v.leadTime, constraints: v.constraints)
            }
            return CoalitionState.Record(partner: partner, item: item, site: site, period: period, setBy: stamp(value.mark), report: report)
        }

        func r(_ number: UInt32) -> UInt64 { UInt64(rank[Int(number)]) }

        let needPairs: [(key: UInt64, id: NeedID, mark: Mark, values: NeedValues)] = needs.map { id, value in
            (r(id.owner) << 32 | r(id.code), id, value.mark, value.values)
        }
        let sortedNeeds = needPairs.sorted { $0.key < $1.key }.map { pair -> CoalitionState.NeedRecord in
            let v = pair.values
            let need = Need(
                unchecked: text[Int(pair.id.owner)], code: text[Int(pair.id.code)], item: text[Int(v.item)], quantity: v.quantity,
                due: v.due, priority: v.priority, isOpen: v.isOpen)
            return CoalitionState.NeedRecord(need: need, setBy: stamp(pair.mark))
        }

        let pledgePairs: [(key: UInt64, low: UInt64, id: PledgeID, mark: Mark, quantity: UInt64)] = pledges.map { id, value in
            (r(id.partner) << 32 | r(id.owner), r(id.code), id, value.mark, value.quantity)
        }
        let sortedPledges = pledgePairs.sorted { ($0.key, $0.low) < ($1.key, $1.low) }.map { pair -> CoalitionState.PledgeRecord in
            let pledge = Pledge(
                unchecked: text[Int(pair.id.partner)], needOwner: text[Int(pair.id.owner)], needCode: text[Int(pair.id.code)],
                quantity: pair.quantity)
            return CoalitionState.PledgeRecord(pledge: pledge, setBy: stamp(pair.mark))
        }

        var memberships: [(PoolID, [EntryID])] = []
        for (id, joins) in poolJoins {
            let live = poolRemoved[id].map { joins.subtracting($0) } ?? joins
            if !live.isEmpty { memberships.append((id, live.sorted())) }
        }
        let sortedPools = memberships
            .sorted { r($0.0.item) << 32 | r($0.0.partner) < r($1.0.item) << 32 | r($1.0.partner) }
            .map { CoalitionState.PoolMembership(item: text[Int($0.0.item)], partner: text[Int($0.0.partner)], tags: $0.1) }

        return CoalitionState(
            sortedRosterHash: rosterHash, foldVersion: foldVersion, records: sortedRecords, needs: sortedNeeds, pledges: sortedPledges,
            pools: sortedPools, ignored: ignored, flagged: flagged, entryCount: entryCount, asOf: asOf)
    }
}

/// (need owner, need code) in views; compared by bytes.
struct TextKey: Hashable {
    let a: String, b: String, c: String

    static func == (x: TextKey, y: TextKey) -> Bool {
        FieldRules.sameBytes(x.a, y.a) && FieldRules.sameBytes(x.b, y.b) && FieldRules.sameBytes(x.c, y.c)
    }

    func hash(into hasher: inout Hasher) {
        hashBytes(of: a, into: &hasher)
        hasher.combine(0xff as UInt8)
        hashBytes(of: b, into: &hasher)
        hasher.combine(0xff as UInt8)
        hashBytes(of: c, into: &hasher)
    }
}

/// A record's key with its strings, compared by bytes (diffs).
struct RecordKey: Hashable {
    let partner: String, item: String, site: String, period: Period

    static func == (a: RecordKey, b: RecordKey) -> Bool {
        a.period == b.period && FieldRules.sameBytes(a.partner, b.partner) && FieldRules.sameBytes(a.item, b.item)
            && FieldRules.sameBytes(a.site, b.site)
    }

    func hash(into hasher: inout Hasher) {
        hashBytes(of: partner, into: &hasher)
        hasher.combine(0xff as UInt8)
        hashBytes(of: item, into: &hasher)
        hasher.combine(0xff as UInt8)
        hashBytes(of: site, into: &hasher)
        hasher.combine(period)
    }
}
