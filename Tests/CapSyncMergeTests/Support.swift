import CapSyncCrypto
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire

/// A signing identity for tests: a key from a fixed seed, its partner, and its chain so far.
final class TestAuthor {
    let partner: String
    let key: Ed25519PrivateKey
    let authorKey: AuthorKey
    private(set) var seq: UInt64 = 0
    private(set) var head: EntryID = .zero

    init(partner: String, seedByte: UInt8) {
        self.partner = partner
        key = try! Ed25519PrivateKey(seed: [UInt8](repeating: seedByte, count: 32))
        authorKey = AuthorKey(key.publicKey)
    }

    /// Appends a really signed entry (for the vectors and rule tests).
    func append(
        _ operation: Operation,
        at milliseconds: UInt64,
        logical: UInt16 = 0,
        version: UInt8 = 1
    ) -> Entry {
        append(
            kind: operation.kind.rawValue,
            payload: operation.payload(),
            at: milliseconds,
            logical: logical,
            version: version
        )
    }

    func append(
        kind: UInt64,
        payload: [UInt8],
        at milliseconds: UInt64,
        logical: UInt16 = 0,
        version: UInt8 = 1
    ) -> Entry {
        let entry = try! Entry.sign(
            version: version,
            key: key,
            seq: seq + 1,
            prev: head,
            timestamp: HLCTimestamp(milliseconds: milliseconds, logical: logical),
            kind: kind,
            payload: payload
        )
        seq += 1
        head = entry.id
        return entry
    }

    /// A second, different entry at an already used seq: an equivocation.
    func forkedEntry(atSeq seq: UInt64, prev: EntryID, _ operation: Operation, at milliseconds: UInt64) -> Entry {
        try! Entry.sign(
            key: key,
            seq: seq,
            prev: seq == 1 ? .zero : prev,
            timestamp: HLCTimestamp(milliseconds: milliseconds),
            kind: operation.kind.rawValue,
            payload: operation.payload()
        )
    }
}

/// An entry with a placeholder signature: the fold never checks signatures (ingest does), so the large random
/// tests skip the cost of signing.
func unsignedEntry(
    author: AuthorKey,
    seq: UInt64,
    prev: EntryID,
    timestamp: HLCTimestamp,
    kind: UInt64,
    payload: [UInt8],
    version: UInt8 = 1
) -> Entry {
    var writer = ByteWriter(capacity: 160 + payload.count)
    writer.writeUInt8(version)
    writer.writeBytes(author.bytes)
    writer.writeVarint(seq)
    writer.writeBytes(prev.bytes)
    writer.writeUInt64(timestamp.rawValue)
    writer.writeVarint(kind)
    writer.writeLengthPrefixed(payload)
    writer.writeBytes([UInt8](repeating: 0, count: Entry.signatureSize))
    return try! Entry(decoding: writer.bytes)
}

enum Sample {
    static let month = try! Period("2026-10")
    static let nextMonth = try! Period("2026-11")
    static let due = try! Day("2027-01-31")

    static func report(
        _ partner: String,
        item: String = "SHELL-155-HE",
        site: String = "Plant-1",
        period: Period = month,
        capacity: UInt64 = 1000,
        output: UInt64 = 900,
        stock: UInt64 = 5000,
        threshold: UInt64 = 2000,
        lead: UInt64 = 30,
        constraints: String = ""
    ) -> Operation {
        .capacityReport(
            try! CapacityReport(
                partner: partner,
                item: item,
                site: site,
                period: period,
                monthlyCapacity: capacity,
                monthlyOutput: output,
                stockOnHand: stock,
                stockThreshold: threshold,
                leadTimeDays: lead,
                constraints: constraints
            )
        )
    }

    static func retraction(
        _ partner: String,
        item: String = "SHELL-155-HE",
        site: String = "Plant-1",
        period: Period = month
    ) -> Operation {
        .reportRetraction(try! ReportRetraction(partner: partner, item: item, site: site, period: period))
    }

    static func need(
        _ owner: String,
        code: String = "NEED-001",
        item: String = "SHELL-155-HE",
        quantity: UInt64 = 10_000,
        due: Day = due,
        priority: UInt8 = 1,
        open: Bool = true
    ) -> Operation {
        .need(
            try! Need(
                owner: owner,
                code: code,
                item: item,
                quantity: quantity,
                due: due,
                priority: priority,
                isOpen: open
            )
        )
    }

    static func pledge(_ partner: String, to owner: String, code: String = "NEED-001", quantity: UInt64) -> Operation {
        .pledge(try! Pledge(partner: partner, needOwner: owner, needCode: code, quantity: quantity))
    }

    static func join(_ partner: String, item: String = "BARREL-155") -> Operation {
        .poolJoin(try! PoolJoin(partner: partner, item: item))
    }

    static func leave(_ partner: String, item: String = "BARREL-155", tags: [EntryID]) -> Operation {
        .poolLeave(try! PoolLeave(partner: partner, item: item, observedTags: tags))
    }
}

extension Sample {
    static func terms(
        _ lead: String,
        item: String = "BARREL-155",
        target: UInt64 = 400,
        status: PoolStatus = .forming
    )
        -> Operation
    {
        .poolTerms(try! PoolTerms(lead: lead, item: item, target: target, status: status))
    }

    static func share(_ partner: String, item: String = "BARREL-155", quantity: UInt64) -> Operation {
        .poolShare(try! PoolShare(partner: partner, item: item, quantity: quantity))
    }

    static func drawdown(
        _ partner: String,
        item: String = "SHELL-155-HE",
        site: String = "Plant-1",
        from: String = "2026-11",
        to: String = "2027-02",
        floor: UInt64 = 800,
        refill: [(String, UInt64)] = [("2027-03", 1500), ("2027-05", 2500)],
        active: Bool = true
    ) -> Operation {
        .drawdownPlan(
            try! DrawdownPlan(
                partner: partner,
                item: item,
                site: site,
                from: try! Period(from),
                to: try! Period(to),
                floor: floor,
                refill: refill.map { DrawdownPlan.RefillStep(month: try! Period($0.0), stock: $0.1) },
                isActive: active
            )
        )
    }
}

extension Sample {
    static func schedule(
        _ partner: String,
        to owner: String,
        code: String = "NEED-001",
        _ rows: [(String, UInt64, UInt64)]
    ) -> Operation {
        .deliverySchedule(
            try! DeliverySchedule(
                partner: partner,
                needOwner: owner,
                needCode: code,
                months: rows.map { DeliveryMonth(month: try! Period($0.0), quantity: $0.1, delivered: $0.2) }
            )
        )
    }

    static func confirmation(
        _ owner: String,
        code: String = "NEED-001",
        from pledger: String,
        _ rows: [(String, UInt64)]
    ) -> Operation {
        .deliveryConfirmation(
            try! DeliveryConfirmation(
                needOwner: owner,
                needCode: code,
                pledger: pledger,
                months: rows.map { DeliveryMonth(month: try! Period($0.0), quantity: $0.1) }
            )
        )
    }
}

extension Sample {
    static func order(
        _ partner: String,
        code: String = "ORD-1",
        at siteOwner: String,
        site: String = "Plant-1",
        item: String = "SHELL-155-HE",
        quantity: UInt64,
        wanted: (String, String) = ("2026-11", "2026-12"),
        priority: UInt8 = 2,
        open: Bool = true
    ) -> Operation {
        .factoryOrder(
            try! FactoryOrder(
                partner: partner,
                code: code,
                siteOwner: siteOwner,
                site: site,
                item: item,
                quantity: quantity,
                wantedFrom: try! Period(wanted.0),
                wantedTo: try! Period(wanted.1),
                priority: priority,
                isOpen: open
            )
        )
    }

    static func answer(
        _ siteOwner: String,
        to partner: String,
        code: String = "ORD-1",
        slot: (String, UInt64)?
    )
        -> Operation
    {
        .orderResponse(
            try! OrderResponse(
                siteOwner: siteOwner,
                orderPartner: partner,
                orderCode: code,
                slot: slot.map { DeliveryMonth(month: try! Period($0.0), quantity: $0.1) }
            )
        )
    }
}

func roster(_ authors: [TestAuthor], lastValid: [AuthorKey: UInt64] = [:]) -> Roster {
    try! Roster(
        serial: 1,
        members: authors.map {
            Roster.Member(partner: $0.partner, key: $0.authorKey, lastValidSeq: lastValid[$0.authorKey])
        }
    )
}

extension Sample {
    static func definition(
        _ partner: String,
        code: String = "SHELL-155-HE-M795",
        name: String = "155 mm HE M795",
        unit: String = "rounds",
        category: String = "ammunition",
        nsn: String = ""
    ) -> Operation {
        .itemDefinition(
            try! ItemDefinition(partner: partner, code: code, name: name, unit: unit, category: category, nsn: nsn)
        )
    }

    static func group(
        _ partner: String,
        code: String = "GRP-155-HE",
        name: String = "155 mm HE",
        members: [String]
    )
        -> Operation
    {
        .itemGroup(try! ItemGroup(partner: partner, code: code, name: name, members: members))
    }
}
