import CapSyncMerge

/// The period views as tables (Protocol/fold.md §Views): one place, so table, JSON and CSV output agree.
enum PeriodTables {
    static func unit(_ code: String, _ defined: [String: String] = [:]) -> String {
        Catalog.standard.item(code)?.unit ?? defined[code] ?? ""
    }

    /// The units of the items partners defined (kind 7), for items the built-in catalog lacks.
    static func definedUnits(_ state: CoalitionState) -> [String: String] {
        Dictionary(
            state.itemDefinitions.map { ($0.value.code, $0.value.unit) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    static func staleNote(_ view: ViewPeriod) -> String {
        "stale: reported more than \(view.staleAfterMonths) month\(view.staleAfterMonths == 1 ? "" : "s") before"
    }

    static func int(_ value: UInt64) -> Cell { .int(Int64(clamping: value)) }

    /// Coalition totals of the view's month, one row per item.
    static func totals(_ totals: [FigureTotal], view: ViewPeriod, units: [String: String] = [:]) -> Table {
        var table = Table(
            title: "Coalition totals for \(view.period) (each site's report for the month, else its latest earlier "
                + "one; \(staleNote(view)))",
            name: "totals",
            columns: [
                "item", "unit", "period", "capacity_per_month", "output_per_month", "stock",
                "available_above_threshold", "spare_capacity", "partners", "sites", "stale_partners", "stale_sites",
                "oldest_period",
            ]
        )
        for total in totals {
            table.add([
                .text(total.item), .text(unit(total.item, units)), .text(view.period.description),
                int(total.monthlyCapacity), int(total.monthlyOutput), int(total.stockOnHand),
                int(total.availableAboveThreshold), int(total.spareCapacity), .int(Int64(total.partners)),
                .int(Int64(total.sites)), .int(Int64(total.stalePartners)), .int(Int64(total.staleSites)),
                .text(total.oldestPeriod.description),
            ])
        }
        return table
    }

    /// Every contributing site of the view's month, with its figures and their age.
    static func sites(_ figures: [SiteFigure], view: ViewPeriod) -> Table {
        var table = Table(
            title: "Who makes it where, \(view.period) (headroom: stock above threshold; spare: capacity - output)",
            name: "sites",
            columns: [
                "item", "partner", "site", "period", "age_months", "stale", "capacity", "output", "stock",
                "threshold", "headroom", "spare_capacity", "lead_time_days", "constraints",
            ]
        )
        for figure in figures {
            table.add([
                .text(figure.item), .text(figure.partner), .text(figure.site), .text(figure.period.description),
                .int(Int64(figure.ageMonths)), .bool(figure.isStale), int(figure.monthlyCapacity),
                int(figure.monthlyOutput), int(figure.stockOnHand), int(figure.stockThreshold),
                int(figure.availableAboveThreshold), int(figure.spareCapacity), int(figure.leadTimeDays),
                .text(figure.constraints),
            ])
        }
        return table
    }

    /// Grouped totals: by item, by partner and item (per-partner subtotals), or by site and item.
    static func grouped(
        _ totals: [FigureTotal],
        by grouping: TotalsGrouping,
        view: ViewPeriod,
        name: String? = nil,
        title: String? = nil,
        units: [String: String] = [:]
    ) -> Table {
        let key: [String] =
            switch grouping {
            case .item: ["item"]
            case .partner: ["partner", "item"]
            case .site: ["site", "item"]
            }
        var table = Table(
            title: title ?? "Totals by \(grouping.rawValue) for \(view.period) (\(staleNote(view)))",
            name: name ?? "by_\(grouping.rawValue)",
            columns: key + [
                "unit", "capacity_per_month", "output_per_month", "stock", "available_above_threshold",
                "spare_capacity", "partners", "sites", "stale_sites", "oldest_period",
            ]
        )
        for total in totals {
            let keyCells: [Cell] =
                switch grouping {
                case .item: [.text(total.item)]
                case .partner: [.text(total.partner ?? ""), .text(total.item)]
                case .site: [.text(total.site ?? ""), .text(total.item)]
                }
            table.add(
                keyCells + [
                    .text(unit(total.item, units)), int(total.monthlyCapacity), int(total.monthlyOutput),
                    int(total.stockOnHand), int(total.availableAboveThreshold), int(total.spareCapacity),
                    .int(Int64(total.partners)), .int(Int64(total.sites)), .int(Int64(total.staleSites)),
                    .text(total.oldestPeriod.description),
                ]
            )
        }
        return table
    }

    static func alerts(_ figures: [SiteFigure], view: ViewPeriod) -> Table {
        var table = Table(
            title: "Stock at or below threshold, \(view.period)",
            name: "below_threshold",
            columns: ["partner", "item", "site", "period", "age_months", "stale", "stock", "threshold"]
        )
        for figure in figures {
            table.add([
                .text(figure.partner), .text(figure.item), .text(figure.site), .text(figure.period.description),
                .int(Int64(figure.ageMonths)), .bool(figure.isStale), int(figure.stockOnHand),
                int(figure.stockThreshold),
            ])
        }
        return table
    }

    static func trend(_ points: [TrendPoint], item: String, view: ViewPeriod) -> Table {
        var table = Table(
            title: "\(item) by month (actual: up to \(view.period); plan: reports for later months)",
            name: "trend",
            columns: [
                "period", "kind", "capacity_per_month", "output_per_month", "stock", "available_above_threshold",
                "partners", "sites", "stale_sites",
            ]
        )
        for point in points {
            table.add([
                .text(point.period.description), .text(point.isPlan ? "plan" : "actual"),
                int(point.monthlyCapacity), int(point.monthlyOutput), int(point.stockOnHand),
                int(point.availableAboveThreshold), .int(Int64(point.partners)), .int(Int64(point.sites)),
                .int(Int64(point.staleSites)),
            ])
        }
        return table
    }

    static func shortfalls(_ shortfalls: [Shortfall]) -> Table {
        var table = Table(
            title: "Shortfalls (open needs minus pledges, by due date)",
            name: "shortfalls",
            columns: ["due", "priority", "need", "item", "quantity", "pledged", "remaining", "pledges"]
        )
        for need in shortfalls {
            table.add([
                .text(need.due.description), .int(Int64(need.priority)), .text("\(need.owner):\(need.code)"),
                .text(need.item), int(need.quantity), int(need.pledged), int(need.remaining),
                .list(
                    need.pledges.map {
                        .record([.init("partner", .text($0.partner)), .init("quantity", int($0.quantity))])
                    }
                ),
            ])
        }
        return table
    }

    /// One row per candidate, ranked within each need.
    static func matches(_ matches: [ShortfallMatch], view: ViewPeriod, today: Day) -> Table {
        var table = Table(
            title: "Suggested matches (from reported figures of \(view.period), not commitments; deliveries counted "
                + "from \(today))",
            name: "matches",
            columns: [
                "need", "item", "due", "remaining", "rank", "partner", "site", "source", "amount", "covers",
                "earliest", "lead_time_days", "period", "age_months", "stale", "stock", "threshold", "capacity",
                "output", "already_pledged",
            ]
        )
        for match in matches {
            let need = match.shortfall
            for (rank, candidate) in match.candidates.enumerated() {
                table.add([
                    .text("\(need.owner):\(need.code)"), .text(need.item), .text(need.due.description),
                    int(need.remaining), .int(Int64(rank + 1)), .text(candidate.partner), .text(candidate.site),
                    .text(candidate.source.rawValue), int(candidate.amount), int(candidate.covers),
                    .text(candidate.earliest.description), int(candidate.leadTimeDays),
                    .text(candidate.period.description), .int(Int64(candidate.ageMonths)), .bool(candidate.isStale),
                    int(candidate.stockOnHand), int(candidate.stockThreshold), int(candidate.monthlyCapacity),
                    int(candidate.monthlyOutput), int(candidate.alreadyPledged),
                ])
            }
        }
        return table
    }
}
