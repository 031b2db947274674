import CapSyncWire

/// An item's joint-procurement pool with its substance: the lead's terms and each member's wanted quantity
/// (Protocol/fold.md §Pool terms and shares).
public struct PoolPlan: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public let partner: String
        /// The member's stated share; 0 when it stated none.
        public let wanted: UInt64
    }

    public let item: String
    /// The lead nation and its latest terms, or nil while nobody has stated terms.
    public let terms: PoolTerms?
    public let termsSetBy: Stamp?
    /// Current members (add-wins), ordered by partner.
    public let members: [Member]
    /// The sum of the members' wanted quantities (shares of partners not in the pool do not count).
    public let wanted: UInt64
}

/// A site's stock against its threshold and its drawdown plan, in the view's month.
public struct StockAlert: Sendable, Hashable, Encodable {
    public enum Kind: String, Sendable, Hashable, CaseIterable, Encodable {
        /// Below threshold inside a drawdown window, at or above its floor.
        case plannedDrawdown = "below-threshold-planned"
        /// Below threshold with no plan covering the month, or below the plan's floor.
        case unplanned = "below-threshold-unplanned"
        /// A refill step's month has come and the stock is below the step's level.
        case refillBehindPlan = "refill-behind-plan"
    }

    public let figure: SiteFigure
    public let kind: Kind
    /// The active plan for the site, if any.
    public let plan: DrawdownPlan?
    /// The stock the plan's refill step in force calls for, if any.
    public let plannedStock: UInt64?
}

extension CoalitionState {
    /// Every item with a pool membership, terms or a share, ordered by item; members by partner.
    public func poolPlans() -> [PoolPlan] {
        var items: [String] = []
        for item in pools.map(\.item) + poolTerms.map(\.value.item) + poolShares.map(\.value.item)
        where !items.contains(where: { FieldRules.sameBytes($0, item) }) {
            items.append(item)
        }
        items.sort(by: FieldRules.precedes)
        return items.map { item in
            let terms = poolTerms.first { FieldRules.sameBytes($0.value.item, item) }
            let members = pools.filter { FieldRules.sameBytes($0.item, item) }.map { membership in
                PoolPlan.Member(
                    partner: membership.partner,
                    wanted: poolShares.first {
                        FieldRules.sameBytes($0.value.item, item)
                            && FieldRules.sameBytes($0.value.partner, membership.partner)
                    }?.value.quantity ?? 0
                )
            }
            return PoolPlan(
                item: item,
                terms: terms?.value,
                termsSetBy: terms?.setBy,
                members: members,
                wanted: members.reduce(0) { $0 + $1.wanted }
            )
        }
    }

    /// The active drawdown plan of (partner, item, site), if any.
    public func drawdownPlan(partner: String, item: String, site: String) -> DrawdownPlan? {
        drawdowns.first {
            $0.value.isActive && FieldRules.sameBytes($0.value.partner, partner)
                && FieldRules.sameBytes($0.value.item, item) && FieldRules.sameBytes($0.value.site, site)
        }?.value
    }

    /// Threshold alerts told apart by drawdown plans, for the view's month M (Protocol/fold.md §Drawdown plans):
    /// each site figure whose stock is below the refill level its plan calls for by M (refill behind plan), else
    /// whose stock is at or below its threshold: planned when an active plan's window covers M and the stock is
    /// at or above its floor, unplanned otherwise. Ordered by item, partner, site.
    public func stockAlerts(at view: ViewPeriod) -> [StockAlert] {
        var alerts: [StockAlert] = []
        for figure in siteFigures(at: view) {
            let plan = drawdownPlan(partner: figure.partner, item: figure.item, site: figure.site)
            let step = plan?.refillStep(at: view.period)
            if let step, figure.stockOnHand < step.stock {
                alerts.append(StockAlert(figure: figure, kind: .refillBehindPlan, plan: plan, plannedStock: step.stock))
            } else if figure.stockOnHand <= figure.stockThreshold {
                let planned = plan.map { $0.covers(view.period) && figure.stockOnHand >= $0.floor } ?? false
                alerts.append(
                    StockAlert(
                        figure: figure,
                        kind: planned ? .plannedDrawdown : .unplanned,
                        plan: plan,
                        plannedStock: step?.stock
                    )
                )
            }
        }
        return alerts
    }
}
