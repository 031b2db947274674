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
        var partners: [String] = []
        var stalePartners: [String] = []
        for figure in figures {
            if !partners.contains(where: { FieldRules.sameBytes($0, figure.partner) }) {
                partners.append(figure.partner)
            }
            if figure.isStale, !stalePartners.contains(where: { FieldRules.sameBytes($0, figure.partner) }) {
                stalePartners.append(figure.partner)
            }
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
        var figures: [SiteFigure] = []
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
                figures.append(SiteFigure(report, setBy: chosen.setBy, view: view))
            }
            index = end
        }
        return figures.sorted {
            CoalitionState.textOrder([$0.item, $0.partner, $0.site], [$1.item, $1.partner, $1.site])
        }
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

    /// Groups figures (of any month) and sums each group.
    static func totals(of figures: [SiteFigure], by grouping: TotalsGrouping) -> [FigureTotal] {
        func key(_ figure: SiteFigure) -> [String] {
            switch grouping {
            case .item: [figure.item]
            case .partner: [figure.partner, figure.item]
            case .site: [figure.site, figure.item]
            }
        }
        let sorted = figures.sorted {
            CoalitionState.textOrder(key($0) + [$0.partner, $0.site], key($1) + [$1.partner, $1.site])
        }
        var totals: [FigureTotal] = []
        var index = 0
        while index < sorted.count {
            let groupKey = key(sorted[index])
            var end = index + 1
            while end < sorted.count, zip(key(sorted[end]), groupKey).allSatisfy({ FieldRules.sameBytes($0, $1) }) {
                end += 1
            }
            let first = sorted[index]
            totals.append(
                FigureTotal(
                    item: first.item,
                    partner: grouping == .partner ? first.partner : nil,
                    site: grouping == .site ? first.site : nil,
                    figures: sorted[index..<end]
                )
            )
            index = end
        }
        return totals
    }

    /// Sites whose stock in the view's month is at or below their threshold, ordered by item, partner, site.
    public func thresholdAlerts(at view: ViewPeriod) -> [SiteFigure] {
        siteFigures(at: view).filter { $0.stockOnHand <= $0.stockThreshold }
    }
}
