import ArgumentParser
import CapSyncMerge
import CapSyncNode

extension CapSyncCommand {
    struct Order: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place (or cancel) an order at a production site, this partner's own or another partner's.",
            discussion: """
                The site's partner answers with 'capsync answer'; 'capsync state orders' shows the queue at each \
                site and where each order stands.

                Example:
                  capsync order --id ORD-1 --site-owner NO --site Raufoss --item SHELL-155-HE --quantity 20000 \\
                      --from 2026-12 --to 2027-02 --priority 1
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "This partner's identifier for the order, e.g. ORD-1.") var id: String
        @Option(help: "The partner whose site it is.") var siteOwner: String
        @Option(help: "The production site.") var site: String
        @Option(help: "Item code.") var item: String
        @Option(help: "Quantity ordered.") var quantity: UInt64
        @Option(help: ArgumentHelp("First month wanted, YYYY-MM.", valueName: "month")) var from: String
        @Option(help: ArgumentHelp("Last month wanted, YYYY-MM.", valueName: "month")) var to: String
        @Option(help: "Priority, 1 (most urgent) to 5.") var priority: UInt8 = 3
        @Flag(help: "Cancel the order.") var cancel = false

        func validate() throws {
            try validatePeriod(from, flag: "--from")
            try validatePeriod(to, flag: "--to")
            guard (1...5).contains(priority) else {
                throw ValidationError("--priority must be 1 (most urgent) to 5, not \(priority)")
            }
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let partner = try append.partner()
            let node = try append.open()
            guard siteOwner == partner || !node.roster.keys(of: siteOwner).isEmpty else {
                throw ValidationError(
                    "--site-owner: " + Suggestions.unknown("partner", siteOwner, among: node.roster.partners)
                )
            }
            let order: FactoryOrder
            do {
                order = try FactoryOrder(
                    partner: partner,
                    code: id,
                    siteOwner: siteOwner,
                    site: site,
                    item: item,
                    quantity: quantity,
                    wantedFrom: try Period(from),
                    wantedTo: try Period(to),
                    priority: priority,
                    isOpen: !cancel
                )
            } catch { throw ValidationError("\(error.context ?? "order"): \(error.reason)") }
            let audience = try release.audience()
            let standing = try append.standingLabel(on: node, audience: audience) { state in
                state.orders.first { $0.value.partner == partner && $0.value.code == id }?.setBy
            }
            append.printAppended(
                try append.append([.factoryOrder(order)], to: node, audience: audience, standing: standing)
            )
        }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer an order placed at one of this partner's sites: accept with a slot, or refuse.",
            discussion: """
                Examples:
                  capsync answer --order PL:ORD-1 --accept 2027-01:20000
                  capsync answer --order UA:ORD-7 --refuse
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "The order, as PARTNER:ID.") var order: String
        @Option(help: ArgumentHelp("Accept with a slot MONTH:QUANTITY.", valueName: "month:quantity")) var accept:
            String?
        @Flag(help: "Refuse the order.") var refuse = false

        func validate() throws {
            guard order.split(separator: ":", maxSplits: 1).count == 2 else {
                throw ValidationError("--order must be PARTNER:ID, e.g. PL:ORD-1")
            }
            guard (accept != nil) != refuse else {
                throw ValidationError("give exactly one of --accept MONTH:QUANTITY or --refuse")
            }
            if let accept {
                let parts = accept.split(separator: ":")
                guard parts.count == 2, UInt64(parts[1]) != nil else {
                    throw ValidationError("--accept '\(accept)' is not MONTH:QUANTITY, e.g. 2027-01:20000")
                }
                try validatePeriod(String(parts[0]), flag: "--accept")
            }
        }

        func run() async throws {
            let parts = order.split(separator: ":", maxSplits: 1).map(String.init)
            let partner = try append.partner()
            let node = try append.open()
            let state = try node.viewState()  // an order released to this partner is answered too
            guard let placed = state.orders.first(where: { $0.value.partner == parts[0] && $0.value.code == parts[1] })
            else {
                throw ValidationError(
                    "this node holds no order \(order) (not synced yet, or a wrong id; see capsync state orders)"
                )
            }
            guard placed.value.siteOwner == partner else {
                throw ValidationError(
                    "order \(order) is placed at \(placed.value.siteOwner)'s site \(placed.value.site); only the site's "
                        + "partner answers it (the fold would ignore this as notSiteOwner)"
                )
            }
            let slot = try accept.map { text in
                let pieces = text.split(separator: ":").map(String.init)
                let month = try checked("--accept") { () throws(MergeError) in try Period(pieces[0]) }
                return DeliveryMonth(month: month, quantity: UInt64(pieces[1])!)
            }
            let response = try checked("answer") { () throws(MergeError) in
                try OrderResponse(siteOwner: partner, orderPartner: parts[0], orderCode: parts[1], slot: slot)
            }
            // The answer keeps its standing label, else the order's.
            let answered = state.responses.first {
                $0.value.siteOwner == partner && $0.value.orderPartner == parts[0] && $0.value.orderCode == parts[1]
            }
            let label = state.releaseLabel(ofFirst: answered?.setBy, placed.setBy)
            append.printAppended(
                try append.append([.orderResponse(response)], to: node, audience: release.audience(), standing: label)
            )
        }
    }
}

extension CapSyncCommand.State {
    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The queue at each factory by month, and where each order stands.",
            discussion: """
                Per site and month: capacity (the site's report for the month, else its latest earlier one), the \
                slots accepted, the open orders waiting for an answer that want the month, and how far the load \
                exceeds capacity. Months from --from (default: the view's month) through --to (default: 5 months \
                later).

                Examples:
                  capsync state orders
                  capsync state orders --partner UA --format json

                Tables: queues, orders.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var view: ViewOptions
        @Option(help: ArgumentHelp("First month, YYYY-MM.", valueName: "month")) var from: String?
        @Option(help: ArgumentHelp("Last month, YYYY-MM.", valueName: "month")) var to: String?
        @Option(help: "Only orders placed by this partner.") var partner: String?

        func validate() throws {
            if let from { try validatePeriod(from, flag: "--from") }
            if let to { try validatePeriod(to, flag: "--to") }
        }

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let period = try view.viewPeriod()
            let first = try parseMonth("--from", from) ?? period.period
            let last = try parseMonth("--to", to) ?? first.adding(months: 5)
            guard first <= last, last.months(since: first) < 120 else {
                throw ValidationError(
                    "--from \(first) to --to \(last): give the earlier month first, at most 120 months"
                )
            }
            let state = try node.viewState(asOf: view.asOfStamp)
            var queues = Table(
                title: "Queue at each factory, \(first) to \(last)",
                name: "queues",
                columns: [
                    "site_owner", "site", "item", "month", "capacity", "accepted", "waiting", "accepted_orders",
                    "waiting_orders", "oversubscribed",
                ]
            )
            for queue in state.orderQueues(from: first, to: last, staleAfterMonths: period.staleAfterMonths) {
                queues.add([
                    .text(queue.siteOwner), .text(queue.site), .text(queue.item), .text(queue.month.description),
                    queue.capacity.map { .int(Int64($0)) } ?? .absent("not reported"), .int(Int64(queue.accepted)),
                    .int(Int64(queue.waiting)), .int(Int64(queue.acceptedOrders)), .int(Int64(queue.waitingOrders)),
                    .int(Int64(queue.oversubscribed)),
                ])
            }
            var orders = Table(
                title: "Orders and where they stand",
                name: "orders",
                columns: [
                    "partner", "order", "site_owner", "site", "item", "quantity", "wanted", "priority", "status",
                    "slot",
                ]
            )
            for standing in state.orderStandings() where partner == nil || standing.order.partner == partner {
                let order = standing.order
                orders.add([
                    .text(order.partner), .text(order.code), .text(order.siteOwner), .text(order.site),
                    .text(order.item),
                    .int(Int64(order.quantity)), .text("\(order.wantedFrom)–\(order.wantedTo)"),
                    .int(Int64(order.priority)), .text(standing.status.rawValue),
                    standing.slot.map { .text("\($0.month):\($0.quantity)") } ?? .none,
                ])
            }
            try format.printer.print([queues, orders])
            format.printReleaseNote(state)
        }
    }
}
