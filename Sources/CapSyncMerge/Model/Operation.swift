public import CapSyncWire

/// The entry kinds the fold understands (Entry.kind). Numbers are fixed forever; new kinds get new numbers,
/// and a fold that does not know a kind ignores and lists it.
public enum EntryKind: UInt64, Sendable, Hashable, CaseIterable, Codable {
    case capacityReport = 1
    case reportRetraction = 2
    case need = 3
    case pledge = 4
    case poolJoin = 5
    case poolLeave = 6
    case itemDefinition = 7
    case itemGroup = 8
    case poolTerms = 9
    case poolShare = 10
    case drawdownPlan = 11
    case deliverySchedule = 12
    case deliveryConfirmation = 13
    case factoryOrder = 14
    case orderResponse = 15

    public var name: String {
        switch self {
        case .capacityReport: "capacity report"
        case .reportRetraction: "report retraction"
        case .need: "need"
        case .pledge: "pledge"
        case .poolJoin: "pool join"
        case .poolLeave: "pool leave"
        case .itemDefinition: "item definition"
        case .itemGroup: "item group"
        case .poolTerms: "pool terms"
        case .poolShare: "pool share"
        case .drawdownPlan: "drawdown plan"
        case .deliverySchedule: "delivery schedule"
        case .deliveryConfirmation: "delivery confirmation"
        case .factoryOrder: "factory order"
        case .orderResponse: "order response"
        }
    }
}

/// One decoded operation: what an entry asks the coalition view to do. The CLI builds one and appends
/// `kind` + `payload()`; `log` and the fold decode entries back with `init(entry:)`.
public enum Operation: Sendable, Hashable {
    case capacityReport(CapacityReport)
    case reportRetraction(ReportRetraction)
    case need(Need)
    case pledge(Pledge)
    case poolJoin(PoolJoin)
    case poolLeave(PoolLeave)
    case itemDefinition(ItemDefinition)
    case itemGroup(ItemGroup)
    case poolTerms(PoolTerms)
    case poolShare(PoolShare)
    case drawdownPlan(DrawdownPlan)
    case deliverySchedule(DeliverySchedule)
    case deliveryConfirmation(DeliveryConfirmation)
    case factoryOrder(FactoryOrder)
    case orderResponse(OrderResponse)

    /// The entry format version whose payloads this fold reads.
    public static let entryVersion: UInt8 = 1

    /// Decodes an entry's payload strictly; refuses other entry versions and unknown kinds.
    public init(entry: Entry) throws(MergeError) {
        guard entry.version == Operation.entryVersion else {
            throw MergeError(
                .unsupportedVersion,
                "entry version \(entry.version) is not read by this fold (version 1 only)",
                context: "entry"
            )
        }
        let payload = entry.payload
        var reader = ByteReader(entry.encoded, range: payload.startIndex..<payload.endIndex)
        try self.init(kind: entry.kind, reading: &reader)
    }

    /// Decodes a payload of the given raw kind; the payload must be exactly `bytes`.
    public init(kind: UInt64, payload bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes)
        try self.init(kind: kind, reading: &reader)
    }

    init(kind rawKind: UInt64, reading reader: inout ByteReader) throws(MergeError) {
        guard let kind = EntryKind(rawValue: rawKind) else {
            throw MergeError(.unknownKind, "entry kind \(rawKind) is not known to this fold", context: "entry.kind")
        }
        reader.context = kind.name
        switch kind {
        case .capacityReport: self = .capacityReport(try CapacityReport(reading: &reader))
        case .reportRetraction: self = .reportRetraction(try ReportRetraction(reading: &reader))
        case .need: self = .need(try Need(reading: &reader))
        case .pledge: self = .pledge(try Pledge(reading: &reader))
        case .poolJoin: self = .poolJoin(try PoolJoin(reading: &reader))
        case .poolLeave: self = .poolLeave(try PoolLeave(reading: &reader))
        case .itemDefinition: self = .itemDefinition(try ItemDefinition(reading: &reader))
        case .itemGroup: self = .itemGroup(try ItemGroup(reading: &reader))
        case .poolTerms: self = .poolTerms(try PoolTerms(reading: &reader))
        case .poolShare: self = .poolShare(try PoolShare(reading: &reader))
        case .drawdownPlan: self = .drawdownPlan(try DrawdownPlan(reading: &reader))
        case .deliverySchedule: self = .deliverySchedule(try DeliverySchedule(reading: &reader))
        case .deliveryConfirmation: self = .deliveryConfirmation(try DeliveryConfirmation(reading: &reader))
        case .factoryOrder: self = .factoryOrder(try FactoryOrder(reading: &reader))
        case .orderResponse: self = .orderResponse(try OrderResponse(reading: &reader))
        }
    }

    public var kind: EntryKind {
        switch self {
        case .capacityReport: .capacityReport
        case .reportRetraction: .reportRetraction
        case .need: .need
        case .pledge: .pledge
        case .poolJoin: .poolJoin
        case .poolLeave: .poolLeave
        case .itemDefinition: .itemDefinition
        case .itemGroup: .itemGroup
        case .poolTerms: .poolTerms
        case .poolShare: .poolShare
        case .drawdownPlan: .drawdownPlan
        case .deliverySchedule: .deliverySchedule
        case .deliveryConfirmation: .deliveryConfirmation
        case .factoryOrder: .factoryOrder
        case .orderResponse: .orderResponse
        }
    }

    /// The canonical payload bytes (Protocol/payloads.md).
    public func payload() -> [UInt8] {
        switch self {
        case .capacityReport(let value): value.encoded
        case .reportRetraction(let value): value.encoded
        case .need(let value): value.encoded
        case .pledge(let value): value.encoded
        case .poolJoin(let value): value.encoded
        case .poolLeave(let value): value.encoded
        case .itemDefinition(let value): value.encoded
        case .itemGroup(let value): value.encoded
        case .poolTerms(let value): value.encoded
        case .poolShare(let value): value.encoded
        case .drawdownPlan(let value): value.encoded
        case .deliverySchedule(let value): value.encoded
        case .deliveryConfirmation(let value): value.encoded
        case .factoryOrder(let value): value.encoded
        case .orderResponse(let value): value.encoded
        }
    }

    /// The partner whose records this operation writes: it must be the author's partner in the roster.
    public var partner: String {
        switch self {
        case .capacityReport(let value): value.partner
        case .reportRetraction(let value): value.partner
        case .need(let value): value.owner
        case .pledge(let value): value.partner
        case .poolJoin(let value): value.partner
        case .poolLeave(let value): value.partner
        case .itemDefinition(let value): value.partner
        case .itemGroup(let value): value.partner
        case .poolTerms(let value): value.lead
        case .poolShare(let value): value.partner
        case .drawdownPlan(let value): value.partner
        case .deliverySchedule(let value): value.partner
        case .deliveryConfirmation(let value): value.needOwner
        case .factoryOrder(let value): value.partner
        case .orderResponse(let value): value.siteOwner
        }
    }
}

/// `Operation` under a name that does not collide with Foundation's `Operation` in files importing both.
public typealias MergeOperation = Operation

extension Operation: CustomStringConvertible {
    /// One line for `log` and audit listings.
    public var description: String {
        switch self {
        case .capacityReport(let r):
            "capacity report \(r.partner) \(r.item) \(r.site) \(r.period): " + CoalitionState.summary(r)
        case .reportRetraction(let r):
            "report retraction \(r.partner) \(r.item) \(r.site) \(r.period)"
        case .need(let n):
            "need \(n.owner) \(n.code): \(n.quantity) \(n.item) due \(n.due) priority \(n.priority) \(n.isOpen ? "open" : "closed")"
        case .pledge(let p):
            "pledge \(p.partner) -> \(p.needOwner) \(p.needCode): \(p.quantity)"
        case .poolJoin(let j):
            "pool join \(j.partner) \(j.item)"
        case .poolLeave(let l):
            "pool leave \(l.partner) \(l.item) (\(l.observedTags.count) tag\(l.observedTags.count == 1 ? "" : "s"))"
        case .itemDefinition(let d):
            "item definition \(d.partner) \(d.code): \(d.name), in \(d.unit), \(d.category)"
                + (d.nsn.isEmpty ? "" : ", NSN \(d.nsn)")
        case .itemGroup(let g):
            "item group \(g.partner) \(g.code): \(g.name), "
                + (g.members.isEmpty ? "dissolved" : g.members.joined(separator: ", "))
        case .poolTerms(let t):
            "pool terms \(t.lead) \(t.item): target \(t.target), \(t.status)"
        case .poolShare(let s):
            "pool share \(s.partner) \(s.item): \(s.quantity)"
        case .drawdownPlan(let d):
            "drawdown plan \(d.partner) \(d.item) \(d.site): \(d.from)–\(d.to) floor \(d.floor), "
                + "\(d.refill.count) refill step\(d.refill.count == 1 ? "" : "s")\(d.isActive ? "" : " (withdrawn)")"
        case .deliverySchedule(let d):
            "delivery schedule \(d.partner) -> \(d.needOwner) \(d.needCode): promised \(d.promised), delivered \(d.delivered)"
        case .deliveryConfirmation(let c):
            "delivery confirmation \(c.needOwner) \(c.needCode) from \(c.pledger): \(c.confirmed)"
        case .factoryOrder(let o):
            "factory order \(o.partner) \(o.code) at \(o.siteOwner) \(o.site): \(o.quantity) \(o.item) "
                + "\(o.wantedFrom)–\(o.wantedTo) p\(o.priority)\(o.isOpen ? "" : " cancelled")"
        case .orderResponse(let r):
            "order response \(r.siteOwner) to \(r.orderPartner) \(r.orderCode): "
                + (r.slot.map { "accepted \($0.quantity) in \($0.month)" } ?? "refused")
        }
    }
}
