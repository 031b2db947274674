import CapSyncMerge

/// Coalition totals per item for the view's month: output against capacity, stale figures hatched.
struct TotalsSection: DashboardSection {
    let model: DashboardModel
    let id = "totals"
    var title: String { "Coalition totals, \(model.period)" }
    var summary: String {
        "Per item: output (dark) against capacity (light), each item on its own scale. Each site counts with its "
            + "report for \(model.period), else its latest earlier one; capacity bars are hatched where figures more "
            + "than \(model.staleAfterMonths) month(s) old count (stale)."
    }

    func renderBody(into html: inout String) {
        let rows = model.totals.map { total in
            BulletChart.Row(
                key: total.item,
                label: total.item,
                range: ("capacity", total.monthlyCapacity),
                measure: ("output", total.monthlyOutput),
                marker: nil,
                note: "\(HTMLText.number(total.monthlyOutput))/\(HTMLText.number(total.monthlyCapacity)) "
                    + "\(Unit.of(total.item))/month · stock \(HTMLText.number(total.stockOnHand)) · "
                    + "\(total.sites) sites" + (total.staleSites > 0 ? ", \(total.staleSites) stale" : ""),
                isStale: total.staleSites > 0,
                isAlert: false
            )
        }
        BulletChart(
            id: "chart-totals",
            name: "totals",
            title: "Coalition output against capacity per item, \(model.period)",
            description: "\(rows.count) items; the table below has every number.",
            rows: rows
        ).render(into: &html)
        var table = DataTable(
            name: "totals",
            caption: "Coalition totals, \(model.period)",
            columns: [
                "item", "unit", "capacity_per_month", "output_per_month", "stock", "available_above_threshold",
                "spare_capacity", "partners", "sites", "stale_sites", "oldest_period",
            ]
        )
        for total in model.totals {
            table.add([
                .text(total.item), .text(Unit.of(total.item)), .number(total.monthlyCapacity),
                .number(total.monthlyOutput), .number(total.stockOnHand), .number(total.availableAboveThreshold),
                .number(total.spareCapacity), .number(UInt64(total.partners)), .number(UInt64(total.sites)),
                .number(UInt64(total.staleSites)), .text(total.oldestPeriod.description),
            ])
        }
        table.renderFolded(into: &html)
    }
}

/// Open needs against what has been pledged, with how much the matching sites could cover.
struct ShortfallsSection: DashboardSection {
    let model: DashboardModel
    let id = "shortfalls"
    let title = "Shortfalls against needs"
    var summary: String {
        "Per open need, most pressing first: pledged (dark) against the need (light); red while pledges do not "
            + "cover it. Candidates are sites of other partners with stock above threshold or spare capacity that "
            + "could deliver by the due date — suggestions from reported figures, not commitments."
    }

    func renderBody(into html: inout String) {
        let rows = model.shortfalls.map { match in
            let need = match.shortfall
            return BulletChart.Row(
                key: "\(need.owner):\(need.code)",
                label: "\(need.owner):\(need.code)",
                range: ("quantity", need.quantity),
                measure: ("pledged", need.pledged),
                marker: nil,
                note: "\(need.item): \(HTMLText.number(need.pledged))/\(HTMLText.number(need.quantity)) pledged · "
                    + "due \(need.due) · \(match.candidates.count) candidate(s)",
                isStale: false,
                isAlert: need.remaining > 0
            )
        }
        BulletChart(
            id: "chart-shortfalls",
            name: "shortfalls",
            title: "Pledged against needed, per open need",
            description: "\(rows.count) open needs; the table below has every number.",
            rows: rows
        ).render(into: &html)
        var table = DataTable(
            name: "shortfalls",
            caption: "Open needs, pledges and candidates",
            columns: [
                "need", "item", "due", "priority", "quantity", "pledged", "remaining", "pledges", "candidates",
            ]
        )
        for match in model.shortfalls {
            let need = match.shortfall
            table.add([
                .text("\(need.owner):\(need.code)"), .text(need.item), .text(need.due.description),
                .number(UInt64(need.priority)), .number(need.quantity), .number(need.pledged),
                .number(need.remaining),
                .text(need.pledges.map { "\($0.partner) \(HTMLText.number($0.quantity))" }.joined(separator: ", ")),
                .text(
                    match.candidates.prefix(5).map {
                        "\($0.partner)/\($0.site) \($0.source.rawValue) \(HTMLText.number($0.covers)) by \($0.earliest)"
                            + ($0.isStale ? " (stale)" : "")
                    }.joined(separator: "; ") + (match.candidates.count > 5 ? "; …" : "")
                ),
            ])
        }
        table.renderFolded(into: &html)
    }
}

/// Each partner's stock of each item against its threshold.
struct StockSection: DashboardSection {
    let model: DashboardModel
    let id = "stock"
    let title = "Stock against threshold, per partner"
    var summary: String {
        "Per item and partner (summed over its sites; one scale per item): stock on hand (bar) with the "
            + "threshold (line); red when one of the partner's sites holds no more than its threshold."
    }

    func renderBody(into html: inout String) {
        var index = 0
        let levels = model.stock
        while index < levels.count {
            var end = index
            while end < levels.count, levels[end].item == levels[index].item { end += 1 }
            let item = levels[index].item
            let rows = levels[index..<end].map { level in
                BulletChart.Row(
                    key: level.partner,
                    label: level.partner,
                    range: nil,
                    measure: ("stock", level.stockOnHand),
                    marker: ("threshold", level.stockThreshold),
                    note: "\(HTMLText.number(level.stockOnHand)) held, threshold "
                        + "\(HTMLText.number(level.stockThreshold))"
                        + (level.sitesAtOrBelowThreshold > 0
                            ? ", \(level.sitesAtOrBelowThreshold) site(s) at or below" : "")
                        + (level.staleSites > 0 ? " · \(level.staleSites) stale" : ""),
                    isStale: level.staleSites > 0,
                    isAlert: level.sitesAtOrBelowThreshold > 0
                )
            }
            html += "<div class=\"item\"><h3>\(HTMLText.escape(item))</h3>"
            BulletChart(
                id: HTMLText.identifier("chart-stock", item),
                name: "stock",
                title: "\(item): stock against threshold per partner, \(model.period)",
                description: "\(rows.count) partner(s); the table below has every number.",
                rows: rows,
                item: item
            ).render(into: &html)
            var table = DataTable(
                name: "stock",
                caption: "\(item): stock and threshold per partner",
                columns: ["partner", "item", "sites", "stock", "threshold", "sites_at_or_below", "stale_sites"]
            )
            for level in levels[index..<end] {
                table.add([
                    .text(level.partner), .text(level.item), .number(UInt64(level.sites)), .number(level.stockOnHand),
                    .number(level.stockThreshold), .number(UInt64(level.sitesAtOrBelowThreshold)),
                    .number(UInt64(level.staleSites)),
                ])
            }
            table.renderFolded(into: &html)
            html += "</div>"
            index = end
        }
        if levels.isEmpty { html += "<p>No site has reported stock for \(model.period) or earlier.</p>" }
    }
}

/// Each item's monthly coalition series: actuals up to the view's month, then plans.
struct TrendSection: DashboardSection {
    let model: DashboardModel
    let id = "trend"
    let title = "Monthly trend per item"
    var summary: String {
        "Capacity, output and stock by month: solid lines and filled points are actuals (up to \(model.period)), "
            + "dashed lines and hollow points are plans (reports filed for later months)."
    }

    func renderBody(into html: inout String) {
        for trend in model.trends {
            let months = trend.points.map(\.period.description)
            let series = [
                ("capacity", \TrendPoint.monthlyCapacity), ("output", \TrendPoint.monthlyOutput),
                ("stock", \TrendPoint.stockOnHand),
            ].map { name, path in
                TrendChart.Series(
                    name: name,
                    points: trend.points.map {
                        TrendChart.Point(period: $0.period.description, isPlan: $0.isPlan, value: $0[keyPath: path])
                    }
                )
            }
            html += "<figure class=\"trend\"><figcaption>\(HTMLText.escape(trend.item))</figcaption>"
            TrendChart(
                id: HTMLText.identifier("chart-trend", trend.item),
                item: trend.item,
                title: "\(trend.item): coalition capacity, output and stock by month",
                description: "\(months.first ?? "") to \(months.last ?? ""); \(trend.points.filter(\.isPlan).count) "
                    + "plan month(s). The table below has every number.",
                months: months,
                series: series
            ).render(into: &html)
            var table = DataTable(
                name: "trend",
                caption: "\(trend.item) by month",
                columns: ["period", "kind", "capacity_per_month", "output_per_month", "stock", "sites", "stale_sites"]
            )
            for point in trend.points {
                table.add([
                    .text(point.period.description), .text(point.isPlan ? "plan" : "actual"),
                    .number(point.monthlyCapacity), .number(point.monthlyOutput), .number(point.stockOnHand),
                    .number(UInt64(point.sites)), .number(UInt64(point.staleSites)),
                ])
            }
            table.renderFolded(into: &html)
            html += "</figure>"
        }
    }
}

/// Joint-procurement pools and their members.
struct PoolsSection: DashboardSection {
    let model: DashboardModel
    let id = "pools"
    let title = "Joint procurement pools"
    let summary = "Items partners buy together, and who is in each pool."

    func renderBody(into html: inout String) {
        var table = DataTable(name: "pools", caption: "Pools", columns: ["item", "members", "partners"])
        for pool in model.pools {
            table.add([
                .text(pool.item), .number(UInt64(pool.members.count)),
                .text(pool.members.map(\.partner).joined(separator: ", ")),
            ])
        }
        if model.pools.isEmpty { html += "<p>No pools.</p>" } else { table.render(into: &html) }
    }
}

/// An item's unit from the standard catalog ("" when the catalog does not know the item).
enum Unit {
    static func of(_ item: String) -> String { Catalog.standard.item(item)?.unit ?? "" }
}
