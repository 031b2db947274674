import CapSyncWire

/// The month a view answers for, and how old a figure may be before it is called stale (Protocol/fold.md
/// §Views). Reports for later months are plans: they never count in that month's actuals.
public struct ViewPeriod: Sendable, Hashable {
    public let period: Period
    /// A figure older than this many months is stale: still counted, but marked and counted as stale.
    public let staleAfterMonths: Int

    public static let defaultStaleAfterMonths = 2

    public init(_ period: Period, staleAfterMonths: Int = ViewPeriod.defaultStaleAfterMonths) {
        self.period = period
        self.staleAfterMonths = max(0, staleAfterMonths)
    }
}

/// What one site of one partner counts for in a month: the report for that month, or else the site's latest
/// earlier report, with its age.
public struct SiteFigure: Sendable, Hashable, Codable {
    public let partner: String
    public let item: String
    public let site: String
    /// The month the figures were reported for (the view's month, or earlier).
    public let period: Period
    /// Whole months between `period` and the view's month; 0 when the site reported for that month.
    public let ageMonths: Int
    /// `ageMonths` above the view's stale limit.
    public let isStale: Bool
    public let monthlyCapacity: UInt64
    public let monthlyOutput: UInt64
    public let stockOnHand: UInt64
    public let stockThreshold: UInt64
    /// Stock above the threshold: what the partner could release.
    public let availableAboveThreshold: UInt64
    /// Capacity not used by current output: what the site could produce on top.
    public let spareCapacity: UInt64
    public let leadTimeDays: UInt64
    public let constraints: String
    public let setBy: Stamp

    init(_ report: CapacityReport, setBy: Stamp, view: ViewPeriod) {
        partner = report.partner
        item = report.item
        site = report.site
        period = report.period
        ageMonths = view.period.months(since: report.period)
        isStale = ageMonths > view.staleAfterMonths
        monthlyCapacity = report.monthlyCapacity
        monthlyOutput = report.monthlyOutput
        stockOnHand = report.stockOnHand
        stockThreshold = report.stockThreshold
        availableAboveThreshold = report.availableAboveThreshold
        spareCapacity =
            report.monthlyCapacity > report.monthlyOutput ? report.monthlyCapacity - report.monthlyOutput : 0
        leadTimeDays = report.leadTimeDays
        constraints = report.constraints
        self.setBy = setBy
    }
}

/// How totals are grouped: by item (the coalition totals), by partner and item, or by site and item. Figures of
/// different items are never added together: their units differ.
public enum TotalsGrouping: String, Sendable, CaseIterable, Codable {
    case item, partner, site
}

/// The sum of a group of site figures for one month, with how many sites and partners it covers and how many of
/// them are stale.
public struct FigureTotal: Sendable, Hashable, Codable {
    public let item: String
    /// Set when grouped by partner.
    public let partner: String?
    /// Set when grouped by site.
    public let site: String?
    public let partners: Int
    public let sites: Int
    /// Partners with at least one stale site in the group.
    public let stalePartners: Int
    public let staleSites: Int
    public let monthlyCapacity: UInt64
    public let monthlyOutput: UInt64
    public let stockOnHand: UInt64
    public let availableAboveThreshold: UInt64
    public let spareCapacity: UInt64
    /// The earliest month any of the figures was reported for.
    public let oldestPeriod: Period

    init(item: String, partner: String?, site: String?, figures: ArraySlice<SiteFigure>) {
        self.item = item
        self.partner = partner
        self.site = site
        var partners: Set<TextKey> = []
        var stalePartners: Set<TextKey> = []
        for figure in figures {
            partners.insert(TextKey(a: figure.partner, b: "", c: ""))
            if figure.isStale { stalePartners.insert(TextKey(a: figure.partner, b: "", c: "")) }
        }
        self.partners = partners.count
        self.stalePartners = stalePartners.count
        sites = figures.count
        staleSites = figures.filter(\.isStale).count
        monthlyCapacity = figures.reduce(0) { $0 &+ $1.monthlyCapacity }
        monthlyOutput = figures.reduce(0) { $0 &+ $1.monthlyOutput }
        stockOnHand = figures.reduce(0) { $0 &+ $1.stockOnHand }
        availableAboveThreshold = figures.reduce(0) { $0 &+ $1.availableAboveThreshold }
        spareCapacity = figures.reduce(0) { $0 &+ $1.spareCapacity }
        oldestPeriod = figures.map(\.period).min()!
    }
}

extension CoalitionState {
    /// For each (partner, item, site): its live report for the view's month, else its latest live report of an
    /// earlier month; never a later one. Ordered by item, partner, site (UTF-8 bytes).
    public func siteFigures(at view: ViewPeriod, item: String? = nil) -> [SiteFigure] {
        // Records are sorted by partner, item, site, month: figures come out by partner, item, site, and are
        // regrouped by item keeping that order, so no comparison sort of the figures is needed.
        var byItem: [TextKey: [SiteFigure]] = [:]
        var index = 0
        while index < records.count {
            let first = records[index]
            var end = index
            var chosen: Record?
            while end < records.count, FieldRules.sameBytes(records[end].partner, first.partner),
                FieldRules.sameBytes(records[end].item, first.item), FieldRules.sameBytes(records[end].site, first.site)
            {
                // Records of one site are in month order, so the last live one not after the view's month wins.
                if records[end].report != nil, records[end].period <= view.period { chosen = records[end] }
                end += 1
            }
            if let chosen, let report = chosen.report, item.map({ FieldRules.sameBytes($0, report.item) }) ?? true {
                byItem[TextKey(a: report.item, b: "", c: ""), default: []].append(
                    SiteFigure(report, setBy: chosen.setBy, view: view)
                )
            }
            index = end
        }
        return byItem.keys.sorted { FieldRules.precedes($0.a, $1.a) }.flatMap { byItem[$0] ?? [] }
    }

    /// Totals of the view's month, grouped by item (default), by partner and item, or by site and item; ordered by
    /// the group's key (partner or site first, then item).
    public func totals(
        at view: ViewPeriod,
        by grouping: TotalsGrouping = .item,
        item: String? = nil
    )
        -> [FigureTotal]
    {
        CoalitionState.totals(of: siteFigures(at: view, item: item), by: grouping)
    }

    /// Groups figures (of any month) and sums each group, ordered by the group's key.
    static func totals(of figures: [SiteFigure], by grouping: TotalsGrouping) -> [FigureTotal] {
        func key(_ figure: SiteFigure) -> TextKey {
            switch grouping {
            case .item: TextKey(a: figure.item, b: "", c: "")
            case .partner: TextKey(a: figure.partner, b: figure.item, c: "")
            case .site: TextKey(a: figure.site, b: figure.item, c: "")
            }
        }
        var groups: [TextKey: [SiteFigure]] = [:]
        for figure in figures { groups[key(figure), default: []].append(figure) }
        let keys = groups.keys.sorted { x, y in
            FieldRules.sameBytes(x.a, y.a) ? FieldRules.precedes(x.b, y.b) : FieldRules.precedes(x.a, y.a)
        }
        return keys.map { groupKey in
            let group = groups[groupKey] ?? []
            return FigureTotal(
                item: group[0].item,
                partner: grouping == .partner ? group[0].partner : nil,
                site: grouping == .site ? group[0].site : nil,
                figures: group[...]
            )
        }
    }

    /// Sites whose stock in the view's month is at or below their threshold, ordered by item, partner, site.
    public func thresholdAlerts(at view: ViewPeriod) -> [SiteFigure] {
        siteFigures(at: view).filter { $0.stockOnHand <= $0.stockThreshold }
    }
}
