import ArgumentParser
import CapSyncMerge
import CapSyncNode

extension CapSyncCommand.Pool {
    struct Terms: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "State an item's pool terms as its lead nation: target quantity and status.",
            discussion: """
                The first partner to state terms for an item leads its pool; only the lead changes them afterwards \
                (others' terms are ignored by every node as notPoolLead, and refused here).

                Example:
                  capsync pool terms --item BARREL-155 --target 400 --status tendering
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "Item code.") var item: String
        @Option(help: "Quantity the pool procures.") var target: UInt64
        @Option(help: "forming, tendering, contracted or closed.") var status: String = "forming"

        func validate() throws {
            guard PoolStatus(name: status) != nil else {
                throw ValidationError(
                    "--status: '\(status)' is not one of: \(PoolStatus.allCases.map(\.description).joined(separator: ", "))"
                )
            }
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let partner = try append.partner()
            let terms = try checked("pool terms") { () throws(MergeError) in
                try PoolTerms(lead: partner, item: item, target: target, status: PoolStatus(name: status)!)
            }
            let node = try append.open()
            let state = try node.viewState()
            let standing = state.poolTerms.first(where: { $0.value.item == item })
            if let standing, standing.value.lead != partner {
                throw ValidationError(
                    "the \(item) pool is led by \(standing.value.lead); only its lead changes its terms (the fold "
                        + "would ignore these as notPoolLead). To take part: capsync pool join --item \(item), then "
                        + "capsync pool want --item \(item) --quantity N"
                )
            }
            append.printAppended(
                try append.append(
                    [.poolTerms(terms)],
                    to: node,
                    audience: release.audience(),
                    standing: state.releaseLabel(ofFirst: standing?.setBy)
                )
            )
        }
    }

    struct Want: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "State how much of the item this partner wants through its pool (absolute; 0 withdraws).",
            discussion: "Example:\n  capsync pool want --item BARREL-155 --quantity 120"
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "Item code.") var item: String
        @Option(help: "Quantity wanted through the pool.") var quantity: UInt64

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let partner = try append.partner()
            let share = try checked("pool want") { () throws(MergeError) in
                try PoolShare(partner: partner, item: item, quantity: quantity)
            }
            let node = try append.open()
            if try CapSyncCommand.Pool.joins(of: partner, item: item, in: node).isEmpty {
                printError(
                    "warning: \(partner) is not in the \(item) pool; the share counts once it joins "
                        + "(capsync pool join --item \(item))"
                )
            }
            let audience = try release.audience()
            let standing = try append.standingLabel(on: node, audience: audience) { state in
                state.poolShares.first { $0.value.partner == partner && $0.value.item == item }?.setBy
            }
            append.printAppended(
                try append.append([.poolShare(share)], to: node, audience: audience, standing: standing)
            )
        }
    }
}

extension CapSyncCommand {
    struct Drawdown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan to draw stock at a site below its threshold for a while, down to a floor, then refill.",
            discussion: """
                With a plan, stock below threshold inside the window and at or above the floor shows as a planned \
                drawdown, not an alarm; below a refill step's level once its month has come, as refill behind plan \
                (capsync state drawdowns). One plan per item and site; a new one replaces it, --withdraw ends it.

                Example:
                  capsync drawdown --item SHELL-155-HE --site Raufoss --from 2026-12 --to 2027-03 --floor 800 \\
                      --refill 2027-04:1500 --refill 2027-06:2500
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "Item code.") var item: String
        @Option(help: "Site whose stock is drawn down.") var site: String
        @Option(help: ArgumentHelp("First month below threshold, YYYY-MM.", valueName: "month")) var from: String
        @Option(help: ArgumentHelp("Last month below threshold, YYYY-MM.", valueName: "month")) var to: String
        @Option(help: "Stock never to go below in the window.") var floor: UInt64
        @Option(
            help: ArgumentHelp(
                "A refill step MONTH:STOCK (the stock planned from that month on); repeat, months ascending.",
                valueName: "month:stock"
            )
        )
        var refill: [String] = []
        @Flag(help: "Withdraw this partner's plan for the item and site.") var withdraw = false

        func validate() throws {
            try validatePeriod(from, flag: "--from")
            try validatePeriod(to, flag: "--to")
            for step in refill {
                let parts = step.split(separator: ":")
                guard parts.count == 2, UInt64(parts[1]) != nil else {
                    throw ValidationError("--refill '\(step)' is not MONTH:STOCK, e.g. 2027-04:1500")
                }
                try validatePeriod(String(parts[0]), flag: "--refill")
            }
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let partner = try append.partner()
            let steps = try refill.map { step in
                let parts = step.split(separator: ":").map(String.init)
                let month = try checked("--refill") { () throws(MergeError) in try Period(parts[0]) }
                return DrawdownPlan.RefillStep(month: month, stock: UInt64(parts[1])!)
            }
            let first = try checked("--from") { () throws(MergeError) in try Period(from) }
            let last = try checked("--to") { () throws(MergeError) in try Period(to) }
            let plan: DrawdownPlan
            do {
                plan = try DrawdownPlan(
                    partner: partner,
                    item: item,
                    site: site,
                    from: first,
                    to: last,
                    floor: floor,
                    refill: steps,
                    isActive: !withdraw
                )
            } catch { throw ValidationError("\(error.context ?? "drawdown"): \(error.reason)") }
            let node = try append.open()
            let audience = try release.audience()
            let standing = try append.standingLabel(on: node, audience: audience) { state in
                state.drawdowns.first { $0.value.partner == partner && $0.value.item == item && $0.value.site == site }?
                    .setBy
            }
            append.printAppended(
                try append.append([.drawdownPlan(plan)], to: node, audience: audience, standing: standing)
            )
        }
    }
}
