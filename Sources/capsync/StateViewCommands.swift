import ArgumentParser
import CapSyncMerge
import CapSyncNode

extension CapSyncCommand.State {
    struct Trend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An item's coalition capacity, output and stock by month: actuals, then plans.",
            discussion: """
                A month up to --period is an actual: the total a view for that month shows (each site's report for \
                the month, else its latest earlier one). A later month is a plan: the reports filed for exactly that \
                month. Without --from/--to: the 12 months up to --period and every later month with a plan (at most \
                24 months ahead).

                Examples:
                  capsync state trend --item SHELL-155-HE
                  capsync state trend --item SHELL-155-HE --from 2026-01 --to 2027-06 --format csv

                Tables: trend.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions
        @Option(help: "Item code.") var item: String
        @Option(help: ArgumentHelp("First month, YYYY-MM.", valueName: "month")) var from: String?
        @Option(help: ArgumentHelp("Last month, YYYY-MM.", valueName: "month")) var to: String?

        func validate() throws {
            if let from { try validatePeriod(from, flag: "--from") }
            if let to { try validatePeriod(to, flag: "--to") }
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try self.node.catalog() })
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let period = try view.viewPeriod()
            let state = try node.viewState(asOf: view.asOfStamp)
            let defaults = state.defaultTrendRange(item: item, view: period)
            let first = try parseMonth("--from", from) ?? defaults.lowerBound
            let last = try parseMonth("--to", to) ?? max(first, defaults.upperBound)
            guard first <= last else {
                throw ValidationError("--from \(first) is after --to \(last); give the earlier month first")
            }
            guard last.months(since: first) < CoalitionState.trendMonthLimit else {
                throw ValidationError(
                    "--from \(first) to --to \(last) is \(last.months(since: first) + 1) months; a trend covers at "
                        + "most \(CoalitionState.trendMonthLimit)"
                )
            }
            let points = state.trend(item: item, from: first, to: last, view: period)
            try format.printer.print(
                [PeriodTables.trend(points, item: item, view: period)],
                extra: format.format == .json
                    ? [
                        "item": item, "unit": PeriodTables.unit(item, PeriodTables.definedUnits(state)),
                        "period": period.period.description,
                        "stale_after_months": period.staleAfterMonths, "from": first.description,
                        "to": last.description,
                    ] : [:]
            )
            format.printReleaseNote(state)
        }
    }

    struct Shortfalls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open needs against pledges; with --match, who could fill each from their reported figures.",
            discussion: """
                A match is a suggestion read from reported figures, not a commitment: a site of another partner \
                with stock above its threshold (deliverable now), or with spare capacity (capacity - output) whose \
                lead time lets it deliver by the due date. Candidates are ranked by how much of the remaining need \
                they could cover, then how soon. The figures are the view's month's (--period), with their age.

                Examples:
                  capsync state shortfalls --match
                  capsync state shortfalls --match --item SHELL-155-HE --format csv --table matches

                Tables: shortfalls; with --match also matches (matches_interchangeable with --interchangeable: a \
                need can be filled from any item of its item's group, 'capsync catalog').
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions
        @Option(help: "Only needs of this item code.") var item: String?
        @Flag(help: "List the candidates that could fill each open need.") var match = false
        @Flag(
            help:
                "With --match: a need can be filled from any item of its item's group ('capsync catalog' lists groups)."
        )
        var interchangeable = false

        func validate() throws {
            if interchangeable, !match { throw ValidationError("--interchangeable applies to --match: add --match") }
        }

        func run() async throws {
            if let item { try Suggestions.requireItem(item, catalog: { try self.node.catalog() }) }
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let period = try view.viewPeriod()
            let today = view.today
            let state = try node.viewState(asOf: view.asOfStamp)
            var tables = [PeriodTables.shortfalls(state.shortfalls().filter { item == nil || $0.item == item })]
            if match, interchangeable {
                let catalog = CoalitionCatalog(state: state)
                let matches = state.shortfallMatches(at: period, today: today, interchangeable: catalog.interchangeable)
                    .filter { item == nil || $0.shortfall.item == item }
                tables.append(InterchangeableTables.matches(matches, view: period, today: today))
            } else if match {
                let matches = state.shortfallMatches(at: period, today: today).filter {
                    item == nil || $0.shortfall.item == item
                }
                tables.append(PeriodTables.matches(matches, view: period, today: today))
            }
            try format.printer.print(
                tables,
                extra: format.format == .json
                    ? [
                        "period": period.period.description, "stale_after_months": period.staleAfterMonths,
                        "today": today.description,
                    ] : [:]
            )
            format.printReleaseNote(state)
        }
    }
}
