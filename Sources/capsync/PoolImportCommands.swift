import ArgumentParser
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

extension CapSyncCommand {
    struct Pool: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join or leave an item's joint-procurement pool; state its terms (lead) or this partner's share.",
            discussion: """
                Joining a pool this partner is already in, or leaving one it is not in, changes nothing: the command \
                says so and appends nothing.

                Examples:
                  capsync pool join --item BARREL-155
                  capsync pool leave --item BARREL-155
                  capsync pool terms --item BARREL-155 --target 400 --status tendering
                  capsync pool want --item BARREL-155 --quantity 120
                """,
            subcommands: [Join.self, Leave.self, Terms.self, Want.self]
        )

        /// The tags of this partner's standing joins of an item's pool, as this node sees them.
        static func joins(of partner: String, item: String, in node: Node) throws -> [EntryID] {
            try memberships(of: partner, item: item, in: node.viewState()).flatMap(\.tags)
        }

        static func memberships(
            of partner: String,
            item: String,
            in state: CoalitionState
        ) -> [CoalitionState.PoolMembership] {
            state.pools.filter { $0.item == item && $0.partner == partner }
        }

        struct Join: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Join an item's joint-procurement pool.")
            @OptionGroup var append: AppendOptions
            @OptionGroup var release: ReleaseOptions
            @Option(help: "Item code.") var item: String

            func run() async throws {
                try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
                let partner = try append.partner()
                let join = try checked("pool") { () throws(MergeError) in try PoolJoin(partner: partner, item: item) }
                let node = try append.open()
                guard try Pool.joins(of: partner, item: item, in: node).isEmpty else {
                    append.say("\(partner) is already in the pool for \(item); nothing appended")
                    return
                }
                append.printAppended(try append.append([.poolJoin(join)], to: node, audience: release.audience()))
            }
        }

        struct Leave: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Leave an item's pool (removes the joins this node has seen; a concurrent join elsewhere wins)."
            )
            @OptionGroup var append: AppendOptions
            @OptionGroup var release: ReleaseOptions
            @Option(help: "Item code.") var item: String

            func run() async throws {
                try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
                let partner = try append.partner()
                let node = try append.open()
                let state = try node.viewState()
                let tags = Pool.memberships(of: partner, item: item, in: state).flatMap(\.tags)
                guard !tags.isEmpty else {
                    append.say("\(partner) is not in the pool for \(item); nothing appended")
                    return
                }
                let leave = try checked("pool") { () throws(MergeError) in
                    try PoolLeave(partner: partner, item: item, observedTags: tags)
                }
                // A leave names the joins it removes: it keeps the label of a restricted one.
                let labels = tags.compactMap { state.releasedTo[$0] }
                append.printAppended(
                    try append.append(
                        [.poolLeave(leave)],
                        to: node,
                        audience: release.audience(),
                        standing: labels.first
                    )
                )
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append many capacity reports from a CSV file; all rows are checked before anything is appended.",
            discussion: """
                Columns (header row required, any order): item,site,period,capacity,output,stock,threshold and \
                optionally lead_time_days (empty or absent: 0, as 'capsync report' without --lead-time), \
                constraints and release_to (partner codes the row is released to only, e.g. "NL,US" or NL US, \
                or 'coalition'; empty: as --release-to says). The separator is ',' or ';' (as spreadsheets save CSV in many locales), whichever the \
                header row uses; a UTF-8 byte order mark is skipped. Other columns are refused unless listed with \
                --ignore-columns. Each (item, site, period) may appear once per file: a repeat is refused with both \
                line numbers. Rows whose values already stand in the view are skipped, so importing the same file \
                twice changes nothing.

                Examples:
                  capsync import november.csv
                  capsync import november.csv --ignore-columns notes,owner
                  capsync import november.csv --release-to NL,US --round-to 1000
                """
        )
        @OptionGroup var append: AppendOptions
        @OptionGroup var release: ReleaseOptions
        @OptionGroup var rounding: RoundingOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "Entries per durable batch.") var batchSize: Int = 5_000
        @Option(
            help: ArgumentHelp(
                "Columns of the file to leave out, comma-separated (other unknown columns are refused).",
                valueName: "names"
            )
        )
        var ignoreColumns: String?

        func validate() throws {
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1–100000") }
            if rounding.roundTo != nil, try release.audience() == .coalition {
                throw ValidationError("--round-to goes with --release-to PARTNERS (the exact figures it seals)")
            }
        }

        func run() async throws {
            let partner = try append.partner()
            let ignoring = (ignoreColumns ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            let read: ReportImport.Result
            do {
                read = try ReportImport.read(
                    csv: readFileText(file, what: "CSV file"),
                    partner: partner,
                    catalog: try append.node.catalog().asCatalog,
                    source: file,
                    ignoring: ignoring,
                    acceptedPeriods: PeriodRange.accepted(nowMilliseconds: Node.nowMilliseconds())
                )
            } catch let error as NodeError where error.code == .periodOutOfRange {
                // A typed year is a usage error, as `capsync report --period` refuses it.
                printError("Error: \(error)")
                throw ExitCode(64)
            }
            let notInFile = ignoring.filter { !read.ignoredColumns.contains($0) }
            if !notInFile.isEmpty {
                printError(
                    "warning: --ignore-columns names \(notInFile.joined(separator: ", ")), not in the header of \(file)"
                )
            }
            for warning in read.warnings { printError("warning: \(file): \(warning); imported anyway") }
            let node = try append.open()
            let batches = try ImportBatches(
                read,
                flag: release.audience(),
                on: node,
                releasePartners: { try append.releasePartners($0, standing: $1, node: node) }
            )
            let reports = read.reports
            let changed = batches.changedCount
            let key = try append.passphrase.signingKey(node.paths)
            if rounding.roundTo != nil, batches.sealedCount == 0, changed > 0 {
                throw ValidationError(
                    "--round-to: no row of \(file) is released to named partners (give --release-to PARTNERS or a "
                        + "release_to column), so there is no exact figure to round"
                )
            }
            var appended: [Entry] = []
            var done = 0
            let progress = Progress(total: append.quiet ? 0 : changed, label: "importing")
            for batch in batches.batches {
                var start = 0
                while start < batch.reports.count {
                    let chunk = batch.reports[start..<min(start + batchSize, batch.reports.count)]
                    let operations = chunk.map { CapSyncMerge.Operation.capacityReport($0) }
                    if let label = batch.label {
                        let rounded = try rounding.roundTo.map { step in
                            try chunk.map {
                                CapSyncMerge.Operation.capacityReport(try RoundingOptions.rounded($0, to: step))
                            }
                        }
                        appended += try node.appendReleased(
                            operations,
                            releaseTo: label,
                            alongside: rounded ?? [],
                            signingKey: key
                        )
                    } else {
                        appended += try node.append(operations, signingKey: key)
                    }
                    start += chunk.count
                    done += chunk.count
                    progress.update(done)
                }
            }
            progress.finish()
            let ignored =
                read.ignoredColumns.isEmpty ? "" : "; columns ignored: \(read.ignoredColumns.joined(separator: ", "))"
            append.say("\(file): separator '\(read.separator)'\(ignored)")
            append.say(
                "\(reports.count) rows read, \(reports.count - changed) already standing, \(appended.count) appended"
                    + (batches.sealedCount > 0 ? " (\(batches.sealedCount) released to named partners only)" : "")
            )
            append.printAppended(appended)
        }
    }
}
