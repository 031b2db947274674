import CapSyncCrypto
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire
import Testing

/// Generates random coalitions' entry sets: several partners and keys (one outside the roster, one retired
/// early), conflicting writes on a small key space, ties, forks, bad entries.
struct RandomCoalition {
    struct Author {
        let partner: String
        let key: AuthorKey
    }

    static let partners = ["NO", "PL", "UA", "DE"]
    static let authors: [Author] = [
        Author(partner: "NO", key: keyFor(1)), Author(partner: "NO", key: keyFor(2)),
        Author(partner: "PL", key: keyFor(3)),
        Author(partner: "UA", key: keyFor(4)), Author(partner: "DE", key: keyFor(5)),
        Author(partner: "XX", key: keyFor(6)),
    ]
    static let items = ["SHELL-155-HE", "BARREL-155"]
    static let sites = ["Plant-A", "Plant-B"]
    static let periods = ["2025-12", "2026-09", "2026-10", "2026-11", "2026-12", "2031-01"].map { try! Period($0) }
    static let needCodes = ["N1", "N2"]
    static let base: UInt64 = 1_000_000

    /// Distinct fixed author keys (not real public keys: the fold never verifies signatures).
    static func keyFor(_ n: UInt8) -> AuthorKey { AuthorKey(SHA256.hash([n])) }

    var rng: SplitMix64

    mutating func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
    mutating func number(_ upTo: UInt64) -> UInt64 { rng.next() % (upTo + 1) }

    var roster: Roster {
        try! Roster(
            serial: 3,
            members: RandomCoalition.authors.dropLast().map {
                Roster.Member(partner: $0.partner, key: $0.key, lastValidSeq: $0.partner == "DE" ? 4 : nil)
            }
        )
    }

    mutating func operation(
        for partner: String,
        joins: [(partner: String, item: String, id: EntryID)]
    ) -> (kind: UInt64, payload: [UInt8], version: UInt8) {
        let writer = chance(6) ? pick(RandomCoalition.partners) : partner
        let roll = number(127)
        let operation: Operation
        switch roll {
        case 0..<30:
            operation = .capacityReport(
                try! CapacityReport(
                    partner: writer,
                    item: pick(Self.items),
                    site: pick(Self.sites),
                    period: pick(Self.periods),
                    monthlyCapacity: number(5) * 100,
                    monthlyOutput: number(5) * 90,
                    stockOnHand: number(8) * 100,
                    stockThreshold: number(4) * 100,
                    leadTimeDays: number(60),
                    constraints: chance(20) ? "energy" : ""
                )
            )
        case 30..<40:
            operation = .reportRetraction(
                try! ReportRetraction(
                    partner: writer,
                    item: pick(Self.items),
                    site: pick(Self.sites),
                    period: pick(Self.periods)
                )
            )
        case 40..<55:
            operation = .need(
                try! Need(
                    owner: writer,
                    code: pick(Self.needCodes),
                    item: pick(Self.items),
                    quantity: number(10) * 1000,
                    due: try! Day(year: 2027, month: UInt8(1 + number(2)), day: UInt8(1 + number(27))),
                    priority: UInt8(1 + number(4)),
                    isOpen: !chance(20)
                )
            )
        case 55..<72:
            operation = .pledge(
                try! Pledge(
                    partner: writer,
                    needOwner: pick(Self.partners),
                    needCode: pick(Self.needCodes),
                    quantity: number(3) * 500
                )
            )
        case 72..<84:
            operation = .poolJoin(try! PoolJoin(partner: writer, item: pick(Self.items)))
        case 84..<94:
            let item = pick(Self.items)
            var tags = joins.filter { $0.partner == writer && $0.item == item && chance(70) }.map(\.id)
            if chance(20), !joins.isEmpty { tags.append(pick(joins).id) }
            operation = .poolLeave(try! PoolLeave(partner: writer, item: item, observedTags: tags))
        case 94..<96:
            return (UInt64(7 + number(3)), [1, 2, 3], 1)
        case 96..<98:
            let good = Operation.pledge(try! Pledge(partner: writer, needOwner: "UA", needCode: "N1", quantity: 5))
            return (good.kind.rawValue, chance(50) ? good.payload() + [0] : Array(good.payload().dropLast()), 1)
        case 98..<100:
            let good = Operation.poolJoin(try! PoolJoin(partner: writer, item: "BARREL-155"))
            return (good.kind.rawValue, good.payload(), 2)
        case 100..<104:
            operation = .poolTerms(
                try! PoolTerms(
                    lead: writer,
                    item: pick(Self.items),
                    target: number(4) * 100,
                    status: PoolStatus(rawValue: UInt8(number(3)))!
                )
            )
        case 104..<107:
            operation = .poolShare(try! PoolShare(partner: writer, item: pick(Self.items), quantity: number(3) * 50))
        case 112..<116:
            let months =
                [("2026-10", number(3) * 100, number(3) * 100)].filter { _ in chance(80) }
                + [("2026-12", number(3) * 100, 0)]
            operation = .deliverySchedule(
                try! DeliverySchedule(
                    partner: writer,
                    needOwner: pick(Self.partners),
                    needCode: pick(Self.needCodes),
                    months: months.map { DeliveryMonth(month: try! Period($0.0), quantity: $0.1, delivered: $0.2) }
                )
            )
        case 116..<120:
            operation = .deliveryConfirmation(
                try! DeliveryConfirmation(
                    needOwner: writer,
                    needCode: pick(Self.needCodes),
                    pledger: pick(Self.partners),
                    months: [DeliveryMonth(month: Sample.month, quantity: number(3) * 100)]
                )
            )
        case 120..<124:
            operation = .factoryOrder(
                try! FactoryOrder(
                    partner: writer,
                    code: pick(Self.needCodes),
                    siteOwner: pick(Self.partners),
                    site: pick(Self.sites),
                    item: pick(Self.items),
                    quantity: number(3) * 100,
                    wantedFrom: Sample.month,
                    wantedTo: Sample.nextMonth,
                    priority: UInt8(1 + number(4)),
                    isOpen: !chance(20)
                )
            )
        case 124..<128:
            operation = .orderResponse(
                try! OrderResponse(
                    siteOwner: writer,
                    orderPartner: pick(Self.partners),
                    orderCode: pick(Self.needCodes),
                    slot: chance(30) ? nil : DeliveryMonth(month: Sample.nextMonth, quantity: number(3) * 100)
                )
            )
        default:
            let from = pick(Self.periods)
            let refill =
                chance(50) ? [] : [DrawdownPlan.RefillStep(month: try! Period("2031-06"), stock: number(5) * 100)]
            operation = .drawdownPlan(
                try! DrawdownPlan(
                    partner: writer,
                    item: pick(Self.items),
                    site: pick(Self.sites),
                    from: from,
                    to: max(from, pick(Self.periods)),
                    floor: number(3) * 100,
                    refill: refill,
                    isActive: !chance(20)
                )
            )
        }
        return (operation.kind.rawValue, operation.payload(), 1)
    }

    /// One random entry set, plus the inputs of the fold that goes with it.
    mutating func make() -> (entries: [Entry], forks: [AuthorKey: UInt64], now: UInt64?, asOf: HLCTimestamp?) {
        var entries: [Entry] = []
        var joins: [(partner: String, item: String, id: EntryID)] = []
        var chains: [AuthorKey: [Entry]] = [:]
        var clocks: [AuthorKey: UInt64] = [:]
        let authorCount = Self.authors.count
        let total = Int(number(40))
        for _ in 0..<total {
            let author = Self.authors[Int(rng.next() % UInt64(authorCount))]
            let chain = chains[author.key] ?? []
            let previous = clocks[author.key] ?? (RandomCoalition.base << 16)
            let timestamp = HLCTimestamp(rawValue: previous + 1 + number(2) * 30_000)
            clocks[author.key] = timestamp.rawValue
            let (kind, payload, version) = operation(for: author.partner, joins: joins)
            let entry = unsignedEntry(
                author: author.key,
                seq: UInt64(chain.count + 1),
                prev: chain.last?.id ?? .zero,
                timestamp: timestamp,
                kind: kind,
                payload: payload,
                version: version
            )
            if kind == EntryKind.poolJoin.rawValue, version == 1, let op = try? Operation(entry: entry),
                case .poolJoin(let join) = op
            {
                joins.append((join.partner, join.item, entry.id))
            }
            chains[author.key, default: []].append(entry)
            entries.append(entry)
        }
        // Equivocations: a second entry at a seq already used.
        if chance(20), let victim = entries.randomElement(using: &rng) {
            let (kind, payload, version) = operation(
                for: Self.authors.first { $0.key == victim.author }!.partner,
                joins: joins
            )
            entries.append(
                unsignedEntry(
                    author: victim.author,
                    seq: victim.seq,
                    prev: victim.prev,
                    timestamp: HLCTimestamp(rawValue: victim.timestamp.rawValue + number(1)),
                    kind: kind,
                    payload: payload,
                    version: version
                )
            )
        }
        var forks: [AuthorKey: UInt64] = [:]
        if chance(10) { forks[pick(Self.authors).key] = 1 + number(6) }
        let now: UInt64? = chance(50) ? RandomCoalition.base - 300_000 + number(3) * 30_000 : nil
        let asOf: HLCTimestamp? =
            chance(15) ? HLCTimestamp(rawValue: (RandomCoalition.base << 16) + number(8) * 30_000) : nil
        return (entries, forks, now, asOf)
    }
}

@Suite struct ReferenceModelTests {
    /// Thousands of random entry sets, delivered shuffled, with duplicates, split across partial folds that are
    /// finished midway and merged in random order: always the reference model's bytes, listing and flags.
    @Test(arguments: 0..<4)
    func realFoldMatchesTheNaiveModel(batch: UInt64) throws {
        var generator = RandomCoalition(rng: SplitMix64(seed: 0xC0A1_1710 + batch))
        let roster = generator.roster
        for _ in 0..<500 {
            let (entries, forks, now, asOf) = generator.make()
            let reference = ReferenceFold(roster: roster, forks: forks, nowMilliseconds: now, asOf: asOf).run(entries)
            let configuration = Fold(roster: roster, forks: forks, nowMilliseconds: now, asOf: asOf)

            // Delivery: shuffled with duplicates, split into 1–4 partial folds merged in random order.
            var delivery = entries + entries.filter { _ in generator.chance(25) }
            delivery.shuffle(using: &generator.rng)
            let parts = Int(1 + generator.number(3))
            var partials: [FoldState] = []
            for part in 0..<parts {
                var state = FoldState(configuration)
                for (index, entry) in delivery.enumerated() where index % parts == part {
                    state.add(entry)
                    if generator.chance(5) { _ = state.finish() }
                }
                partials.append(state)
            }
            partials.shuffle(using: &generator.rng)
            var combined = partials[0]
            for other in partials.dropFirst() { try combined.merge(other) }
            let result = combined.finish()

            // Booleans, not the byte arrays: Swift Testing describes compared values even when they match.
            let matchesReference = result.canonicalBytes == reference.canonicalBytes
            let sameIgnored =
                result.ignored.map(\.id) == reference.ignored.map(\.id)
                && result.ignored.map(\.reason) == reference.ignored.map(\.reason)
            let sameFlags = result.flagged.map(\.id) == reference.flagged
            #expect(matchesReference, "entries: \(entries.map { Hex.encode($0.encoded) })")
            #expect(sameIgnored)
            #expect(sameFlags)

            // A second delivery order, folded in one go, gives the same bytes and digest.
            let again = configuration(entries.shuffled(using: &generator.rng))
            let sameAgain =
                again.canonicalBytes == result.canonicalBytes && again.digest == result.digest
                && again.digest == Bytes32(SHA256.hash(reference.canonicalBytes))
            #expect(sameAgain)
            if !matchesReference { return }
        }
    }
}
