import CapSyncWire

/// Hashes a string by its UTF-8 bytes. Swift's `String ==` is Unicode canonical equivalence, under which two
/// different byte strings can be "equal"; the fold must treat them as different on every node.
@inline(__always)
func hashBytes(of text: String, into hasher: inout Hasher) {
    var text = text
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
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

extension Mark {
    /// Stands for "no value yet" while a register is looked up: no roster key has this rank.
    static let unset = Mark(timestamp: 0, authorRank: .max, seq: 0, id: .zero)
    var isUnset: Bool { authorRank == .max }
}

/// A last-writer-wins register: takes `value` if `mark` is later than the one it holds (or it holds none).
@inline(__always)
func offer<Value>(_ register: inout (mark: Mark, values: Value), _ mark: Mark, _ value: Value) {
    if register.mark.isUnset || register.mark < mark { register = (mark, value) }
}

/// A report's values as decoded (`PackedOperation` keeps them without the String).
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

/// The key of a planning register, its strings as interned numbers in canonical order: (item) for pool terms,
/// (item, partner) for pool shares, (partner, item, site) for drawdown plans; unused places are 0.
struct PlanKey: Hashable, Sendable {
    let a: UInt32, b: UInt32, c: UInt32

    func renumbered(_ map: (UInt32) -> UInt32, places: Int) -> PlanKey {
        PlanKey(a: map(a), b: places > 1 ? map(b) : 0, c: places > 2 ? map(c) : 0)
    }
}

/// An operation with its strings replaced by interned numbers, as the decoders give it. A chain keeps reports and
/// retractions packed (`PackedOperation`) and the rarer kinds as they are (`AuthorChain.others`).
enum CompactOperation: Sendable {
    case report(RecordID, ReportValues)
    case retraction(RecordID)
    case need(NeedID, NeedValues)
    case pledge(PledgeID, UInt64)
    case join(PoolID)
    case leave(PoolID, [EntryID])
    /// The planning kinds (9–11), rare: kept as decoded, with their register's key interned.
    case planning(PlanKey, places: Int, Operation)

    var kind: EntryKind {
        switch self {
        case .report: .capacityReport
        case .retraction: .reportRetraction
        case .need: .need
        case .pledge: .pledge
        case .join: .poolJoin
        case .leave: .poolLeave
        case .planning(_, _, let operation): operation.kind
        }
    }

    init(_ operation: Operation, partner: UInt32, interner: inout Interner) {
        func record(_ item: String, _ site: String, _ period: Period) -> RecordID {
            RecordID(
                partner: partner,
                item: interner.number(item),
                site: interner.number(site),
                period: UInt32(period.year) << 8 | UInt32(period.month)
            )
        }
        switch operation {
        case .capacityReport(let r):
            self = .report(
                record(r.item, r.site, r.period),
                ReportValues(
                    capacity: r.monthlyCapacity,
                    output: r.monthlyOutput,
                    stock: r.stockOnHand,
                    threshold: r.stockThreshold,
                    leadTime: r.leadTimeDays,
                    constraints: r.constraints
                )
            )
        case .reportRetraction(let r):
            self = .retraction(record(r.item, r.site, r.period))
        case .need(let n):
            self = .need(
                NeedID(owner: partner, code: interner.number(n.code)),
                NeedValues(
                    item: interner.number(n.item),
                    quantity: n.quantity,
                    due: n.due,
                    priority: n.priority,
                    isOpen: n.isOpen
                )
            )
        case .pledge(let p):
            self = .pledge(
                PledgeID(partner: partner, owner: interner.number(p.needOwner), code: interner.number(p.needCode)),
                p.quantity
            )
        case .poolJoin(let j):
            self = .join(PoolID(item: interner.number(j.item), partner: partner))
        case .poolLeave(let l):
            self = .leave(PoolID(item: interner.number(l.item), partner: partner), l.observedTags)
        case .itemDefinition(let d):
            self = .planning(PlanKey(a: interner.number(d.code), b: partner, c: 0), places: 2, operation)
        case .itemGroup(let g):
            self = .planning(PlanKey(a: interner.number(g.code), b: partner, c: 0), places: 2, operation)
        case .poolTerms(let t):
            self = .planning(PlanKey(a: interner.number(t.item), b: partner, c: 0), places: 2, operation)
        case .poolShare(let share):
            self = .planning(PlanKey(a: interner.number(share.item), b: partner, c: 0), places: 2, operation)
        case .drawdownPlan(let d):
            let key = PlanKey(a: partner, b: interner.number(d.item), c: interner.number(d.site))
            self = .planning(key, places: 3, operation)
        case .deliverySchedule(let d):
            let key = PlanKey(a: partner, b: interner.number(d.needOwner), c: interner.number(d.needCode))
            self = .planning(key, places: 3, operation)
        case .deliveryConfirmation(let c):
            let key = PlanKey(a: partner, b: interner.number(c.needCode), c: interner.number(c.pledger))
            self = .planning(key, places: 3, operation)
        case .factoryOrder(let o):
            self = .planning(PlanKey(a: partner, b: interner.number(o.code), c: 0), places: 2, operation)
        case .orderResponse(let r):
            let key = PlanKey(a: partner, b: interner.number(r.orderPartner), c: interner.number(r.orderCode))
            self = .planning(key, places: 3, operation)
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
                    capacity: v.capacity,
                    output: v.output,
                    stock: v.stock,
                    threshold: v.threshold,
                    leadTime: v.leadTime,
                    constraints: v.constraints
                )
            )
        case .retraction(let id): return .retraction(record(id))
        case .need(let id, let v):
            return .need(
                NeedID(owner: map(id.owner), code: map(id.code)),
                NeedValues(item: map(v.item), quantity: v.quantity, due: v.due, priority: v.priority, isOpen: v.isOpen)
            )
        case .pledge(let id, let quantity):
            return .pledge(PledgeID(partner: map(id.partner), owner: map(id.owner), code: map(id.code)), quantity)
        case .join(let id): return .join(PoolID(item: map(id.item), partner: map(id.partner)))
        case .leave(let id, let tags): return .leave(PoolID(item: map(id.item), partner: map(id.partner)), tags)
        case .planning(let key, let places, let operation):
            return .planning(key.renumbered(map, places: places), places: places, operation)
        }
    }
}

/// The merged values the fold keeps while entries arrive: last-writer-wins registers and the pools'
/// observed-remove sets. Every write is commutative, associative and idempotent, so the order entries arrive in
/// never matters. Capacity records have no registers: `sortedRecords` resolves them from the chains at once.
struct Registers: Sendable {
    var needs: [NeedID: (mark: Mark, values: NeedValues)] = [:]
    var pledges: [PledgeID: (mark: Mark, values: UInt64)] = [:]
    var poolJoins: [PoolID: Set<EntryID>] = [:]
    /// Tags the partner's own leaves removed.
    var poolRemoved: [PoolID: Set<EntryID>] = [:]
    /// Every applied pool terms entry per item (a = item, b = partner): the earliest names the lead.
    var poolTerms: [UInt32: [(key: PlanKey, mark: Mark, terms: PoolTerms)]] = [:]
    var poolShares: [PlanKey: (mark: Mark, values: PoolShare)] = [:]
    var drawdowns: [PlanKey: (mark: Mark, values: DrawdownPlan)] = [:]
    var schedules: [PlanKey: (mark: Mark, values: DeliverySchedule)] = [:]
    var confirmations: [PlanKey: (mark: Mark, values: DeliveryConfirmation)] = [:]
    var orders: [PlanKey: (mark: Mark, values: FactoryOrder)] = [:]
    /// Every applied response (a = site owner, b = ordering partner, c = code): those from a partner other than the
    /// order's site owner are ignored at finish, so all are kept.
    var responses: [PlanKey: [(mark: Mark, response: OrderResponse)]] = [:]
    /// Every applied item definition per code (a = code, b = partner): the earliest names the code's owner.
    var itemDefinitions: [UInt32: [CatalogWrite<ItemDefinition>]] = [:]
    /// Every applied item group per group code (a = code, b = partner): the earliest names the group's owner.
    var itemGroups: [UInt32: [CatalogWrite<ItemGroup>]] = [:]

    /// Applies a need, pledge or pool operation. Each register is found with one hash: a missing key yields
    /// `Mark.unset`, which every real mark beats. Reports and retractions never come here: the chains keep them
    /// packed and `sortedRecords` resolves them.
    mutating func apply(_ operation: CompactOperation, mark: Mark) {
        switch operation {
        case .report, .retraction:
            break
        case .need(let id, let values):
            offer(&needs[id, default: (Mark.unset, values)], mark, values)
        case .pledge(let id, let quantity):
            offer(&pledges[id, default: (Mark.unset, quantity)], mark, quantity)
        case .join(let id):
            poolJoins[id, default: []].insert(mark.id)
        case .leave(let id, let tags):
            guard !tags.isEmpty else { return }
            poolRemoved[id, default: []].formUnion(tags)
        case .planning(let key, _, let planned):
            switch planned {
            case .poolTerms(let terms): poolTerms[key.a, default: []].append((key, mark, terms))
            case .poolShare(let share): offer(&poolShares[key, default: (Mark.unset, share)], mark, share)
            case .drawdownPlan(let plan): offer(&drawdowns[key, default: (Mark.unset, plan)], mark, plan)
            case .deliverySchedule(let value): offer(&schedules[key, default: (Mark.unset, value)], mark, value)
            case .deliveryConfirmation(let value):
                offer(&confirmations[key, default: (Mark.unset, value)], mark, value)
            case .factoryOrder(let value): offer(&orders[key, default: (Mark.unset, value)], mark, value)
            case .orderResponse(let value): responses[key, default: []].append((mark, value))
            case .itemDefinition(let value): itemDefinitions[key.a, default: []].append(.init(key, mark, value))
            case .itemGroup(let value): itemGroups[key.a, default: []].append(.init(key, mark, value))
            default: break
            }
        }
    }

    /// For each item with pool terms: the lead's latest terms, and the terms of other partners (ignored as
    /// `notPoolLead`). The lead is the partner of the earliest terms entry (smallest stamp).
    func poolLeads() -> (winners: [(key: PlanKey, mark: Mark, terms: PoolTerms)], others: [(Mark, PoolTerms, String)]) {
        var winners: [(key: PlanKey, mark: Mark, terms: PoolTerms)] = []
        var others: [(Mark, PoolTerms, String)] = []
        for (_, entries) in poolTerms {
            guard var founder = entries.first else { continue }
            for entry in entries where entry.mark < founder.mark { founder = entry }
            var winner = founder
            for entry in entries {
                if entry.key.b == founder.key.b {
                    if winner.mark < entry.mark { winner = entry }
                } else {
                    others.append((entry.mark, entry.terms, founder.terms.lead))
                }
            }
            winners.append(winner)
        }
        return (winners, others)
    }

    /// Entries the registers leave out once every entry is in: terms of a pool stated by a partner other than
    /// its lead.
    func ignoredEntries(authorKeys: [AuthorKey]) -> [IgnoredEntry] {
        let responses = standingResponses().others.map { mark, response, owner in
            IgnoredEntry(
                id: mark.id,
                author: authorKeys[Int(mark.authorRank)],
                seq: mark.seq,
                kind: EntryKind.orderResponse.rawValue,
                reason: .notSiteOwner,
                detail:
                    "\(response.siteOwner) answered order \(response.orderPartner):\(response.orderCode), placed at a "
                    + "site of \(owner) (only the site's partner answers)"
            )
        }
        return responses + catalogIgnoredEntries(authorKeys: authorKeys)
            + poolLeads().others.map { mark, terms, lead in
                IgnoredEntry(
                    id: mark.id,
                    author: authorKeys[Int(mark.authorRank)],
                    seq: mark.seq,
                    kind: EntryKind.poolTerms.rawValue,
                    reason: .notPoolLead,
                    detail:
                        "\(terms.lead) stated terms for the \(terms.item) pool, which \(lead) leads (only the lead changes them)"
                )
            }
    }

    /// Forgets every write (a rebuild applies the kept entries again).
    mutating func clear() {
        needs = [:]
        pledges = [:]
        poolJoins = [:]
        poolRemoved = [:]
        poolTerms = [:]
        poolShares = [:]
        drawdowns = [:]
        schedules = [:]
        confirmations = [:]
        orders = [:]
        responses = [:]
        itemDefinitions = [:]
        itemGroups = [:]
    }

    /// The responses that stand: per key the greatest stamp among those whose author is the order's site owner
    /// (or whose order is not in the state yet), and the others, ignored as `notSiteOwner`.
    func standingResponses() -> (
        winners: [(key: PlanKey, mark: Mark, response: OrderResponse)], others: [(Mark, OrderResponse, String)]
    ) {
        var winners: [(key: PlanKey, mark: Mark, response: OrderResponse)] = []
        var others: [(Mark, OrderResponse, String)] = []
        for (key, list) in responses {
            let owner = orders[PlanKey(a: key.b, b: key.c, c: 0)]?.values.siteOwner
            var best: (mark: Mark, response: OrderResponse)?
            for entry in list {
                if let owner, !FieldRules.sameBytes(owner, entry.response.siteOwner) {
                    others.append((entry.mark, entry.response, owner))
                } else if best.map({ $0.mark < entry.mark }) ?? true {
                    best = entry
                }
            }
            if let best { winners.append((key, best.mark, best.response)) }
        }
        return (winners, others)
    }

    /// The canonical state: registers sorted by the ranks of their strings, strings, values and author keys
    /// put back (records' from the winning entries in `chains`).
    func state(
        interner: Interner,
        authorKeys: [AuthorKey],
        chains: [AuthorChain],
        rosterHash: Bytes32,
        foldVersion: FoldVersion,
        ignored: [IgnoredEntry],
        flagged: [FlaggedEntry],
        entryCount: Int,
        asOf: HLCTimestamp?
    ) -> CoalitionState {
        let rank = interner.ranks()
        let text = interner.strings
        func r(_ number: UInt32) -> UInt64 { UInt64(rank[Int(number)]) }
        func stamp(_ mark: Mark) -> Stamp {
            Stamp(
                timestamp: HLCTimestamp(rawValue: mark.timestamp),
                author: authorKeys[Int(mark.authorRank)],
                seq: mark.seq,
                entryID: mark.id
            )
        }

        let sortedRecords = self.sortedRecords(rank: rank, text: text, authorKeys: authorKeys, chains: chains)

        let needPairs: [(key: UInt64, id: NeedID, mark: Mark, values: NeedValues)] = needs.map { id, value in
            (r(id.owner) << 32 | r(id.code), id, value.mark, value.values)
        }
        let sortedNeeds = needPairs.sorted { $0.key < $1.key }.map { pair -> CoalitionState.NeedRecord in
            let v = pair.values
            let need = Need(
                unchecked: text[Int(pair.id.owner)],
                code: text[Int(pair.id.code)],
                item: text[Int(v.item)],
                quantity: v.quantity,
                due: v.due,
                priority: v.priority,
                isOpen: v.isOpen
            )
            return CoalitionState.NeedRecord(need: need, setBy: stamp(pair.mark))
        }

        let pledgePairs: [(key: UInt64, low: UInt64, id: PledgeID, mark: Mark, quantity: UInt64)] = pledges.map {
            id,
            value in
            (r(id.partner) << 32 | r(id.owner), r(id.code), id, value.mark, value.values)
        }
        let sortedPledges = pledgePairs.sorted { ($0.key, $0.low) < ($1.key, $1.low) }.map {
            pair -> CoalitionState.PledgeRecord in
            let pledge = Pledge(
                unchecked: text[Int(pair.id.partner)],
                needOwner: text[Int(pair.id.owner)],
                needCode: text[Int(pair.id.code)],
                quantity: pair.quantity
            )
            return CoalitionState.PledgeRecord(pledge: pledge, setBy: stamp(pair.mark))
        }

        var memberships: [(PoolID, [EntryID])] = []
        for (id, joins) in poolJoins {
            let live = poolRemoved[id].map { joins.subtracting($0) } ?? joins
            if !live.isEmpty { memberships.append((id, live.sorted())) }
        }
        let sortedPools =
            memberships
            .sorted { r($0.0.item) << 32 | r($0.0.partner) < r($1.0.item) << 32 | r($1.0.partner) }
            .map {
                CoalitionState.PoolMembership(item: text[Int($0.0.item)], partner: text[Int($0.0.partner)], tags: $0.1)
            }

        func planKeyOrder(_ x: PlanKey, _ y: PlanKey) -> Bool { (r(x.a), r(x.b), r(x.c)) < (r(y.a), r(y.b), r(y.c)) }
        let sortedTerms = poolLeads().winners.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.terms, setBy: stamp($0.mark))
        }
        let sortedShares = poolShares.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.value.values, setBy: stamp($0.value.mark))
        }
        let sortedDrawdowns = drawdowns.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.value.values, setBy: stamp($0.value.mark))
        }
        let sortedSchedules = schedules.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.value.values, setBy: stamp($0.value.mark))
        }
        let sortedConfirmations = confirmations.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.value.values, setBy: stamp($0.value.mark))
        }
        let sortedOrders = orders.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.value.values, setBy: stamp($0.value.mark))
        }
        let sortedResponses = standingResponses().winners.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.response, setBy: stamp($0.mark))
        }

        let catalog = catalogOwners()
        let sortedDefinitions = catalog.definitions.sorted { planKeyOrder($0.key, $1.key) }.map {
            CoalitionState.Stamped(value: $0.value, setBy: stamp($0.mark))
        }
        let sortedGroups = catalog.groups.sorted { planKeyOrder($0.winner.key, $1.winner.key) }.map {
            CoalitionState.GroupRecord(group: $0.winner.value, since: stamp($0.founder), setBy: stamp($0.winner.mark))
        }

        return CoalitionState(
            sortedRosterHash: rosterHash,
            foldVersion: foldVersion,
            records: sortedRecords,
            needs: sortedNeeds,
            pledges: sortedPledges,
            pools: sortedPools,
            poolTerms: sortedTerms,
            poolShares: sortedShares,
            drawdowns: sortedDrawdowns,
            schedules: sortedSchedules,
            confirmations: sortedConfirmations,
            orders: sortedOrders,
            responses: sortedResponses,
            itemDefinitions: sortedDefinitions,
            itemGroups: sortedGroups,
            ignored: ignored,
            flagged: flagged,
            entryCount: entryCount,
            asOf: asOf
        )
    }

    /// The capacity records in canonical order, resolved from the chains: one sequential pass collects every
    /// applicable report and retraction under its packed rank key, one radix sort brings each record's writes
    /// together, the greatest stamp of each run wins, and one pass builds the output with its capacity
    /// reserved (strings read back through the ranks, values from the winning entries).
    private func sortedRecords(
        rank: [UInt32],
        text: [String],
        authorKeys: [AuthorKey],
        chains: [AuthorChain]
    ) -> [CoalitionState.Record] {
        var order: [RecordOrderKey] = []
        order.reserveCapacity(chains.reduce(0) { $0 + $1.count })
        for author in chains.indices {
            let cutoff = chains[author].cutoff
            let lastValidLimit = chains[author].lastValidLimit
            let partner = UInt64(rank[Int(chains[author].partnerNumber)])
            chains[author].kept.withUnsafeBufferPointer { kept in
                for index in kept.indices {
                    let entry = kept[index]
                    guard entry.operation.writesRecord,
                        AuthorChain.applies(entry, cutoff: cutoff, lastValidLimit: lastValidLimit)
                    else { continue }
                    let operation = entry.operation
                    order.append(
                        RecordOrderKey(
                            high: partner << 32 | UInt64(rank[Int(operation.item)]),
                            low: UInt64(rank[Int(operation.site)]) << 32 | UInt64(operation.period),
                            entry: EntryRef(rank: UInt32(author), index: UInt32(index))
                        )
                    )
                }
            }
        }
        RecordOrder.sort(&order)

        var byRank = [UInt32](repeating: 0, count: rank.count)
        for (number, position) in rank.enumerated() { byRank[Int(position)] = UInt32(number) }
        func string(_ rankValue: UInt64) -> String { text[Int(byRank[Int(rankValue)])] }

        var sorted: [CoalitionState.Record] = []
        sorted.reserveCapacity(order.count)
        var start = 0
        while start < order.count {
            let key = order[start]
            // The run of this record's writes: last writer wins.
            var winner = key.entry
            var end = start + 1
            while end < order.count, order[end].high == key.high, order[end].low == key.low {
                if Registers.precedes(winner, order[end].entry, in: chains) { winner = order[end].entry }
                end += 1
            }
            start = end

            let author = Int(winner.rank)
            let index = Int(winner.index)
            let entry = chains[author].kept[index]
            let setBy = Stamp(
                timestamp: HLCTimestamp(rawValue: entry.timestamp),
                author: authorKeys[author],
                seq: entry.seq,
                entryID: chains[author].ids[index]
            )
            let partner = string(key.high >> 32)
            let item = string(key.high & 0xffff_ffff)
            let site = string(key.low >> 32)
            let period = Period(
                unchecked: UInt16(truncatingIfNeeded: key.low >> 8),
                month: UInt8(truncatingIfNeeded: key.low)
            )
            var report: CapacityReport?
            let operation = entry.operation
            if operation.tag == .report {
                report = CapacityReport(
                    unchecked: partner,
                    item: item,
                    site: site,
                    period: period,
                    monthlyCapacity: operation.capacity,
                    monthlyOutput: operation.output,
                    stockOnHand: operation.stock,
                    stockThreshold: operation.threshold,
                    leadTimeDays: operation.leadTime,
                    // The array read directly: a method call on `chains[author]` can copy the whole chain.
                    constraints: operation.side == 0 ? "" : chains[author].constraints[Int(operation.side - 1)]
                )
            }
            sorted.append(
                CoalitionState.Record(
                    partner: partner,
                    item: item,
                    site: site,
                    period: period,
                    setBy: setBy,
                    report: report
                )
            )
        }
        return sorted
    }

    /// Last writer wins: whether entry `a`'s stamp is below `b`'s (timestamp, then author key — rank order is
    /// key order — then entry id).
    private static func precedes(_ a: EntryRef, _ b: EntryRef, in chains: [AuthorChain]) -> Bool {
        let ta = chains[Int(a.rank)].kept[Int(a.index)].timestamp
        let tb = chains[Int(b.rank)].kept[Int(b.index)].timestamp
        if ta != tb { return ta < tb }
        if a.rank != b.rank { return a.rank < b.rank }
        return chains[Int(a.rank)].ids[Int(a.index)] < chains[Int(b.rank)].ids[Int(b.index)]
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
