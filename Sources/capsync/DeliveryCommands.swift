import ArgumentParser
import CapSyncMerge
import CapSyncNode

/// Sets one month's row in a list of delivery months, keeping the others (months ascending).
func settingMonth(_ rows: [DeliveryMonth], _ month: Period, quantity: UInt64?, delivered: UInt64?) -> [DeliveryMonth] {
    let old = rows.first { $0.month == month }
    let row = DeliveryMonth(
        month: month,
        quantity: quantity ?? old?.quantity ?? 0,
        delivered: delivered ?? old?.delivered ?? 0
    )
    return (rows.filter { $0.month != month } + [row]).sorted { $0.month < $1.month }
}

extension CapSyncCommand {
    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schedule or record this partner's deliveries towards another partner's need, by month.",
            discussion: """
                Sets one month of this partner's delivery schedule for the need (the other months stay as they \
                are): --promise what it will deliver that month, --delivered what it has delivered. The needing \
                partner confirms receipt with 'capsync confirm'; 'capsync state deliveries' compares the three.

                Examples:
                  capsync deliver --need UA:NEED-001 --month 2026-12 --promise 3000
                  capsync deliver --need UA:NEED-001 --month 2026-12 --delivered 2500
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "The need, as OWNER:ID.") var need: String
        @Option(help: ArgumentHelp("The month, YYYY-MM.", valueName: "month")) var month: String
        @Option(help: "Quantity promised for the month.") var promise: UInt64?
        @Option(help: "Quantity delivered in the month.") var delivered: UInt64?

        func validate() throws {
            guard need.split(separator: ":", maxSplits: 1).count == 2 else {
                throw ValidationError("--need must be OWNER:ID, e.g. UA:NEED-001")
            }
            try validatePeriod(month, flag: "--month")
            guard promise != nil || delivered != nil else {
                throw ValidationError("give --promise, --delivered or both for --month \(month)")
            }
        }

        func run() async throws {
            let parts = need.split(separator: ":", maxSplits: 1).map(String.init)
            let partner = try append.partner()
            guard parts[0] != partner else {
                throw ValidationError(
                    "--need \(need) is \(partner)'s own need: deliveries are towards another partner's need"
                )
            }
            let node = try append.open()
            let state = try node.viewState()  // restricted needs and schedules of this partner count too
            let standingSchedule = state.schedules.first {
                $0.value.partner == partner && $0.value.needOwner == parts[0] && $0.value.needCode == parts[1]
            }
            let standing = standingSchedule?.value.months ?? []
            let target = state.needs.first { $0.need.owner == parts[0] && $0.need.code == parts[1] }
            let period = try checked("--month") { () throws(MergeError) in try Period(month) }
            let schedule = try checked("deliver") { () throws(MergeError) in
                try DeliverySchedule(
                    partner: partner,
                    needOwner: parts[0],
                    needCode: parts[1],
                    months: settingMonth(standing, period, quantity: promise, delivered: delivered)
                )
            }
            if target == nil {
                printError("warning: this node holds no need \(need) yet; the schedule counts once the need arrives")
            }
            // The schedule carries its other months forward, so it keeps their label; else the need's.
            let label = state.releaseLabel(ofFirst: standingSchedule?.setBy, target?.setBy)
            append.printAppended(
                try append.append(
                    [.deliverySchedule(schedule)],
                    to: node,
                    audience: release.audience(),
                    standing: label
                )
            )
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm what this partner received from a pledging partner towards one of its needs, by month.",
            discussion: "Example:\n  capsync confirm --need NEED-001 --from NO --month 2026-12 --quantity 2500"
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "This partner's need id (only the needing partner confirms).") var need: String
        @Option(help: "The pledging partner that delivered.") var from: String
        @Option(help: ArgumentHelp("The month, YYYY-MM.", valueName: "month")) var month: String
        @Option(help: "Quantity received in the month.") var quantity: UInt64

        func validate() throws {
            try validatePeriod(month, flag: "--month")
            if need.contains(":") {
                throw ValidationError(
                    "--need is this partner's own need id (e.g. NEED-001), not OWNER:ID: only the needing partner "
                        + "confirms deliveries"
                )
            }
        }

        func run() async throws {
            let partner = try append.partner()
            let node = try append.open()
            let state = try node.viewState()
            guard let target = state.needs.first(where: { $0.need.owner == partner && $0.need.code == need }) else {
                throw ValidationError(
                    "\(partner) has no need \(need); only the needing partner confirms deliveries towards its needs"
                )
            }
            let standingConfirmation = state.confirmations.first {
                $0.value.needOwner == partner && $0.value.needCode == need && $0.value.pledger == from
            }
            let standing = standingConfirmation?.value.months ?? []
            let period = try checked("--month") { () throws(MergeError) in try Period(month) }
            let confirmation = try checked("confirm") { () throws(MergeError) in
                try DeliveryConfirmation(
                    needOwner: partner,
                    needCode: need,
                    pledger: from,
                    months: settingMonth(standing, period, quantity: quantity, delivered: nil)
                )
            }
            // Like a schedule, the confirmation keeps its label, else the pledger's schedule's, else the need's.
            let schedule = state.schedules.first {
                $0.value.partner == from && $0.value.needOwner == partner && $0.value.needCode == need
            }
            let label = state.releaseLabel(ofFirst: standingConfirmation?.setBy, schedule?.setBy, target.setBy)
            append.printAppended(
                try append.append(
                    [.deliveryConfirmation(confirmation)],
                    to: node,
                    audience: release.audience(),
                    standing: label
                )
            )
        }
    }
}

extension CapSyncCommand.State {
    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Promised, delivered and confirmed quantities per need and pledging partner, late first.",
            discussion: """
                Late is what the schedule promised for months up to --period and the pledging partner has not \
                recorded as delivered.

                Examples:
                  capsync state deliveries --period 2026-12
                  capsync state deliveries --format csv --as-of 2026-11-30

                Tables: deliveries.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let period = try view.viewPeriod()
            let state = try node.viewState(asOf: view.asOfStamp)
            var table = Table(
                title: "Deliveries by \(period.period) (late first)",
                name: "deliveries",
                columns: [
                    "need", "pledger", "item", "due", "pledged", "promised", "promised_by_month", "delivered",
                    "confirmed", "late",
                ]
            )
            for row in state.deliveries(at: period.period) {
                table.add([
                    .text("\(row.needOwner):\(row.needCode)"), .text(row.pledger), row.item.map { .text($0) } ?? .none,
                    row.due.map { .text($0.description) } ?? .none, .int(Int64(row.pledged)),
                    .int(Int64(row.promised)), .int(Int64(row.promisedByMonth)), .int(Int64(row.delivered)),
                    .int(Int64(row.confirmed)), .int(Int64(row.late)),
                ])
            }
            try format.printer.print([table])
            format.printReleaseNote(state)
        }
    }
}
