import CapSyncWire

/// An item's stock projected month by month, per partner and for the coalition, from what the log says will
/// happen: the month view's stock, planned output, scheduled deliveries and drawdown plans (Protocol/fold.md
/// §Stock projection). A view read after the fold: it adds nothing to the state or its digest.
public struct StockProjection: Sendable, Hashable, Encodable {
    /// How a partner's projected stock stands against its alarm level in a month.
    public enum Status: String, Sendable, Hashable, CaseIterable, Encodable {
        case ok
        /// At or below the threshold inside a drawdown window, at or above the floors.
        case plannedDrawdown = "planned-drawdown"
        /// At or below the threshold with no drawdown window covering the month.
        case belowThreshold = "below-threshold"
        /// Below the floors' level inside a drawdown window.
        case belowFloor = "below-floor"
        /// Below the level the refill steps in force call for.
        case refillBehind = "refill-behind"
    }

    public struct PartnerMonth: Sendable, Hashable, Encodable {
        public let period: Period
        public let output: UInt64
        /// Outstanding scheduled deliveries the partner receives (as need owner) and sends (as pledger).
        public let deliveriesIn: UInt64
        public let deliveriesOut: UInt64
        /// Closing stock: the previous month's, plus output and deliveries in, minus deliveries out. May be negative
        /// when the partner has promised more than it holds.
        public let stock: Int64
        /// The sum of the thresholds of the partner's sites' reports in force.
        public let threshold: UInt64
        /// The alarm level: per site, its plan's floor while the plan's window covers the month, else its threshold.
        public let alarm: UInt64
        /// The sum of the refill steps in force, or nil when no site has one.
        public let refill: UInt64?
        /// Some site's drawdown window covers the month.
        public let drawdown: Bool
        public let status: Status
    }

    public struct Partner: Sendable, Hashable, Encodable {
        public let partner: String
        /// The month view's stock: the sum of the partner's site figures for the projection's month.
        public let startStock: UInt64
        public let months: [PartnerMonth]
        /// The first month whose status is below-threshold (unplanned), below-floor or refill-behind.
        public let crossesThreshold: Period?
        public let crossesFloor: Period?
        public let refillBehind: Period?
    }

    public struct CoalitionMonth: Sendable, Hashable, Encodable {
        public let period: Period
        public let output: UInt64
        /// Outstanding scheduled deliveries in the month (each leaves one partner and reaches another).
        public let deliveries: UInt64
        public let stock: Int64
        /// Cumulative: open needs of the item due by the end of the month.
        public let needsDue: UInt64
        /// Cumulative: what delivered and scheduled deliveries cover of those needs (each need at most its quantity).
        public let covered: UInt64
        /// needsDue − covered.
        public let shortfall: UInt64
    }

    public let item: String
    /// The month the stock starts from; the projection covers the `months` months after it.
    public let period: Period
    public let partners: [Partner]
    public let startStock: UInt64
    public let coalition: [CoalitionMonth]
    /// The first month with a coalition shortfall.
    public let firstShortfall: Period?

    /// The most months one projection covers.
    public static let monthLimit = 60
}

extension CoalitionState {
    /// `item`'s stock projected for the `months` months after `period` (1 to `StockProjection.monthLimit`).
    public func projection(item: String, from period: Period, months: Int) -> StockProjection {
        let count = max(1, min(StockProjection.monthLimit, months))
        let first = period.adding(months: 1)
        let last = period.adding(months: count)
        let periods = (1...count).map { period.adding(months: $0) }
        func slot(_ month: Period) -> Int? {
            let offset = month.months(since: first)
            return offset < count ? max(0, offset) : nil
        }

        // Open needs of the item and the schedules towards them; outstanding rows of months up to `period` are late
        // and counted in the first projected month.
        let openNeeds = needs.map(\.need).filter { $0.isOpen && FieldRules.sameBytes($0.item, item) }
        func need(_ owner: String, _ code: String) -> Need? {
            openNeeds.first { FieldRules.sameBytes($0.owner, owner) && FieldRules.sameBytes($0.code, code) }
        }
        let towards = schedules.map(\.value).filter { need($0.needOwner, $0.needCode) != nil }
        var incoming: [TextKey: [UInt64]] = [:]
        var outgoing: [TextKey: [UInt64]] = [:]
        var coverage: [TextKey: (delivered: UInt64, placed: [UInt64])] = [:]
        for schedule in towards {
            let needKey = TextKey(a: schedule.needOwner, b: schedule.needCode, c: "")
            var entry = coverage[needKey] ?? (0, Array(repeating: 0, count: count))
            entry.delivered += schedule.delivered
            for row in schedule.months where row.quantity > row.delivered {
                guard let index = slot(row.month) else { continue }
                let outstanding = row.quantity - row.delivered
                incoming[TextKey(a: schedule.needOwner, b: "", c: ""), default: Array(repeating: 0, count: count)][
                    index
                ] += outstanding
                outgoing[TextKey(a: schedule.partner, b: "", c: ""), default: Array(repeating: 0, count: count)][
                    index
                ] += outstanding
                entry.placed[index] += outstanding
            }
            coverage[needKey] = entry
        }

        // Each partner's sites of the item: live records up to the last month, and active drawdown plans.
        let live = records.filter { $0.report != nil && FieldRules.sameBytes($0.item, item) && $0.period <= last }
        let plans = drawdowns.map(\.value).filter { $0.isActive && FieldRules.sameBytes($0.item, item) }
        var partnerKeys = Set<TextKey>()
        for key in live.map({ $0.partner }) + plans.map(\.partner) + towards.flatMap({ [$0.partner, $0.needOwner] }) {
            partnerKeys.insert(TextKey(a: key, b: "", c: ""))
        }
        let partnerNames = partnerKeys.map(\.a).sorted(by: FieldRules.precedes)

        let projected = partnerNames.map { partner -> StockProjection.Partner in
            let ownRecords = live.filter { FieldRules.sameBytes($0.partner, partner) }
            let ownPlans = plans.filter { FieldRules.sameBytes($0.partner, partner) }
            var siteKeys = Set<TextKey>()
            for site in ownRecords.map(\.site) + ownPlans.map(\.site) {
                siteKeys.insert(TextKey(a: site, b: "", c: ""))
            }
            let sites = siteKeys.map(\.a)
            // The month view's stock: per site, its live report of the greatest month up to `period` (records are
            // in month order within a site), as `siteFigures(at:)` chooses it.
            let start = sites.reduce(UInt64(0)) { sum, site in
                sum
                    + (ownRecords.last { FieldRules.sameBytes($0.site, site) && $0.period <= period }?.report?
                        .stockOnHand ?? 0)
            }
            let key = TextKey(a: partner, b: "", c: "")
            var stock = Int64(start)
            var rows: [StockProjection.PartnerMonth] = []
            for (index, month) in periods.enumerated() {
                var output: UInt64 = 0
                var threshold: UInt64 = 0
                var alarm: UInt64 = 0
                var refill: UInt64?
                var drawdown = false
                for site in sites {
                    // The site's report in force: its live report of the greatest month up to this one.
                    let report = ownRecords.last { FieldRules.sameBytes($0.site, site) && $0.period <= month }?.report
                    let siteThreshold = report?.stockThreshold ?? 0
                    output += report?.monthlyOutput ?? 0
                    threshold += siteThreshold
                    let plan = ownPlans.first { FieldRules.sameBytes($0.site, site) }
                    if let plan, plan.covers(month) {
                        drawdown = true
                        alarm += plan.floor
                    } else {
                        alarm += siteThreshold
                    }
                    if let step = plan?.refillStep(at: month) { refill = (refill ?? 0) + step.stock }
                }
                let received = incoming[key]?[index] ?? 0
                let sent = outgoing[key]?[index] ?? 0
                stock += Int64(output) + Int64(received) - Int64(sent)
                let status: StockProjection.Status =
                    if let refill, stock < Int64(refill) {
                        .refillBehind
                    } else if drawdown, stock < Int64(alarm) {
                        .belowFloor
                    } else if stock <= Int64(threshold) {
                        drawdown ? .plannedDrawdown : .belowThreshold
                    } else {
                        .ok
                    }
                rows.append(
                    StockProjection.PartnerMonth(
                        period: month,
                        output: output,
                        deliveriesIn: received,
                        deliveriesOut: sent,
                        stock: stock,
                        threshold: threshold,
                        alarm: alarm,
                        refill: refill,
                        drawdown: drawdown,
                        status: status
                    )
                )
            }
            return StockProjection.Partner(
                partner: partner,
                startStock: start,
                months: rows,
                crossesThreshold: rows.first { $0.status == .belowThreshold }?.period,
                crossesFloor: rows.first { $0.status == .belowFloor }?.period,
                refillBehind: rows.first { $0.status == .refillBehind }?.period
            )
        }

        var coalition: [StockProjection.CoalitionMonth] = []
        for (index, month) in periods.enumerated() {
            var needsDue: UInt64 = 0
            var covered: UInt64 = 0
            for need in openNeeds where Period(unchecked: need.due.year, month: need.due.month) <= month {
                needsDue += need.quantity
                let entry = coverage[TextKey(a: need.owner, b: need.code, c: "")]
                let reached = (entry?.delivered ?? 0) + (entry?.placed[0...index].reduce(0, +) ?? 0)
                covered += min(need.quantity, reached)
            }
            coalition.append(
                StockProjection.CoalitionMonth(
                    period: month,
                    output: projected.reduce(0) { $0 + $1.months[index].output },
                    deliveries: projected.reduce(0) { $0 + $1.months[index].deliveriesOut },
                    stock: projected.reduce(0) { $0 + $1.months[index].stock },
                    needsDue: needsDue,
                    covered: covered,
                    shortfall: needsDue - covered
                )
            )
        }
        return StockProjection(
            item: item,
            period: period,
            partners: projected,
            startStock: projected.reduce(0) { $0 + $1.startStock },
            coalition: coalition,
            firstShortfall: coalition.first { $0.shortfall > 0 }?.period
        )
    }
}
