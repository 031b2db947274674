public import CapSyncMerge
import CapSyncWire

/// Everything the page shows, computed once from the merged view by the views of CapSyncMerge; the page only
/// draws it. Also what `/state.json` serves, so a script and a person read the same numbers.
public struct DashboardModel: Sendable, Encodable {
    /// One partner's stock of one item in the view's month, summed over its sites, against the sum of their
    /// thresholds.
    public struct StockLevel: Sendable, Encodable, Hashable {
        public let item: String
        public let partner: String
        public let sites: Int
        public let stockOnHand: UInt64
        public let stockThreshold: UInt64
        /// Sites whose own stock is at or below their own threshold.
        public let sitesAtOrBelowThreshold: Int
        public let staleSites: Int
    }

    public struct ItemTrend: Sendable, Encodable, Hashable {
        public let item: String
        public let points: [TrendPoint]
    }

    public let partner: String
    public let period: Period
    public let staleAfterMonths: Int
    /// The time the view was folded as of (`--as-of`), for people.
    public let asOf: String?
    public let generatedAt: String
    public let item: String?
    /// The coalition state digest (of coalition-wide entries only), which every node compares.
    public let stateDigest: String
    /// "includes figures released to DE, NL only" when this node's view adds figures released to named partners
    /// (Protocol/releasability.md §5), else nil.
    public let releaseNote: String?
    public let entriesFolded: Int
    public let totals: [FigureTotal]
    public let shortfalls: [ShortfallMatch]
    public let stock: [StockLevel]
    public let trends: [ItemTrend]
    public let pools: [PoolView]
    /// Stock at or below threshold told apart by drawdown plans (planned, unplanned, refill behind plan).
    public let stockAlerts: [StockAlert]
    /// Promised, delivered and confirmed per (need, pledger), late first.
    public let deliveries: [DeliveryStatus]
    /// Each factory's queue for the view's month and the five after it.
    public let queues: [SiteQueue]
    /// The stock projection of each item with an open need (the most pressing needs' items first, at most
    /// `projectedItems`), for `projectionMonths` months after the view's month.
    public let projections: [StockProjection]
    public let health: NodeHealth

    public static let projectedItems = 8
    public static let projectionMonths = 6
    public static let queueMonths = 6

    /// Runs the views of `state` for `view` (only `item`'s figures when given). `today` is the day shortfall
    /// matches count deliveries from.
    public init(
        state: CoalitionState,
        view: ViewPeriod,
        today: Day,
        item: String?,
        health: NodeHealth,
        generatedAt: String,
        asOf: String?,
        coalitionDigest: String? = nil
    ) {
        partner = health.partner
        period = view.period
        staleAfterMonths = view.staleAfterMonths
        self.asOf = asOf
        self.generatedAt = generatedAt
        self.item = item
        stateDigest = coalitionDigest ?? state.digest.hex
        releaseNote = CoalitionState.releaseNote(state.releaseAudiences)
        entriesFolded = state.entryCount
        self.health = health
        totals = state.totals(at: view, item: item)
        shortfalls = state.shortfallMatches(at: view, today: today).filter { item == nil || $0.shortfall.item == item }
        stock = Self.stockLevels(state.siteFigures(at: view, item: item))
        // Each item's trend from a state holding only that item's records: the trend scans every record it is
        // given, and a page draws every item's.
        var recordsByItem: [String: [CoalitionState.Record]] = [:]
        for record in state.records { recordsByItem[record.item, default: []].append(record) }
        trends = totals.map { total in
            let own = CoalitionState(
                rosterHash: state.rosterHash,
                foldVersion: state.foldVersion,
                records: recordsByItem[total.item] ?? [],
                needs: [],
                pledges: [],
                pools: []
            )
            let range = own.defaultTrendRange(item: total.item, view: view)
            return ItemTrend(
                item: total.item,
                points: own.trend(item: total.item, from: range.lowerBound, to: range.upperBound, view: view)
            )
        }
        pools = state.poolViews().filter { item == nil || $0.item == item }
        stockAlerts = state.stockAlerts(at: view).filter { item == nil || $0.figure.item == item }
        deliveries = state.deliveries(at: view.period).filter { item == nil || $0.item == item }
        queues = state.orderQueues(
            from: view.period,
            to: view.period.adding(months: Self.queueMonths - 1),
            staleAfterMonths: view.staleAfterMonths
        ).filter { item == nil || $0.item == item }
        var projected: [String] = []
        for need in state.shortfalls() where item == nil || need.item == item {
            if !projected.contains(need.item), projected.count < Self.projectedItems { projected.append(need.item) }
        }
        // Like the trends: each projection from a state holding only its item's records (it scans every record).
        projections = projected.map { projectedItem in
            CoalitionState(
                rosterHash: state.rosterHash,
                foldVersion: state.foldVersion,
                records: recordsByItem[projectedItem] ?? [],
                needs: state.needs,
                pledges: [],
                pools: [],
                drawdowns: state.drawdowns,
                schedules: state.schedules
            ).projection(item: projectedItem, from: view.period, months: Self.projectionMonths)
        }
    }

    /// Site figures (ordered by item, partner, site) summed per item and partner, in that order.
    static func stockLevels(_ figures: [SiteFigure]) -> [StockLevel] {
        var levels: [StockLevel] = []
        var index = 0
        while index < figures.count {
            var end = index
            while end < figures.count, figures[end].item == figures[index].item,
                figures[end].partner == figures[index].partner
            {
                end += 1
            }
            let group = figures[index..<end]
            levels.append(
                StockLevel(
                    item: figures[index].item,
                    partner: figures[index].partner,
                    sites: group.count,
                    stockOnHand: group.reduce(0) { $0 &+ $1.stockOnHand },
                    stockThreshold: group.reduce(0) { $0 &+ $1.stockThreshold },
                    sitesAtOrBelowThreshold: group.filter { $0.stockOnHand <= $0.stockThreshold }.count,
                    staleSites: group.filter(\.isStale).count
                )
            )
            index = end
        }
        return levels
    }
}
