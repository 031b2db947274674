import CapSyncMerge

/// Sites at or below their threshold, told apart by drawdown plans: planned drawdowns are intended, unplanned
/// ones and refills behind plan are alarms.
struct DrawdownSection: DashboardSection {
    let model: DashboardModel
    let id = "drawdowns"
    var title: String { "Drawdowns, \(model.period)" }
    var summary: String {
        "Sites at or below their threshold: planned when a drawdown plan covers \(model.period) and the stock is at "
            + "or above its floor; unplanned (red) otherwise; refill behind plan (red) when a refill step's level is "
            + "not reached. Stock (bar) against the threshold (line)."
    }

    func renderBody(into html: inout String) {
        let all = model.stockAlerts.sorted { a, b in
            // Alarms first (unplanned, refill behind), then planned drawdowns; each in the view's order.
            (a.kind == .plannedDrawdown ? 1 : 0) < (b.kind == .plannedDrawdown ? 1 : 0)
        }
        guard !all.isEmpty else {
            html += "<p>No site is at or below its threshold in \(model.period).</p>"
            return
        }
        let alerts = Array(all.prefix(PlanningRows.shown))
        let rows = alerts.map { alert in
            let figure = alert.figure
            return BulletChart.Row(
                key: "\(figure.partner)/\(figure.item)/\(figure.site)",
                label: "\(figure.partner) \(figure.site) \(figure.item)",
                range: nil,
                measure: ("stock", figure.stockOnHand),
                marker: ("threshold", figure.stockThreshold),
                note: "\(alert.kind.rawValue): \(HTMLText.number(figure.stockOnHand)) held, threshold "
                    + HTMLText.number(figure.stockThreshold)
                    + (alert.plan.map { ", floor \(HTMLText.number($0.floor)) \($0.from)–\($0.to)" } ?? "")
                    + (alert.plannedStock.map { ", refill to \(HTMLText.number($0))" } ?? ""),
                isStale: figure.isStale,
                isAlert: alert.kind != .plannedDrawdown
            )
        }
        BulletChart(
            id: "chart-drawdowns",
            name: "drawdowns",
            title: "Stock against threshold at sites in drawdown or alarm, \(model.period)",
            description: "\(all.filter { $0.kind != .plannedDrawdown }.count) alarm(s), "
                + "\(all.filter { $0.kind == .plannedDrawdown }.count) planned; the table below has every number "
                + "drawn.",
            rows: rows
        ).render(into: &html)
        var table = DataTable(
            name: "drawdowns",
            caption: "Stock alerts with drawdown plans, \(model.period)",
            columns: ["site", "alert", "item", "period", "stock", "threshold", "floor", "window", "planned_stock"]
        )
        for alert in alerts {
            let figure = alert.figure
            table.add([
                .text("\(figure.partner) \(figure.site)"), .text(alert.kind.rawValue), .text(figure.item),
                .text(figure.period.description), .number(figure.stockOnHand), .number(figure.stockThreshold),
                .text(alert.plan.map { HTMLText.number($0.floor) } ?? ""),
                .text(alert.plan.map { "\($0.from)–\($0.to)" } ?? ""),
                .text(alert.plannedStock.map(HTMLText.number) ?? ""),
            ])
        }
        table.renderFolded(into: &html)
        PlanningRows.more(all.count - alerts.count, "site(s) at or below threshold", "capsync state drawdowns", &html)
    }
}

/// Deliveries towards needs: what each pledger promised, delivered and the needing partner confirmed; late first.
struct DeliverySection: DashboardSection {
    let model: DashboardModel
    let id = "deliveries"
    let title = "Deliveries against promises"
    var summary: String {
        "Per need and pledging partner, late first: delivered (dark) against promised (light), the line marks what "
            + "the needing partner confirmed; red when less was delivered than promised for months up to "
            + "\(model.period)."
    }

    func renderBody(into html: inout String) {
        guard !model.deliveries.isEmpty else {
            html += "<p>No delivery schedules or confirmations.</p>"
            return
        }
        let shown = model.deliveries.prefix(PlanningRows.shown)
        let rows = shown.map { row in
            BulletChart.Row(
                key: "\(row.needOwner):\(row.needCode)/\(row.pledger)",
                label: "\(row.pledger) → \(row.needOwner):\(row.needCode)",
                range: ("promised", row.promised),
                measure: ("delivered", row.delivered),
                marker: ("confirmed", row.confirmed),
                note: "\(HTMLText.number(row.delivered))/\(HTMLText.number(row.promised)) delivered, "
                    + "\(HTMLText.number(row.confirmed)) confirmed"
                    + (row.late > 0 ? ", \(HTMLText.number(row.late)) late" : "")
                    + (row.due.map { " · due \($0)" } ?? ""),
                isStale: false,
                isAlert: row.late > 0
            )
        }
        BulletChart(
            id: "chart-deliveries",
            name: "deliveries",
            title: "Delivered against promised per need and pledger, by \(model.period)",
            description:
                "\(model.deliveries.count) schedule(s), \(model.deliveries.filter { $0.late > 0 }.count) late; the "
                + "table below has every number.",
            rows: rows
        ).render(into: &html)
        var table = DataTable(
            name: "deliveries",
            caption: "Deliveries by \(model.period) (late first)",
            columns: [
                "need", "pledger", "item", "due", "pledged", "promised", "promised_by_month", "delivered", "confirmed",
                "late",
            ]
        )
        for row in shown {
            table.add([
                .text("\(row.needOwner):\(row.needCode)"), .text(row.pledger), .text(row.item ?? ""),
                .text(row.due?.description ?? ""), .number(row.pledged), .number(row.promised),
                .number(row.promisedByMonth), .number(row.delivered), .number(row.confirmed), .number(row.late),
            ])
        }
        table.renderFolded(into: &html)
        PlanningRows.more(model.deliveries.count - shown.count, "schedule(s)", "capsync state deliveries", &html)
    }
}

/// The factory queue: per site and month, capacity against accepted and waiting orders.
struct FactoryQueueSection: DashboardSection {
    let model: DashboardModel
    let id = "queues"
    let title = "Factory queues"
    var summary: String {
        "Per site and month from \(model.period): accepted slots (dark) and accepted plus waiting orders (line) "
            + "against capacity (light); red when the load exceeds capacity (oversubscribed)."
    }

    func renderBody(into html: inout String) {
        guard !model.queues.isEmpty else {
            html += "<p>No accepted or waiting orders from \(model.period) on.</p>"
            return
        }
        let shown = model.queues.prefix(PlanningRows.shown)
        let rows = shown.map { queue in
            BulletChart.Row(
                key: "\(queue.siteOwner)/\(queue.site)/\(queue.item)/\(queue.month)",
                label: "\(queue.siteOwner) \(queue.site) \(queue.month)",
                range: ("capacity", queue.capacity ?? 0),
                measure: ("accepted", queue.accepted),
                marker: ("load", queue.accepted + queue.waiting),
                note: "\(queue.item): \(HTMLText.number(queue.accepted)) accepted + "
                    + "\(HTMLText.number(queue.waiting)) waiting of "
                    + (queue.capacity.map(HTMLText.number) ?? "unreported capacity")
                    + (queue.oversubscribed > 0 ? ", \(HTMLText.number(queue.oversubscribed)) over" : ""),
                isStale: false,
                isAlert: queue.oversubscribed > 0
            )
        }
        BulletChart(
            id: "chart-queues",
            name: "queues",
            title: "Factory load against capacity per site and month",
            description: "\(model.queues.count) site-month(s), \(model.queues.filter { $0.oversubscribed > 0 }.count) "
                + "oversubscribed; the table below has every number.",
            rows: rows
        ).render(into: &html)
        var table = DataTable(
            name: "queues",
            caption: "Queue at each factory by month",
            columns: [
                "site", "item", "month", "capacity", "accepted", "waiting", "accepted_orders", "waiting_orders",
                "oversubscribed",
            ]
        )
        for queue in shown {
            table.add([
                .text("\(queue.siteOwner) \(queue.site)"), .text(queue.item), .text(queue.month.description),
                queue.capacity.map { .number($0) } ?? .text("not reported"), .number(queue.accepted),
                .number(queue.waiting), .number(UInt64(queue.acceptedOrders)), .number(UInt64(queue.waitingOrders)),
                .number(queue.oversubscribed),
            ])
        }
        table.renderFolded(into: &html)
        PlanningRows.more(model.queues.count - shown.count, "site-month(s)", "capsync state orders", &html)
    }
}

/// How many rows a planning section draws: a page to read, not a listing; the CLI lists everything.
enum PlanningRows {
    static let shown = 40

    static func more(_ count: Int, _ what: String, _ command: String, _ html: inout String) {
        guard count > 0 else { return }
        html += "<p class=\"more\">… and \(HTMLText.number(count)) more \(HTMLText.escape(what)) "
        html += "(<code>\(HTMLText.escape(command))</code> lists them all).</p>"
    }
}
