import ArgumentParser
import CapSyncMerge
import CapSyncNode
import Foundation

extension CapSyncCommand.State {
    struct Projection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An item's stock projected month by month, per partner and for the coalition.",
            discussion: """
                Starts from the month view's stock (--period, default the current UTC month or the month of \
                --as-of) and, for each of the next --months months, adds planned output (the site's report for \
                that month, else its latest earlier one) and scheduled deliveries in, and takes away scheduled \
                deliveries out (promised, minus what the pledger recorded as delivered; late rows count in the \
                first month). A drawdown plan's floor replaces the threshold as the alarm level during its window. \
                Flags the first month each partner would fall below its threshold unplanned, below its floor, or \
                behind its refill plan, and the coalition's cumulative shortfall against open needs by due date \
                (Protocol/fold.md §Stock projection).

                Examples:
                  capsync state projection --item SHELL-155-HE --months 6
                  capsync state projection --item SHELL-155-HE --months 12 --format json
                  capsync state projection --item SHELL-155-HE --months 6 --format csv --table coalition

                Tables: flags, partners (one row a partner and month), coalition.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions
        @Option(help: "The item to project.") var item: String
        @Option(help: ArgumentHelp("How many months after --period to project (1 to 60).", valueName: "n"))
        var months: Int = 6

        func validate() throws {
            guard (1...StockProjection.monthLimit).contains(months) else {
                throw ValidationError("--months: \(months) is not a number of months from 1 to 60")
            }
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try self.node.catalog() })
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let period = try view.viewPeriod()
            let state = try node.viewState(asOf: view.asOfStamp)
            let projection = state.projection(item: item, from: period.period, months: months)
            try format.printer.print(
                ProjectionTables.tables(projection),
                extra: format.format == .csv ? [:] : ProjectionTables.summary(projection, json: format.format == .json)
            )
            format.printReleaseNote(state)
        }
    }
}

/// The projection as tables, so table, JSON and CSV output agree.
enum ProjectionTables {
    static func tables(_ projection: StockProjection) -> [Table] {
        [flags(projection), partners(projection), coalition(projection)]
    }

    /// The figures printed beside the tables; JSON gives numbers as numbers and null for no shortfall.
    static func summary(_ projection: StockProjection, json: Bool) -> [String: Any] {
        [
            "item": projection.item,
            "period": projection.period.description,
            "months": projection.coalition.count,
            "start_stock": projection.startStock,
            "first_shortfall": projection.firstShortfall?.description ?? (json ? NSNull() : "none"),
        ]
    }

    static func month(_ period: Period?, absent: String) -> Cell {
        period.map { .text($0.description) } ?? .absent(absent)
    }

    static func flags(_ projection: StockProjection) -> Table {
        var table = Table(
            title: "\(projection.item): when each partner crosses a level (after \(projection.period))",
            name: "flags",
            columns: ["partner", "start_stock", "crosses_threshold", "crosses_floor", "refill_behind"]
        )
        for partner in projection.partners {
            table.add([
                .text(partner.partner), .int(Int64(partner.startStock)),
                month(partner.crossesThreshold, absent: "never"), month(partner.crossesFloor, absent: "never"),
                month(partner.refillBehind, absent: "never"),
            ])
        }
        return table
    }

    static func partners(_ projection: StockProjection) -> Table {
        var table = Table(
            title: "\(projection.item): projected stock per partner",
            name: "partners",
            columns: [
                "partner", "period", "output", "in", "out", "stock", "threshold", "alarm", "refill", "drawdown",
                "status",
            ]
        )
        for partner in projection.partners {
            for row in partner.months {
                table.add([
                    .text(partner.partner), .text(row.period.description), .int(Int64(row.output)),
                    .int(Int64(row.deliveriesIn)), .int(Int64(row.deliveriesOut)), .int(row.stock),
                    .int(Int64(row.threshold)), .int(Int64(row.alarm)), row.refill.map { .int(Int64($0)) } ?? .none,
                    .bool(row.drawdown), .text(row.status.rawValue),
                ])
            }
        }
        return table
    }

    static func coalition(_ projection: StockProjection) -> Table {
        var table = Table(
            title: "\(projection.item): coalition (start stock \(projection.startStock))",
            name: "coalition",
            columns: ["period", "output", "deliveries", "stock", "needs_due", "covered", "shortfall"]
        )
        for row in projection.coalition {
            table.add([
                .text(row.period.description), .int(Int64(row.output)), .int(Int64(row.deliveries)), .int(row.stock),
                .int(Int64(row.needsDue)), .int(Int64(row.covered)), .int(Int64(row.shortfall)),
            ])
        }
        return table
    }
}
