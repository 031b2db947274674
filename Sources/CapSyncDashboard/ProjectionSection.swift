import CapSyncMerge

/// The stock projection of each item with an open need: coalition stock against the needs falling due, and when
/// each partner would cross its threshold or floor.
struct ProjectionSection: DashboardSection {
    let model: DashboardModel
    let id = "projection"
    let title = "Projected stock for items with open needs"
    var summary: String {
        "For the \(DashboardModel.projectionMonths) months after \(model.period): coalition stock from planned "
            + "output and scheduled deliveries, the open needs falling due (cumulative) and what deliveries cover of "
            + "them; all dashed, since every month is a projection. Per partner, the first month it would fall "
            + "below its threshold unplanned, below a drawdown floor or behind a refill plan."
    }

    func renderBody(into html: inout String) {
        guard !model.projections.isEmpty else {
            html += "<p>No open needs: nothing to project.</p>"
            return
        }
        for projection in model.projections {
            let item = projection.item
            let months = projection.coalition.map(\.period.description)
            let series = [
                ("stock", { (c: StockProjection.CoalitionMonth) in UInt64(max(0, c.stock)) }),
                ("needs due", { $0.needsDue }), ("covered", { $0.covered }),
            ].map { name, value in
                TrendChart.Series(
                    name: name,
                    points: projection.coalition.map {
                        TrendChart.Point(period: $0.period.description, isPlan: true, value: value($0))
                    }
                )
            }
            html += "<figure class=\"projection\" data-item=\"\(HTMLText.escape(item))\">"
            html += "<figcaption>\(HTMLText.escape(item))"
            html += projection.firstShortfall.map { " — shortfall from \($0)" } ?? " — needs covered"
            html += "</figcaption>"
            TrendChart(
                id: HTMLText.identifier("chart-projection", item),
                item: item,
                title: "\(item): projected coalition stock, needs due and covered, after \(projection.period)",
                description: "\(months.first ?? "") to \(months.last ?? ""); start stock "
                    + "\(HTMLText.number(projection.startStock)). The tables below have every number.",
                months: months,
                series: series,
                name: "projection"
            ).render(into: &html)
            var coalition = DataTable(
                name: "projection",
                caption: "\(item): coalition projection",
                columns: ["period", "output", "deliveries", "stock", "needs_due", "covered", "shortfall"]
            )
            for row in projection.coalition {
                coalition.add([
                    .text(row.period.description), .number(row.output), .number(row.deliveries), .signed(row.stock),
                    .number(row.needsDue), .number(row.covered), .number(row.shortfall),
                ])
            }
            coalition.renderFolded(into: &html)
            var flags = DataTable(
                name: "projection-flags",
                caption: "\(item): when each partner crosses a level",
                columns: ["partner", "start_stock", "crosses_threshold", "crosses_floor", "refill_behind", "lowest"]
            )
            for partner in projection.partners {
                let lowest = partner.months.map(\.stock).min() ?? Int64(partner.startStock)
                flags.add([
                    .text(partner.partner), .number(partner.startStock),
                    .text(partner.crossesThreshold?.description ?? "never"),
                    .text(partner.crossesFloor?.description ?? "never"),
                    .text(partner.refillBehind?.description ?? "never"), .signed(lowest),
                ])
            }
            flags.render(into: &html)
            html += "</figure>"
        }
    }
}
