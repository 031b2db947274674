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
            try node.coalitionState().pools.filter { $0.item == item && $0.partner == partner }.flatMap(\.tags)
        }

        struct Join: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Join an item's joint-procurement pool.")
            @OptionGroup var append: AppendOptions
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
                append.printAppended(try append.append([.poolJoin(join)], to: node))
            }
        }

        struct Leave: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Leave an item's pool (removes the joins this node has seen; a concurrent join elsewhere wins)."
            )
            @OptionGroup var append: AppendOptions
            @Option(help: "Item code.") var item: String

            func run() async throws {
                try Suggestions.requireItem(item, catalog: { try append.node.catalog() })
                let partner = try append.partner()
                let node = try append.open()
                let tags = try Pool.joins(of: partner, item: item, in: node)
                guard !tags.isEmpty else {
                    append.say("\(partner) is not in the pool for \(item); nothing appended")
                    return
                }
                let leave = try checked("pool") { () throws(MergeError) in
                    try PoolLeave(partner: partner, item: item, observedTags: tags)
                }
                append.printAppended(try append.append([.poolLeave(leave)], to: node))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append many capacity reports from a CSV file; all rows are checked before anything is appended.",
            discussion: """
                Columns (header row required, any order): item,site,period,capacity,output,stock,threshold and \
                optionally lead_time_days (empty or absent: 0, as 'capsync report' without --lead-time) and \
                constraints. The separator is ',' or ';' (as spreadsheets save CSV in many locales), whichever the \
                header row uses; a UTF-8 byte order mark is skipped. Other columns are refused unless listed with \
                --ignore-columns. Each (item, site, period) may appear once per file: a repeat is refused with both \
                line numbers. Rows whose values already stand in the view are skipped, so importing the same file \
                twice changes nothing.

                Examples:
                  capsync import november.csv
                  capsync import november.csv --ignore-columns notes,owner
                """
        )
        @OptionGroup var append: AppendOptions
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
            let reports = read.reports
            let node = try append.open()
            let current = try node.coalitionState()
            var standing: Set<CapacityReport> = []
            for record in current.records where record.partner == partner {
                if let report = record.report { standing.insert(report) }
            }
            let changed = reports.filter { !standing.contains($0) }
            let key = try append.passphrase.signingKey(node.paths)
            var appended: [Entry] = []
            let progress = Progress(total: append.quiet ? 0 : changed.count, label: "importing")
            var start = 0
            while start < changed.count {
                let chunk = changed[start..<min(start + batchSize, changed.count)]
                appended += try node.append(chunk.map { .capacityReport($0) }, signingKey: key)
                start += chunk.count
                progress.update(start)
            }
            progress.finish()
            let ignored =
                read.ignoredColumns.isEmpty ? "" : "; columns ignored: \(read.ignoredColumns.joined(separator: ", "))"
            append.say("\(file): separator '\(read.separator)'\(ignored)")
            append.say(
                "\(reports.count) rows read, \(reports.count - changed.count) already standing, \(appended.count) appended"
            )
            append.printAppended(appended)
        }
    }
}
