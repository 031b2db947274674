import ArgumentParser
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

/// An HLC timestamp as a UTC time for people.
func timeText(_ timestamp: HLCTimestamp) -> String {
    let date = Date(timeIntervalSince1970: TimeInterval(timestamp.milliseconds) / 1000)
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
}

extension CapSyncCommand {
    struct State: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show the merged coalition view for a month: totals, shortfalls, stock at or below threshold, pools.",
            discussion: """
                Folds every entry this node holds (its own and every partner's) into the coalition view. Every node \
                holding the same entries and roster shows the same view and the same digest.

                A view is for one month (--period, default the current UTC month): each site counts with its report \
                for that month, else its latest earlier one, marked with its age; reports for later months are plans \
                (capsync state trend), never actuals. Figures more than --stale-after months old are counted as stale.

                Examples:
                  capsync state --period 2026-11
                  capsync state --item SHELL-155-HE     # who makes it where, subtotals
                  capsync state --by partner            # per partner and item (or site)
                  capsync state --by item --interchangeable  # groups of interchangeable items counted together
                  capsync state trend --item SHELL-155-HE  # actuals, then plans
                  capsync state projection --item SHELL-155-HE --months 6  # stock ahead, with deliveries
                  capsync state shortfalls --match      # who could fill each need
                  capsync state --item SHELL-155-HE --format csv --table totals
                  capsync state --partner NO            # per-partner detail, with when each value was set
                  capsync state --as-of 2026-10-31      # the view as it was then
                  capsync state --digest
                  capsync state diff --since 2026-11-01

                Tables (--table NAME; --format csv prints one table a stream and needs it): totals, shortfalls, \
                below_threshold, pools, ignored (json and csv; for people: capsync log --ignored); with --item also \
                sites and partners; with --by: by_item, by_partner or by_site; with --interchangeable: \
                by_item_interchangeable (or by_partner_/by_site_interchangeable); with --partner: reports, needs, \
                pledges, pools, planning; with --digest: digests.
                """,
            subcommands: [
                Show.self, Trend.self, Shortfalls.self, Pools.self, Drawdowns.self, Deliveries.self, Orders.self,
                Projection.self, Diff.self,
            ],
            defaultSubcommand: Show.self
        )

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The coalition view (default).")
            @OptionGroup var node: NodeOptions
            @OptionGroup var format: FormatOptions
            @OptionGroup var view: ViewOptions
            @OptionGroup var quiet: QuietOptions
            @Option(help: "Only this item code, with every partner and site contributing to it.") var item: String?
            @Option(help: "Detail of this partner (reports, needs, pledges, pools, when each was set).") var partner:
                String?
            @Option(
                help: ArgumentHelp(
                    "Totals grouped by partner, site or item (each with its item: units differ).",
                    valueName: "partner|site|item"
                ),
                transform: parseGrouping
            )
            var by: TotalsGrouping?
            @Flag(
                help:
                    "Print only the state digest and the entry-set digest (of the whole view; not with --item or --partner)."
            )
            var digest = false
            @Flag(
                help:
                    "With --by or --item: count interchangeable items together, per group ('capsync catalog' lists groups)."
            )
            var interchangeable = false

            func validate() throws {
                if interchangeable, by == nil, item == nil {
                    throw ValidationError("--interchangeable groups totals: give it with --by or --item")
                }
                if interchangeable, partner != nil || digest {
                    throw ValidationError(
                        "--interchangeable applies to totals (--by, --item), not to --partner or --digest"
                    )
                }
                if by != nil, partner != nil {
                    throw ValidationError(
                        "--by groups totals of every partner; --partner shows one partner's detail: drop one of them"
                    )
                }
                if digest, let flag = partner != nil ? "--partner" : item != nil ? "--item" : by != nil ? "--by" : nil {
                    throw ValidationError(
                        "--digest covers the whole view and cannot be combined with \(flag); drop one of them"
                    )
                }
            }

            func run() async throws {
                if let item { try Suggestions.requireItem(item, catalog: { try self.node.catalog() }) }
                let node = try Node(root: self.node.paths.root, access: .readOnly)
                warnAboutPendingRepair(node)
                let asOfStamp = view.asOfStamp
                let period = try view.viewPeriod()
                // The views include what was released to this partner; the digest compared with every node is the
                // coalition-wide state's (Protocol/releasability.md §5).
                let coalition = try node.coalitionState(asOf: asOfStamp)
                if digest {
                    var table = Table(
                        name: "digests",
                        columns: [
                            "state_digest", "entry_set_digest", "entries", "roster_hash", "fold_version", "audiences",
                        ]
                    )
                    // Each audience this partner is in has its own digest, which all its members can compare
                    // (Protocol/releasability.md §5).
                    let audiences = try node.audienceDigests(asOf: asOfStamp).map { audience in
                        Cell.described(
                            "\(audience.label.joined(separator: ",")) \(audience.digest.hex)",
                            .record([
                                .init("label", .list(audience.label.map { .text($0) })),
                                .init("entries", .int(Int64(audience.entries))),
                                .init("audience_digest", .text(audience.digest.hex)),
                            ])
                        )
                    }
                    table.add([
                        .text(coalition.digest.hex), .text(try node.entrySetDigest().hex),
                        .int(Int64(node.store.entryCount)),
                        .text(node.roster.hash.hex), .int(Int64(coalition.foldVersion.rawValue)), .list(audiences),
                    ])
                    try format.printer.print([table])
                    return
                }
                let reader = try node.sealedReader()
                let state = try reader.map { try node.coalitionState(asOf: asOfStamp, reader: $0) } ?? coalition
                if let partner {
                    let known = Set(node.roster.partners).union(state.records.map(\.partner)).union(
                        state.needs.map(\.need.owner)
                    )
                    if !known.contains(partner) {
                        throw CLIError(
                            "--partner: " + Suggestions.unknown("partner", partner, among: known.sorted())
                                + " ('capsync roster' lists them)"
                        )
                    }
                }
                if let partner {
                    try format.printer.print(StateTables.detail(state.detail(of: partner), item: item))
                    format.printReleaseNote(state)
                    return
                }
                var tables: [Table]
                if interchangeable {
                    let catalog = CoalitionCatalog(state: state)
                    let totals = state.totals(
                        at: period,
                        by: by ?? .item,
                        item: item,
                        interchangeable: catalog.interchangeable
                    )
                    tables = [InterchangeableTables.grouped(totals, by: by ?? .item, view: period, catalog: catalog)]
                } else if let by {
                    tables = [
                        PeriodTables.grouped(
                            state.totals(at: period, by: by, item: item),
                            by: by,
                            view: period,
                            units: PeriodTables.definedUnits(state)
                        )
                    ]
                } else {
                    tables = StateTables.overview(state, item: item, view: period)
                }
                let released = StateTables.released(state, item: item, view: period)
                // The grouped output keeps its one table (its JSON is that table's rows): the marking goes in the
                // footer there.
                if by == nil, let released { tables.append(released) }
                let footer =
                    "\(state.entryCount) entries folded, \(state.ignored.count) ignored, \(state.flagged.count) flagged far-future"
                    + (asOfStamp.map { "; as of \(timeText($0))" } ?? "") + "; state digest \(coalition.digest.hex)"
                    + (by != nil ? released?.title.map { "\n" + $0 } ?? "" : "")
                if format.format == .table {
                    try format.printer.print(tables)
                    print("\n" + footer)
                    if !state.ignored.isEmpty && !quiet.quiet { print("ignored entries: capsync log --ignored") }
                } else {
                    if by == nil, !interchangeable { tables.append(ignoredTable(state.ignored, roster: node.roster)) }
                    try format.printer.print(
                        tables,
                        extra: format.format == .json
                            ? [
                                "state_digest": coalition.digest.hex, "entries": state.entryCount,
                                "period": period.period.description, "stale_after_months": period.staleAfterMonths,
                            ] : [:]
                    )
                }
            }
        }

        struct Diff: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "What changed in the view since a date, or since the last successful sync.",
                discussion: "Examples:\n  capsync state diff --since 2026-11-01\n  capsync state diff --since-sync"
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var format: FormatOptions
            @Option(
                help: ArgumentHelp(
                    "Changes from this time on. A date YYYY-MM-DD means from the start of that day (00:00 UTC), so "
                        + "its own changes are included; a time is YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or an offset "
                        + "(+01:00).",
                    valueName: "date-time"
                ),
                transform: DateTimeArgument.parse
            )
            var since: DateTimeArgument?
            @Flag(help: "Compare with the view as of the last successful sync.") var sinceSync = false

            func validate() throws {
                guard (since != nil) != sinceSync else {
                    throw ValidationError("give exactly one of --since DATE or --since-sync")
                }
            }

            func run() async throws {
                let node = try Node(root: self.node.paths.root, access: .readOnly)
                warnAboutPendingRepair(node)
                let stamp: HLCTimestamp
                let from: String
                if let since {
                    stamp = since.beforeTimestamp
                    from = timeText(
                        HLCTimestamp(milliseconds: UInt64(max(0, since.text.startMilliseconds)), logical: 0)
                    )
                } else {
                    guard let last = SyncState.load(node.paths).lastSyncAt else {
                        throw CLIError("this node has not synced successfully yet")
                    }
                    stamp = HLCTimestamp(milliseconds: UInt64(last.timeIntervalSince1970 * 1000), logical: .max)
                    from = timeText(stamp)
                }
                // This partner's own view, then and now: a change released to named partners is marked with them.
                let now = try node.viewState()
                let then = try node.viewState(asOf: stamp)
                let changes = CoalitionState.diff(then, now)
                var table = Table(
                    title: "Changes since \(from)",
                    name: "changes",
                    columns: ["area", "action", "subject", "before", "after", "set_at", "released_to"]
                )
                for change in changes {
                    let label = change.setBy.flatMap { now.releaseLabel(of: $0) ?? then.releaseLabel(of: $0) }
                    table.add([
                        .text(change.area.rawValue), .text(change.action.rawValue), .text(change.subject),
                        changeValue(change.before, change.beforeFields),
                        changeValue(change.after, change.afterFields),
                        change.setBy.map { .text(timeText($0.timestamp)) } ?? .none,
                        .described(
                            label.map { $0.joined(separator: ", ") + " only" } ?? "",
                            .list((label ?? []).map { .text($0) })
                        ),
                    ])
                }
                try format.printer.print([table])
            }
        }
    }
}

/// The view as tables; one place, so table, JSON and CSV output agree.
enum StateTables {
    static func overview(_ state: CoalitionState, item: String?, view: ViewPeriod) -> [Table] {
        let units = PeriodTables.definedUnits(state)
        var tables = [PeriodTables.totals(state.totals(at: view, item: item), view: view, units: units)]
        if let item {
            tables.append(PeriodTables.sites(state.siteFigures(at: view, item: item), view: view))
            tables.append(
                PeriodTables.grouped(
                    state.totals(at: view, by: .partner, item: item),
                    by: .partner,
                    view: view,
                    name: "partners",
                    title: "Subtotals per partner, \(view.period) (\(PeriodTables.staleNote(view)))",
                    units: units
                )
            )
        }
        tables.append(PeriodTables.shortfalls(state.shortfalls().filter { item == nil || $0.item == item }))
        tables.append(
            PeriodTables.alerts(state.thresholdAlerts(at: view).filter { item == nil || $0.item == item }, view: view)
        )
        var pools = Table(title: "Joint procurement pools", name: "pools", columns: ["item", "members"])
        for pool in state.poolViews() where item == nil || pool.item == item {
            pools.add([.text(pool.item), .list(pool.members.map { .text($0.partner) })])
        }
        tables.append(pools)
        return tables
    }

    /// The figures of the view released to named partners only, each with its label; nil when there are none.
    static func released(_ state: CoalitionState, item: String?, view: ViewPeriod) -> Table? {
        let figures = state.siteFigures(at: view, item: item).compactMap { figure in
            state.releaseLabel(of: figure.setBy).map { (figure, $0) }
        }
        guard !figures.isEmpty else { return nil }
        let labels = state.releaseLabels(of: figures.map(\.0.setBy))
        var table = Table(
            title: "Totals above " + (CoalitionState.releaseNote(labels) ?? "") + ": do not pass these on",
            name: "released",
            columns: ["item", "partner", "site", "period", "released_to"]
        )
        for (figure, label) in figures {
            table.add([
                .text(figure.item), .text(figure.partner), .text(figure.site), .text(figure.period.description),
                .list(label.map { .text($0) }),
            ])
        }
        return table
    }

    static func detail(_ detail: PartnerDetail, item: String?) -> [Table] {
        var reports = Table(
            title: "\(detail.partner): capacity reports",
            name: "reports",
            columns: [
                "item", "site", "period", "capacity", "output", "stock", "threshold", "available", "lead_time_days",
                "constraints", "set_at", "entry",
            ]
        )
        for row in detail.reports where item == nil || row.item == item {
            reports.add([
                .text(row.item), .text(row.site), .text(row.period.description), .int(Int64(row.monthlyCapacity)),
                .int(Int64(row.monthlyOutput)), .int(Int64(row.stockOnHand)), .int(Int64(row.stockThreshold)),
                .int(Int64(row.availableAboveThreshold)), .int(Int64(row.leadTimeDays)), .text(row.constraints),
                .text(timeText(row.setBy.timestamp)), .text(row.setBy.entryID.short),
            ])
        }
        var needs = Table(
            title: "\(detail.partner): needs",
            name: "needs",
            columns: ["need", "item", "quantity", "due", "priority", "open", "set_at"]
        )
        for row in detail.needs where item == nil || row.item == item {
            needs.add([
                .text(row.code), .text(row.item), .int(Int64(row.quantity)), .text(row.due.description),
                .int(Int64(row.priority)),
                .bool(row.isOpen), .text(timeText(row.setBy.timestamp)),
            ])
        }
        var pledges = Table(
            title: "\(detail.partner): pledges",
            name: "pledges",
            columns: ["need", "quantity", "set_at"]
        )
        for row in detail.pledges {
            pledges.add([
                .text("\(row.needOwner):\(row.needCode)"), .int(Int64(row.quantity)),
                .text(timeText(row.setBy.timestamp)),
            ])
        }
        var pools = Table(title: "\(detail.partner): pools joined", name: "pools", columns: ["item"])
        for pool in detail.pools where item == nil || pool == item { pools.add([.text(pool)]) }
        var planning = Table(
            title: "\(detail.partner): planning (pools, drawdowns, deliveries, orders)",
            name: "planning",
            columns: ["area", "subject", "value", "set_at", "entry"]
        )
        for row in detail.planning {
            planning.add([
                .text(row.area.rawValue), .text(row.subject), .text(row.summary),
                .text(timeText(row.setBy.timestamp)), .text(row.setBy.entryID.short),
            ])
        }
        return [reports, needs, pledges, pools, planning]
    }
}

/// The entries a fold ignored, as one table for `log --ignored` and `state --format json`: the kind by name as in
/// `log`, and the entry id.
func ignoredTable(_ ignored: [IgnoredEntry], roster: Roster) -> Table {
    var table = Table(
        title: "Entries ignored by the fold",
        name: "ignored",
        columns: ["partner", "author", "seq", "kind", "reason", "detail", "entry"]
    )
    for entry in ignored {
        table.add([
            roster.partner(of: entry.author).map { .text($0) } ?? .none, .text(KeyText.canonical(entry.author)),
            .int(Int64(entry.seq)), .text(EntryKind(rawValue: entry.kind)?.name ?? "kind \(entry.kind)"),
            .text(entry.reason.rawValue), .text(entry.detail), .text(entry.id.hex),
        ])
    }
    return table
}

/// A `state diff` value: its words for tables and CSV, its named fields for JSON (a single field stands alone).
func changeValue(_ text: String?, _ fields: [Change.Field]?) -> Cell {
    guard let text else { return .none }
    guard let fields, !fields.isEmpty else { return .text(text) }
    func cell(_ value: Change.Field.Value) -> Cell {
        switch value {
        case .int(let n): .int(Int64(clamping: n))
        case .text(let s): .text(s)
        case .bool(let b): .bool(b)
        }
    }
    if fields.count == 1 && ["roster_hash", "fold_version"].contains(fields[0].name) {
        return .described(text, cell(fields[0].value))
    }
    return .described(text, .record(fields.map { Cell.Field($0.name, cell($0.value)) }))
}
