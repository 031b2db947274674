import CapSyncWire

/// An open need against what has been pledged towards it.
public struct Shortfall: Sendable, Hashable, Codable {
    public struct PledgeShare: Sendable, Hashable, Codable {
        public let partner: String
        public let quantity: UInt64
        public let setBy: Stamp
    }

    public let owner: String
    public let code: String
    public let item: String
    public let quantity: UInt64
    public let pledged: UInt64
    /// `quantity - pledged`, or 0 when pledges cover the need.
    public let remaining: UInt64
    public let due: Day
    public let priority: UInt8
    /// Non-zero pledges, ordered by partner.
    public let pledges: [PledgeShare]
    public let setBy: Stamp
}

/// An item's joint-procurement pool.
public struct PoolView: Sendable, Hashable, Codable {
    public struct Member: Sendable, Hashable, Codable {
        public let partner: String
        /// The live join entry ids (hex).
        public let tags: [String]
    }

    public let item: String
    public let members: [Member]
}

/// One capacity record as shown in detail views, with the entry that set it.
public struct ReportRow: Sendable, Hashable, Codable {
    public let partner: String
    public let item: String
    public let site: String
    public let period: Period
    public let monthlyCapacity: UInt64
    public let monthlyOutput: UInt64
    public let stockOnHand: UInt64
    public let stockThreshold: UInt64
    public let availableAboveThreshold: UInt64
    public let leadTimeDays: UInt64
    public let constraints: String
    public let setBy: Stamp

    init(_ report: CapacityReport, setBy: Stamp) {
        partner = report.partner
        item = report.item
        site = report.site
        period = report.period
        monthlyCapacity = report.monthlyCapacity
        monthlyOutput = report.monthlyOutput
        stockOnHand = report.stockOnHand
        stockThreshold = report.stockThreshold
        availableAboveThreshold = report.availableAboveThreshold
        leadTimeDays = report.leadTimeDays
        constraints = report.constraints
        self.setBy = setBy
    }
}

public struct NeedRow: Sendable, Hashable, Codable {
    public let owner: String
    public let code: String
    public let item: String
    public let quantity: UInt64
    public let due: Day
    public let priority: UInt8
    public let isOpen: Bool
    public let setBy: Stamp
}

public struct PledgeRow: Sendable, Hashable, Codable {
    public let partner: String
    public let needOwner: String
    public let needCode: String
    public let quantity: UInt64
    public let setBy: Stamp
}

/// Everything one partner has written that stands, with when and by which entry each value was set.
public struct PartnerDetail: Sendable, Hashable, Codable {
    public let partner: String
    /// Live reports, all months, ordered by item, site, month.
    public let reports: [ReportRow]
    /// Records the partner retracted (key and the retraction's stamp).
    public let retractions: [RetractionRow]
    public let needs: [NeedRow]
    public let pledges: [PledgeRow]
    /// Items whose pool the partner is in.
    public let pools: [String]
    /// The planning values the partner wrote (pool terms and shares, drawdown plans, delivery schedules and
    /// confirmations, orders and answers to orders), by area and key.
    public let planning: [PlanningRow]

    public struct RetractionRow: Sendable, Hashable, Codable {
        public let item: String
        public let site: String
        public let period: Period
        public let setBy: Stamp
    }
}

extension CoalitionState {
    /// Open needs against their pledges, most pressing first: by due date, then priority (1 first), owner, code.
    public func shortfalls() -> [Shortfall] {
        var pledgesByNeed: [TextKey: [Shortfall.PledgeShare]] = [:]
        for record in pledges where record.pledge.quantity > 0 {
            let key = TextKey(a: record.pledge.needOwner, b: record.pledge.needCode, c: "")
            pledgesByNeed[key, default: []].append(
                Shortfall.PledgeShare(
                    partner: record.pledge.partner,
                    quantity: record.pledge.quantity,
                    setBy: record.setBy
                )
            )
        }
        let open = needs.filter(\.need.isOpen).map { record -> Shortfall in
            let need = record.need
            let shares = pledgesByNeed[TextKey(a: need.owner, b: need.code, c: "")] ?? []
            let pledged = shares.reduce(0) { $0 &+ $1.quantity }
            return Shortfall(
                owner: need.owner,
                code: need.code,
                item: need.item,
                quantity: need.quantity,
                pledged: pledged,
                remaining: need.quantity > pledged ? need.quantity - pledged : 0,
                due: need.due,
                priority: need.priority,
                pledges: shares,
                setBy: record.setBy
            )
        }
        return open.sorted { a, b in
            if a.due != b.due { return a.due < b.due }
            if a.priority != b.priority { return a.priority < b.priority }
            return CoalitionState.textOrder([a.owner, a.code], [b.owner, b.code])
        }
    }

    /// Pools and their members, ordered by item then partner.
    public func poolViews() -> [PoolView] {
        var views: [PoolView] = []
        var index = 0
        while index < pools.count {
            var end = index
            while end < pools.count, FieldRules.sameBytes(pools[end].item, pools[index].item) { end += 1 }
            views.append(
                PoolView(
                    item: pools[index].item,
                    members: pools[index..<end].map { PoolView.Member(partner: $0.partner, tags: $0.tags.map(\.hex)) }
                )
            )
            index = end
        }
        return views
    }

    /// What `partner` has written that stands, with the entry behind each value.
    public func detail(of partner: String) -> PartnerDetail {
        let own = records.filter { FieldRules.sameBytes($0.partner, partner) }
        return PartnerDetail(
            partner: partner,
            reports: own.compactMap { record in record.report.map { ReportRow($0, setBy: record.setBy) } },
            retractions: own.filter { $0.report == nil }.map {
                PartnerDetail.RetractionRow(item: $0.item, site: $0.site, period: $0.period, setBy: $0.setBy)
            },
            needs: needs.filter { FieldRules.sameBytes($0.need.owner, partner) }.map(\.row),
            pledges: pledges.filter { FieldRules.sameBytes($0.pledge.partner, partner) }.map(\.row),
            pools: pools.filter { FieldRules.sameBytes($0.partner, partner) }.map(\.item),
            planning: planningRows().filter { FieldRules.sameBytes($0.writer, partner) }
        )
    }
}

extension CoalitionState.NeedRecord {
    var row: NeedRow {
        NeedRow(
            owner: need.owner,
            code: need.code,
            item: need.item,
            quantity: need.quantity,
            due: need.due,
            priority: need.priority,
            isOpen: need.isOpen,
            setBy: setBy
        )
    }
}

extension CoalitionState.PledgeRecord {
    var row: PledgeRow {
        PledgeRow(
            partner: pledge.partner,
            needOwner: pledge.needOwner,
            needCode: pledge.needCode,
            quantity: pledge.quantity,
            setBy: setBy
        )
    }
}
