import CapSyncMerge

/// The views with interchangeable items counted together (`--interchangeable`), as tables.
enum InterchangeableTables {
    /// The unit of a total: its item's, or for a group the unit its known members share.
    static func unit(_ total: InterchangeableTotal, _ catalog: CoalitionCatalog) -> String {
        let units = Set(total.items.compactMap { catalog.item($0)?.unit })
        return units.count == 1 ? units.first! : units.sorted().joined(separator: "/")
    }

    static func grouped(
        _ totals: [InterchangeableTotal],
        by grouping: TotalsGrouping,
        view: ViewPeriod,
        catalog: CoalitionCatalog
    ) -> Table {
        let key: [String] =
            switch grouping {
            case .item: ["item"]
            case .partner: ["partner", "item"]
            case .site: ["site", "item"]
            }
        var table = Table(
            title: "Totals by \(grouping.rawValue) for \(view.period), interchangeable items counted per group "
                + "(\(PeriodTables.staleNote(view)))",
            name: "by_\(grouping.rawValue)_interchangeable",
            columns: key + [
                "group", "items", "unit", "capacity_per_month", "output_per_month", "stock",
                "available_above_threshold", "spare_capacity", "partners", "sites", "stale_sites", "oldest_period",
            ]
        )
        for row in totals {
            let total = row.total
            let keyCells: [Cell] =
                switch grouping {
                case .item: [.text(total.item)]
                case .partner: [.text(total.partner ?? ""), .text(total.item)]
                case .site: [.text(total.site ?? ""), .text(total.item)]
                }
            table.add(
                keyCells + [
                    .bool(row.isGroup), .list(row.items.map { .text($0) }), .text(unit(row, catalog)),
                    PeriodTables.int(total.monthlyCapacity), PeriodTables.int(total.monthlyOutput),
                    PeriodTables.int(total.stockOnHand), PeriodTables.int(total.availableAboveThreshold),
                    PeriodTables.int(total.spareCapacity), .int(Int64(total.partners)), .int(Int64(total.sites)),
                    .int(Int64(total.staleSites)), .text(total.oldestPeriod.description),
                ]
            )
        }
        return table
    }

    /// One row per candidate, ranked within each need; `candidate_item` is the member the site would give.
    static func matches(_ matches: [InterchangeableMatch], view: ViewPeriod, today: Day) -> Table {
        var table = Table(
            title: "Suggested matches, any item of the need's group (from reported figures of \(view.period), not "
                + "commitments; deliveries counted from \(today))",
            name: "matches_interchangeable",
            columns: [
                "need", "item", "group", "due", "remaining", "rank", "candidate_item", "partner", "site", "source",
                "amount", "covers", "earliest", "lead_time_days", "period", "age_months", "stale", "already_pledged",
            ]
        )
        for match in matches {
            let need = match.shortfall
            for (rank, row) in match.candidates.enumerated() {
                let candidate = row.candidate
                table.add([
                    .text("\(need.owner):\(need.code)"), .text(need.item), .text(match.group ?? ""),
                    .text(need.due.description), PeriodTables.int(need.remaining), .int(Int64(rank + 1)),
                    .text(row.item), .text(candidate.partner), .text(candidate.site), .text(candidate.source.rawValue),
                    PeriodTables.int(candidate.amount), PeriodTables.int(candidate.covers),
                    .text(candidate.earliest.description), PeriodTables.int(candidate.leadTimeDays),
                    .text(candidate.period.description), .int(Int64(candidate.ageMonths)), .bool(candidate.isStale),
                    PeriodTables.int(candidate.alreadyPledged),
                ])
            }
        }
        return table
    }
}
