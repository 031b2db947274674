import ArgumentParser
import CapSyncMerge
import CapSyncNode

extension CapSyncCommand.State {
    struct Pools: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Joint-procurement pools: lead nation, status, target, members and what each wants.",
            discussion: """
                Examples:
                  capsync state pools
                  capsync state pools --item BARREL-155 --format json --as-of 2026-11-30

                Tables: pools.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions
        @Option(help: "Only this item's pool.") var item: String?

        func run() async throws {
            if let item { try Suggestions.requireItem(item, catalog: { try self.node.catalog() }) }
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let state = try node.viewState(asOf: view.asOfStamp)
            try format.printer.print([PlanningTables.pools(state.poolPlans().filter { item == nil || $0.item == item })]
            )
            format.printReleaseNote(state)
        }
    }

    struct Drawdowns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stock alerts told apart by drawdown plans, and the plans themselves.",
            discussion: """
                For the view's month (--period): below threshold as planned (inside a plan's window, at or above its \
                floor), below threshold unplanned (no plan, outside its window, or below its floor), and refill \
                behind plan (stock under the level a refill step calls for by that month).

                Examples:
                  capsync state drawdowns --period 2027-01
                  capsync state drawdowns --format csv --table stock_alerts

                Tables: stock_alerts, drawdowns.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions
        @Option(help: "Only this item.") var item: String?

        func run() async throws {
            if let item { try Suggestions.requireItem(item, catalog: { try self.node.catalog() }) }
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let period = try view.viewPeriod()
            let state = try node.viewState(asOf: view.asOfStamp)
            let alerts = state.stockAlerts(at: period).filter { item == nil || $0.figure.item == item }
            let plans = state.drawdowns.filter { $0.value.isActive && (item == nil || $0.value.item == item) }
            try format.printer.print(
                [PlanningTables.alerts(alerts, view: period), PlanningTables.drawdowns(plans.map(\.value))],
                extra: format.format == .json ? ["period": period.period.description] : [:]
            )
            format.printReleaseNote(state)
        }
    }
}

/// Planning views as tables, so table, JSON and CSV output agree.
enum PlanningTables {
    static func pools(_ plans: [PoolPlan]) -> Table {
        var table = Table(
            title: "Joint procurement pools",
            name: "pools",
            columns: ["item", "lead", "status", "target", "wanted", "members"]
        )
        for plan in plans {
            table.add([
                .text(plan.item), plan.terms.map { .text($0.lead) } ?? .absent("no lead"),
                plan.terms.map { .text($0.status.description) } ?? .none,
                plan.terms.map { .int(Int64($0.target)) } ?? .none, .int(Int64(plan.wanted)),
                .list(plan.members.map { .text("\($0.partner):\($0.wanted)") }),
            ])
        }
        return table
    }

    static func alerts(_ alerts: [StockAlert], view: ViewPeriod) -> Table {
        var table = Table(
            title: "Stock alerts with drawdown plans, \(view.period)",
            name: "stock_alerts",
            columns: [
                "alert", "partner", "item", "site", "period", "stock", "threshold", "floor", "window", "planned_stock",
            ]
        )
        for alert in alerts {
            let figure = alert.figure
            table.add([
                .text(alert.kind.rawValue), .text(figure.partner), .text(figure.item), .text(figure.site),
                .text(figure.period.description), .int(Int64(figure.stockOnHand)), .int(Int64(figure.stockThreshold)),
                alert.plan.map { .int(Int64($0.floor)) } ?? .none,
                alert.plan.map { .text("\($0.from)–\($0.to)") } ?? .none,
                alert.plannedStock.map { .int(Int64($0)) } ?? .none,
            ])
        }
        return table
    }

    static func drawdowns(_ plans: [DrawdownPlan]) -> Table {
        var table = Table(
            title: "Drawdown plans",
            name: "drawdowns",
            columns: ["partner", "item", "site", "from", "to", "floor", "refill"]
        )
        for plan in plans {
            table.add([
                .text(plan.partner), .text(plan.item), .text(plan.site), .text(plan.from.description),
                .text(plan.to.description), .int(Int64(plan.floor)),
                .list(plan.refill.map { .text("\($0.month):\($0.stock)") }),
            ])
        }
        return table
    }
}
