import CapSyncMerge
import Foundation

/// The period views written naively from Protocol/fold.md §Views alone, over the reference fold's standing
/// reports, needs and pledges: every question answered by scanning every report again, months as year × 12 +
/// month, days by Foundation's Gregorian calendar. Each view is given as one line of text per row, so the real
/// views can be compared with it line for line (`ReferenceViews.describe`).
struct ReferenceViews {
    let reports: [CapacityReport]
    let needs: [Need]
    let pledges: [Pledge]

    static func number(_ month: Period) -> Int { Int(month.year) * 12 + Int(month.month) }

    static func bytesOrder(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where Array(x.utf8) != Array(y.utf8) {
            return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        }
        return false
    }

    struct Figure {
        let report: CapacityReport
        let age: Int
        let stale: Bool
        var available: UInt64 {
            report.stockOnHand > report.stockThreshold ? report.stockOnHand - report.stockThreshold : 0
        }
        var spare: UInt64 {
            report.monthlyCapacity > report.monthlyOutput ? report.monthlyCapacity - report.monthlyOutput : 0
        }
    }

    /// Per (partner, item, site): the report of the greatest month not after `month`.
    func figures(month: Period, staleAfter: Int) -> [Figure] {
        var result: [Figure] = []
        for report in reports where Self.number(report.period) <= Self.number(month) {
            let better = reports.contains { other in
                other.partner == report.partner && other.item == report.item && other.site == report.site
                    && Self.number(other.period) <= Self.number(month)
                    && Self.number(other.period) > Self.number(report.period)
            }
            if better { continue }
            let age = Self.number(month) - Self.number(report.period)
            result.append(Figure(report: report, age: age, stale: age > staleAfter))
        }
        return result.sorted {
            Self.bytesOrder(
                [$0.report.item, $0.report.partner, $0.report.site],
                [$1.report.item, $1.report.partner, $1.report.site]
            )
        }
    }

    func figureLines(month: Period, staleAfter: Int) -> [String] {
        figures(month: month, staleAfter: staleAfter).map { f in
            let r = f.report
            return [
                r.item, r.partner, r.site, "\(r.period)", "\(f.age)", "\(f.stale)", "\(r.monthlyCapacity)",
                "\(r.monthlyOutput)", "\(r.stockOnHand)", "\(r.stockThreshold)", "\(f.available)", "\(f.spare)",
                "\(r.leadTimeDays)",
            ].joined(separator: "|")
        }
    }

    /// Totals of `figures` grouped by `grouping`, ordered by the group's key.
    static func totalLines(_ figures: [Figure], by grouping: TotalsGrouping) -> [String] {
        func key(_ f: Figure) -> [String] {
            switch grouping {
            case .item: [f.report.item]
            case .partner: [f.report.partner, f.report.item]
            case .site: [f.report.site, f.report.item]
            }
        }
        var keys: [[String]] = []
        for figure in figures where !keys.contains(key(figure)) { keys.append(key(figure)) }
        keys.sort(by: bytesOrder)
        return keys.map { k in
            let group = figures.filter { key($0) == k }
            let partners = Set(group.map(\.report.partner))
            let stalePartners = Set(group.filter(\.stale).map(\.report.partner))
            var sums: [UInt64] = [0, 0, 0, 0, 0]
            for f in group {
                sums[0] += f.report.monthlyCapacity
                sums[1] += f.report.monthlyOutput
                sums[2] += f.report.stockOnHand
                sums[3] += f.available
                sums[4] += f.spare
            }
            let oldest = group.map { number($0.report.period) }.min()!
            return
                (k + [
                    "\(partners.count)", "\(group.count)", "\(stalePartners.count)", "\(group.filter(\.stale).count)",
                ]
                + sums.map(String.init) + ["\(oldest)"]).joined(separator: "|")
        }
    }

    func trendLines(item: String, from: Period, to: Period, view: Period, staleAfter: Int) -> [String] {
        var lines: [String] = []
        for n in Self.number(from)...Self.number(to) {
            let month = try! Period(year: UInt16((n - 1) / 12), month: UInt8((n - 1) % 12 + 1))
            let plan = n > Self.number(view)
            let figures =
                plan
                ? reports.filter { $0.item == item && Self.number($0.period) == n }.map {
                    Figure(report: $0, age: 0, stale: false)
                }
                : self.figures(month: month, staleAfter: staleAfter).filter { $0.report.item == item }
            var sums: [UInt64] = [0, 0, 0, 0]
            for f in figures {
                sums[0] += f.report.monthlyCapacity
                sums[1] += f.report.monthlyOutput
                sums[2] += f.report.stockOnHand
                sums[3] += f.available
            }
            lines.append(
                (["\(month)", "\(plan)"] + sums.map(String.init) + [
                    "\(Set(figures.map(\.report.partner)).count)", "\(figures.count)",
                    "\(figures.filter(\.stale).count)",
                ]).joined(separator: "|")
            )
        }
        return lines
    }

    static func day(_ d: Day) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: Int(d.year), month: Int(d.month), day: Int(d.day)))!
    }

    static func text(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    /// One line per open need, then one per candidate under it, best first.
    func matchLines(month: Period, staleAfter: Int, today: Day) -> [String] {
        let open = needs.filter(\.isOpen).sorted { a, b in
            if a.due != b.due { return a.due < b.due }
            if a.priority != b.priority { return a.priority < b.priority }
            return Self.bytesOrder([a.owner, a.code], [b.owner, b.code])
        }
        let figures = self.figures(month: month, staleAfter: staleAfter)
        var lines: [String] = []
        for need in open {
            let pledged = pledges.filter { $0.needOwner == need.owner && $0.needCode == need.code }.reduce(0) {
                $0 + $1.quantity
            }
            let remaining = need.quantity > pledged ? need.quantity - pledged : 0
            lines.append("\(need.owner):\(need.code) remaining \(remaining)")
            guard remaining > 0 else { continue }
            var candidates:
                [(covers: UInt64, earliest: Date, partner: String, site: String, source: Int, line: String)] = []
            let due = Self.day(need.due)
            for f in figures where f.report.item == need.item && f.report.partner != need.owner {
                let already =
                    pledges.first {
                        $0.partner == f.report.partner && $0.needOwner == need.owner && $0.needCode == need.code
                    }?.quantity ?? 0
                let now = Self.day(today)
                let ready = now.addingTimeInterval(Double(f.report.leadTimeDays) * 86_400)
                for (source, amount, earliest) in [(0, f.available, now), (1, f.spare, ready)]
                where amount > 0 && earliest <= due {
                    let covers = min(amount, remaining)
                    let line = [
                        f.report.partner, f.report.site, source == 0 ? "stock" : "spare_capacity", "\(amount)",
                        "\(covers)", Self.text(earliest), "\(f.age)", "\(f.stale)", "\(already)",
                    ].joined(separator: "|")
                    candidates.append((covers, earliest, f.report.partner, f.report.site, source, line))
                }
            }
            candidates.sort { a, b in
                if a.covers != b.covers { return a.covers > b.covers }
                if a.earliest != b.earliest { return a.earliest < b.earliest }
                if a.partner != b.partner { return Self.bytesOrder([a.partner], [b.partner]) }
                if a.site != b.site { return Self.bytesOrder([a.site], [b.site]) }
                return a.source < b.source
            }
            lines += candidates.map { "  " + $0.line }
        }
        return lines
    }
}

/// The real views in the reference's line form.
enum ViewLines {
    static func figures(_ figures: [SiteFigure]) -> [String] {
        figures.map { f in
            [
                f.item, f.partner, f.site, "\(f.period)", "\(f.ageMonths)", "\(f.isStale)", "\(f.monthlyCapacity)",
                "\(f.monthlyOutput)", "\(f.stockOnHand)", "\(f.stockThreshold)", "\(f.availableAboveThreshold)",
                "\(f.spareCapacity)", "\(f.leadTimeDays)",
            ].joined(separator: "|")
        }
    }

    static func totals(_ totals: [FigureTotal], by grouping: TotalsGrouping) -> [String] {
        totals.map { t in
            let key: [String] =
                switch grouping {
                case .item: [t.item]
                case .partner: [t.partner ?? "-", t.item]
                case .site: [t.site ?? "-", t.item]
                }
            return
                (key + [
                    "\(t.partners)", "\(t.sites)", "\(t.stalePartners)", "\(t.staleSites)", "\(t.monthlyCapacity)",
                    "\(t.monthlyOutput)", "\(t.stockOnHand)", "\(t.availableAboveThreshold)", "\(t.spareCapacity)",
                    "\(Int(t.oldestPeriod.year) * 12 + Int(t.oldestPeriod.month))",
                ]).joined(separator: "|")
        }
    }

    static func trend(_ points: [TrendPoint]) -> [String] {
        points.map { p in
            [
                "\(p.period)", "\(p.isPlan)", "\(p.monthlyCapacity)", "\(p.monthlyOutput)", "\(p.stockOnHand)",
                "\(p.availableAboveThreshold)", "\(p.partners)", "\(p.sites)", "\(p.staleSites)",
            ].joined(separator: "|")
        }
    }

    static func matches(_ matches: [ShortfallMatch]) -> [String] {
        var lines: [String] = []
        for match in matches {
            lines.append("\(match.shortfall.owner):\(match.shortfall.code) remaining \(match.shortfall.remaining)")
            lines += match.candidates.map { c in
                "  "
                    + [
                        c.partner, c.site, c.source.rawValue, "\(c.amount)", "\(c.covers)", "\(c.earliest)",
                        "\(c.ageMonths)", "\(c.isStale)", "\(c.alreadyPledged)",
                    ].joined(separator: "|")
            }
        }
        return lines
    }
}
