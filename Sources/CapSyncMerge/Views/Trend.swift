import CapSyncWire

/// One month of an item's coalition series: actuals up to the view's month, plans after it.
public struct TrendPoint: Sendable, Hashable, Codable {
    public let period: Period
    /// A month after the view's month: the sum of the reports filed for exactly that month (plans).
    public let isPlan: Bool
    public let monthlyCapacity: UInt64
    public let monthlyOutput: UInt64
    public let stockOnHand: UInt64
    public let availableAboveThreshold: UInt64
    public let partners: Int
    public let sites: Int
    /// Sites counted with figures older than the stale limit (always 0 for plans).
    public let staleSites: Int
}

extension CoalitionState {
    /// The most months one trend covers.
    public static let trendMonthLimit = 240

    /// The monthly series of `item` from `from` through `to`. A month up to the view's month is the item's total
    /// as a view for that month would show it (each site's report for the month, else its latest earlier one); a
    /// later month is a plan: only reports for exactly that month.
    public func trend(item: String, from: Period, to: Period, view: ViewPeriod) -> [TrendPoint] {
        guard from <= to else { return [] }
        // The item's live records, per site, in month order (records are sorted by partner, item, site, month).
        let live = records.filter { $0.report != nil && FieldRules.sameBytes($0.item, item) }
        var points: [TrendPoint] = []
        var month = from
        while true {
            let figures: [SiteFigure]
            let isPlan = month > view.period
            let monthView = ViewPeriod(month, staleAfterMonths: view.staleAfterMonths)
            if isPlan {
                figures = live.filter { $0.period == month }.map {
                    SiteFigure($0.report!, setBy: $0.setBy, view: monthView)
                }
            } else {
                var chosen: [SiteFigure] = []
                var index = 0
                while index < live.count {
                    var end = index
                    var best: Record?
                    while end < live.count, FieldRules.sameBytes(live[end].partner, live[index].partner),
                        FieldRules.sameBytes(live[end].site, live[index].site)
                    {
                        if live[end].period <= month { best = live[end] }
                        end += 1
                    }
                    if let best { chosen.append(SiteFigure(best.report!, setBy: best.setBy, view: monthView)) }
                    index = end
                }
                figures = chosen
            }
            if let total = CoalitionState.totals(of: figures, by: .item).first {
                points.append(
                    TrendPoint(
                        period: month,
                        isPlan: isPlan,
                        monthlyCapacity: total.monthlyCapacity,
                        monthlyOutput: total.monthlyOutput,
                        stockOnHand: total.stockOnHand,
                        availableAboveThreshold: total.availableAboveThreshold,
                        partners: total.partners,
                        sites: total.sites,
                        staleSites: total.staleSites
                    )
                )
            } else {
                points.append(
                    TrendPoint(
                        period: month,
                        isPlan: isPlan,
                        monthlyCapacity: 0,
                        monthlyOutput: 0,
                        stockOnHand: 0,
                        availableAboveThreshold: 0,
                        partners: 0,
                        sites: 0,
                        staleSites: 0
                    )
                )
            }
            if month == to { break }
            month = month.adding(months: 1)
        }
        return points
    }

    /// The months a trend covers when none are given: the 12 months up to the view's month (from the item's first
    /// report, if later), and after it every month up to the item's latest plan (at most 24 months ahead).
    public func defaultTrendRange(item: String, view: ViewPeriod) -> ClosedRange<Period> {
        let horizon = view.period.adding(months: 24)
        var first = view.period
        var last = view.period
        for record in records where record.report != nil && FieldRules.sameBytes(record.item, item) {
            if record.period < first { first = record.period }
            if record.period > last, record.period <= horizon { last = record.period }
        }
        return max(first, view.period.adding(months: -11))...last
    }
}
