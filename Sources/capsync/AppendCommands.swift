import ArgumentParser
import CapSyncCrypto
import CapSyncMerge
import CapSyncNode
import CapSyncWire

/// What every appending command shares: the node, the signing key's passphrase, `--quiet`, and the append itself.
struct AppendOptions: ParsableArguments {
    @OptionGroup var node: NodeOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Flag(name: .shortAndLong, help: "Print nothing on success; errors and warnings still go to standard error.")
    var quiet = false

    /// Opens the node as a writer; says what the open repaired (a damaged tail set aside, own entries put back).
    func open() throws -> Node {
        let opened = try Node(root: node.paths.root)
        for repair in opened.store.recoveries { printError("repaired the store: \(repair)") }
        if let range = opened.store.ownChainStatus?.restoredFromJournal {
            printError("put back own entries seq \(range.lowerBound)-\(range.upperBound) from the own-chain journal")
        }
        return opened
    }

    func append(_ operations: [CapSyncMerge.Operation], to node: Node) throws -> [Entry] {
        let key = try passphrase.signingKey(node.paths)
        return try node.append(operations, signingKey: key)
    }

    /// Appends `operations` to `node` for `audience` (Protocol/releasability.md §7): sealed for named partners,
    /// coalition-wide for `.coalition`. Unspecified, the entry keeps `standing`, the label of the restricted value
    /// it updates or answers (partners removed since are left out), and is coalition-wide when there is none.
    /// `coalitionWide` operations go first in the same batch, unsealed (an aggregate release, §6).
    func append(
        _ operations: [CapSyncMerge.Operation],
        to node: Node,
        audience: Audience,
        standing: [String]? = nil,
        alongside coalitionWide: [CapSyncMerge.Operation] = []
    ) throws -> [Entry] {
        let key = try passphrase.signingKey(node.paths)
        guard let partners = try releasePartners(audience, standing: standing, node: node) else {
            return try node.append(coalitionWide + operations, signingKey: key)
        }
        return try node.appendReleased(operations, releaseTo: partners, alongside: coalitionWide, signingKey: key)
    }

    /// The partners `audience` releases to on `node`, or nil for coalition-wide. A choice that releases to more
    /// partners than the restricted value it updates is warned about: a schedule or confirmation carries its
    /// other months forward to them.
    func releasePartners(_ audience: Audience, standing: [String]?, node: Node) throws -> [String]? {
        switch audience {
        case .coalition:
            if let standing {
                printError(
                    "warning: the value this updates was released to \(standing.joined(separator: ", ")) only; this "
                        + "entry gives what it holds to every partner"
                )
            }
            return nil
        case .partners(let partners):
            let added = Set(partners + [node.config.partner]).subtracting(standing ?? [])
            if let standing, !added.isEmpty {
                printError(
                    "warning: the value this updates was released to \(standing.joined(separator: ", ")) only; this "
                        + "entry gives what it holds to \(added.sorted().joined(separator: ", ")) too"
                )
            }
            return partners
        case .unspecified:
            guard let standing else { return nil }
            let active = node.rosterStatus.chain?.head.state.partnerActive ?? [:]
            let kept = standing.filter { active[$0] == true || $0 == node.config.partner }
            let dropped = standing.filter { !kept.contains($0) }
            if !quiet {
                printError(
                    "note: released to \(kept.joined(separator: ", ")) only, as the value it updates or answers"
                        + (dropped.isEmpty ? "" : " (less \(dropped.joined(separator: ", ")), removed from the roster)")
                        + "; --release-to coalition gives it to every partner"
                )
            }
            return kept
        }
    }

    /// The label of the standing value `find` picks out of this node's own view, when the audience is left
    /// unspecified and that value was released to named partners; nil otherwise. A node without decryption keys
    /// holds no readable restricted value, so it skips the fold.
    func standingLabel(
        on node: Node,
        audience: Audience,
        _ find: (CoalitionState) -> Stamp?
    ) throws -> [String]? {
        guard audience == .unspecified, let reader = try node.sealedReader() else { return nil }
        let state = try node.coalitionState(reader: reader)
        return find(state).flatMap { state.releaseLabel(of: $0) }
    }

    func partner() throws -> String { try NodeSetup.loadConfig(node.paths).partner }

    /// A result line for people, left out with --quiet.
    func say(_ text: String) {
        if !quiet { print(text) }
    }

    func printAppended(_ entries: [Entry]) {
        if !quiet { printAppendedEntries(entries) }
    }
}

func printAppendedEntries(_ entries: [Entry]) {
    guard let first = entries.first, let last = entries.last else { return }
    if entries.count == 1 {
        print("appended seq \(first.seq) (entry \(first.id.short)), durable on disk")
    } else {
        print("appended \(entries.count) entries, seq \(first.seq)–\(last.seq), durable on disk")
    }
}

/// A `--period` value: a usage error (exit status 64) unless it is a month YYYY-MM.
func validatePeriod(_ text: String, flag: String = "--period") throws {
    do { _ = try Period(text) } catch { throw ValidationError("\(flag): \(error.reason), e.g. 2026-11") }
}

/// A `--period` of a new report: also refused (exit status 64) outside the months that may be reported, from
/// 2000-01 to 24 months after the current month (Protocol/fold.md §Periods at input).
func validateReportedPeriod(_ text: String) throws {
    try validatePeriod(text)
    let period = try Period(text)
    let accepted = PeriodRange.accepted(nowMilliseconds: Node.nowMilliseconds())
    guard accepted.contains(period) else {
        throw ValidationError("--period: " + PeriodRange.refusal(period, accepted: accepted))
    }
}

/// Turns a validation failure of the data model into a usage error naming the flag.
func checked<T>(_ flag: String, _ body: () throws(MergeError) -> T) throws -> T {
    do { return try body() } catch { throw CLIError("\(flag): \(error.reason)") }
}

extension CapSyncCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report this partner's monthly capacity, output and stock of an item at a site.",
            discussion: """
                The latest report per (partner, item, site, month) wins. Quantities are in the catalog unit \
                ('capsync catalog' lists items and units).

                Example:
                  capsync report --item SHELL-155-HE --site Raufoss --period 2026-11 \\
                      --capacity 12000 --output 9500 --stock 4200 --threshold 1500 --lead-time 45 \\
                      --constraints "TNT supply limits a second shift"
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @OptionGroup var rounding: RoundingOptions
        @Option(help: "Item code from the catalog, e.g. SHELL-155-HE.") var item: String
        @Option(help: "Production or storage site.") var site: String
        @Option(help: "Month, YYYY-MM: from 2000-01 to 24 months after the current month (later months are plans).")
        var period: String
        @Option(help: "Monthly production capacity.") var capacity: UInt64
        @Option(help: "Monthly output actually produced.") var output: UInt64
        @Option(help: "Stock on hand.") var stock: UInt64
        @Option(help: "Stock threshold this partner will not go below.") var threshold: UInt64
        @Option(help: "Lead time in days for new orders.") var leadTime: UInt64 = 0
        @Option(help: "Constraints, free text.") var constraints: String = ""

        func validate() throws {
            try validateReportedPeriod(period)
            try rounding.check(with: release.audience())
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let month = try checked("--period") { () throws(MergeError) in try Period(period) }
            let partner = try append.partner()
            let report = try checked("report") { () throws(MergeError) in
                try CapacityReport(
                    partner: partner,
                    item: item,
                    site: site,
                    period: month,
                    monthlyCapacity: capacity,
                    monthlyOutput: output,
                    stockOnHand: stock,
                    stockThreshold: threshold,
                    leadTimeDays: leadTime,
                    constraints: constraints
                )
            }
            if output > capacity {
                printError(
                    "warning: output \(output) is above capacity \(capacity) for \(item) at \(site) in \(period); appended "
                        + "anyway (if it was a slip, report again with the right --output or --capacity)"
                )
            }
            var alongside: [CapSyncMerge.Operation] = []
            if let step = rounding.roundTo {
                // Aggregate release (Protocol/releasability.md §6): the rounded figures for the coalition, then the
                // exact ones sealed; the audience's views take the later, exact entry.
                let rounded = try RoundingOptions.rounded(report, to: step)
                alongside = [.capacityReport(rounded)]
            }
            let node = try append.open()
            let audience = try release.audience()
            let standing = try append.standingLabel(on: node, audience: audience) { state in
                state.records.first {
                    $0.partner == partner && $0.item == item && $0.site == site && $0.period == month
                }?
                .setBy
            }
            append.printAppended(
                try append.append(
                    [.capacityReport(report)],
                    to: node,
                    audience: audience,
                    standing: standing,
                    alongside: alongside
                )
            )
        }
    }

    struct Retract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retract a capacity report of this partner (a tombstone; a later report revives the record).",
            discussion: "Example:\n  capsync retract --item SHELL-155-HE --site Raufoss --period 2026-11"
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "Item code.") var item: String
        @Option(help: "Site.") var site: String
        @Option(help: "Month, YYYY-MM.") var period: String

        func validate() throws { try validatePeriod(period) }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let month = try checked("--period") { () throws(MergeError) in try Period(period) }
            let partner = try append.partner()
            let retraction = try checked("retract") { () throws(MergeError) in
                try ReportRetraction(partner: partner, item: item, site: site, period: month)
            }
            let node = try append.open()
            let state = try node.viewState()  // a report released to named partners is retracted too
            let own = state.records.filter { $0.partner == partner && $0.item == item }
            guard let record = own.first(where: { $0.site == site && $0.period == month }) else {
                let standing = own.filter { $0.report != nil }.map { "\($0.site) \($0.period)" }
                throw CLIError(
                    "\(partner) has no report for \(item) at \(site) in \(period), so there is nothing to retract (a retraction "
                        + "removes a standing report of this partner). "
                        + (standing.isEmpty
                            ? "\(partner) has no report for \(item) at all."
                            : "Reports of \(partner) for \(item): \(standing.joined(separator: ", ")).")
                        + " See: capsync state --partner \(partner)"
                )
            }
            guard record.report != nil else {
                append.say(
                    "\(item) at \(site) in \(period) is already retracted (since \(timeText(record.setBy.timestamp))); nothing appended"
                )
                return
            }
            // A restricted report keeps its retraction restricted, unless the coalition holds a figure for the same
            // record (the rounded one of an aggregate release): that one must go too, so the retraction is public.
            var standing = state.releaseLabel(of: record.setBy)
            if standing != nil,
                try node.coalitionState().records.contains(where: {
                    $0.partner == partner && $0.item == item && $0.site == site && $0.period == month
                        && $0.report != nil
                })
            {
                standing = nil
            }
            append.printAppended(
                try append.append(
                    [.reportRetraction(retraction)],
                    to: node,
                    audience: release.audience(),
                    standing: standing
                )
            )
        }
    }

    struct NeedCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "need",
            abstract: "State, update or close a need of this partner.",
            discussion: """
                A need is identified by this partner's code and --id; only this partner can change it. Others pledge \
                against it as PARTNER:ID.

                Examples:
                  capsync need --id NEED-001 --item SHELL-155-HE --quantity 80000 --due 2027-01-31 --priority 1
                  capsync need --id NEED-001 --item SHELL-155-HE --quantity 80000 --due 2027-01-31 --priority 1 --close
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "This partner's identifier for the need, e.g. NEED-001.") var id: String
        @Option(help: "Item code.") var item: String
        @Option(help: "Quantity needed, in the catalog unit.") var quantity: UInt64
        @Option(help: ArgumentHelp("Due date, YYYY-MM-DD.", valueName: "date"), transform: DayArgument.parse) var due:
            DayArgument
        @Option(help: "Priority, 1 (most urgent) to 5.") var priority: UInt8 = 3
        @Flag(help: "Close the need (met or withdrawn).") var close = false

        func validate() throws {
            guard (1...5).contains(priority) else {
                throw ValidationError("--priority must be 1 (most urgent) to 5, not \(priority)")
            }
        }

        func run() async throws {
            try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
            let day = due.day
            let partner = try append.partner()
            let need = try checked("need") { () throws(MergeError) in
                try Need(
                    owner: partner,
                    code: id,
                    item: item,
                    quantity: quantity,
                    due: day,
                    priority: priority,
                    isOpen: !close
                )
            }
            let node = try append.open()
            let audience = try release.audience()
            let standing = try append.standingLabel(on: node, audience: audience) { state in
                state.needs.first { $0.need.owner == partner && $0.need.code == id }?.setBy
            }
            append.printAppended(try append.append([.need(need)], to: node, audience: audience, standing: standing))
        }
    }

    struct PledgeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pledge",
            abstract:
                "Pledge an absolute amount against another partner's need (0 withdraws; repeating changes nothing).",
            discussion: "Example:\n  capsync pledge --need US:NEED-001 --quantity 20000"
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @Option(help: "The need, as OWNER:ID, e.g. US:NEED-001.") var need: String
        @Option(help: "Amount pledged (absolute, replaces this partner's earlier pledge).") var quantity: UInt64

        func validate() throws {
            guard need.split(separator: ":", maxSplits: 1).count == 2 else {
                throw ValidationError("--need must be OWNER:ID, the need's partner code and id, e.g. US:NEED-001")
            }
        }

        func run() async throws {
            let parts = need.split(separator: ":", maxSplits: 1).map(String.init)
            let partner = try append.partner()
            guard parts[0] != partner else {
                throw CLIError(
                    "--need \(need) is \(partner)'s own need: a partner cannot pledge towards its own need (the fold would "
                        + "ignore it as selfPledge). To change the need itself: capsync need --id \(parts[1]) ..."
                )
            }
            let node = try append.open()
            guard !node.roster.keys(of: parts[0]).isEmpty else {
                throw CLIError(
                    "--need \(need): " + Suggestions.unknown("partner", parts[0], among: node.roster.partners)
                        + " A pledge counts only towards the need of a roster partner; check the code, or add the partner "
                        + "with 'capsync roster add CARD'."
                )
            }
            let pledge = try checked("--need") { () throws(MergeError) in
                try Pledge(partner: partner, needOwner: parts[0], needCode: parts[1], quantity: quantity)
            }
            let state = try node.viewState()  // a need released to this partner counts too
            let target = state.needs.first { $0.need.owner == parts[0] && $0.need.code == parts[1] }
            if target == nil {
                printError(
                    "warning: this node holds no need \(need) yet (not synced, or a wrong id; see capsync state); "
                        + "the pledge is appended and counts once the need arrives"
                )
            }
            // A pledge keeps its standing label, else the need's: naming a restricted need is news to others.
            let standing = state.pledges.first {
                $0.pledge.partner == partner && $0.pledge.needOwner == parts[0] && $0.pledge.needCode == parts[1]
            }
            let label = state.releaseLabel(ofFirst: standing?.setBy, target?.setBy)
            append.printAppended(
                try append.append([.pledge(pledge)], to: node, audience: release.audience(), standing: label)
            )
        }
    }
}
