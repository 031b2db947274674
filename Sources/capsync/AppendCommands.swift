import ArgumentParser
import CapSyncCrypto
import CapSyncMerge
import CapSyncNode
import CapSyncWire

/// What every appending command shares: the node, the signing key's passphrase, and the append itself.
struct AppendOptions: ParsableArguments {
    @OptionGroup var node: NodeOptions
    @OptionGroup var passphrase: PassphraseOptions

    func append(_ operations: [CapSyncMerge.Operation]) throws -> (Node, [Entry]) {
        let opened = try Node(root: node.paths.root)
        for repair in opened.store.recoveries { printError("repaired the store: \(repair)") }
        if let range = opened.store.ownChainStatus?.restoredFromJournal {
            printError("put back own entries seq \(range.lowerBound)-\(range.upperBound) from the own-chain journal")
        }
        let key = try NodeSetup.loadSigningKey(opened.paths, passphrase: try passphrase.passphrase())
        return (opened, try opened.append(operations, signingKey: key))
    }

    func partner() throws -> String { try NodeSetup.loadConfig(node.paths).partner }
}

func printAppended(_ entries: [Entry]) {
    guard let first = entries.first, let last = entries.last else { return }
    if entries.count == 1 {
        print("appended seq \(first.seq) (entry \(first.id.short)), durable on disk")
    } else {
        print("appended \(entries.count) entries, seq \(first.seq)–\(last.seq), durable on disk")
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
                """)
        @OptionGroup var append: AppendOptions
        @Option(help: "Item code from the catalog, e.g. SHELL-155-HE.") var item: String
        @Option(help: "Production or storage site.") var site: String
        @Option(help: "Month, YYYY-MM.") var period: String
        @Option(help: "Monthly production capacity.") var capacity: UInt64
        @Option(help: "Monthly output actually produced.") var output: UInt64
        @Option(help: "Stock on hand.") var stock: UInt64
        @Option(help: "Stock threshold this partner will not go below.") var threshold: UInt64
        @Option(help: "Lead time in days for new orders.") var leadTime: UInt64 = 0
        @Option(help: "Constraints, free text.") var constraints: String = ""

        func run() async throws {
            _ = try checked("--item") { () throws(MergeError) in try Catalog.standard.require(item) }
            let month = try checked("--period") { () throws(MergeError) in try Period(period) }
            let partner = try append.partner()
            let report = try checked("report") { () throws(MergeError) in
                try CapacityReport(
                    partner: partner, item: item, site: site, period: month, monthlyCapacity: capacity, monthlyOutput: output,
                    stockOnHand: stock, stockThreshold: threshold, leadTimeDays: leadTime, constraints: constraints)
            }
            printAppended(try append.append([.capacityReport(report)]).1)
        }
    }

    struct Retract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retract a capacity report of this partner (a tombstone; a later report revives the record).",
            discussion: "Example:\n  capsync retract --item SHELL-155-HE --site Raufoss --period 2026-11")
        @OptionGroup var append: AppendOptions
        @Option(help: "Item code.") var item: String
        @Option(help: "Site.") var site: String
        @Option(help: "Month, YYYY-MM.") var period: String

        func run() async throws {
            let month = try checked("--period") { () throws(MergeError) in try Period(period) }
            let partner = try append.partner()
            let retraction = try checked("retract") { () throws(MergeError) in
                try ReportRetraction(partner: partner, item: item, site: site, period: month)
            }
            printAppended(try append.append([.reportRetraction(retraction)]).1)
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
                """)
        @OptionGroup var append: AppendOptions
        @Option(help: "This partner's identifier for the need, e.g. NEED-001.") var id: String
        @Option(help: "Item code.") var item: String
        @Option(help: "Quantity needed, in the catalog unit.") var quantity: UInt64
        @Option(help: "Due date, YYYY-MM-DD.") var due: String
        @Option(help: "Priority, 1 (most urgent) to 5.") var priority: UInt8 = 3
        @Flag(help: "Close the need (met or withdrawn).") var close = false

        func run() async throws {
            _ = try checked("--item") { () throws(MergeError) in try Catalog.standard.require(item) }
            let day = try checked("--due") { () throws(MergeError) in try Day(due) }
            let partner = try append.partner()
            let need = try checked("need") { () throws(MergeError) in
                try Need(owner: partner, code: id, item: item, quantity: quantity, due: day, priority: priority, isOpen: !close)
            }
            printAppended(try append.append([.need(need)]).1)
        }
    }

    struct PledgeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pledge",
            abstract: "Pledge an absolute amount against another partner's need (0 withdraws; repeating changes nothing).",
            discussion: "Example:\n  capsync pledge --need US:NEED-001 --quantity 20000")
        @OptionGroup var append: AppendOptions
        @Option(help: "The need, as OWNER:ID, e.g. US:NEED-001.") var need: String
        @Option(help: "Amount pledged (absolute, replaces this partner's earlier pledge).") var quantity: UInt64

        func run() async throws {
            let parts = need.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError("--need must be OWNER:ID, e.g. US:NEED-001") }
            let partner = try append.partner()
            let pledge = try checked("--need") { () throws(MergeError) in
                try Pledge(partner: partner, needOwner: parts[0], needCode: parts[1], quantity: quantity)
            }
            printAppended(try append.append([.pledge(pledge)]).1)
        }
    }

    struct Pool: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join or leave the joint-procurement pool of an item.",
            discussion: "Examples:\n  capsync pool join --item BARREL-155\n  capsync pool leave --item BARREL-155",
            subcommands: [Join.self, Leave.self])

        struct Join: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Join an item's joint-procurement pool.")
            @OptionGroup var append: AppendOptions
            @Option(help: "Item code.") var item: String

            func run() async throws {
                _ = try checked("--item") { () throws(MergeError) in try Catalog.standard.require(item) }
                let partner = try append.partner()
                let join = try checked("pool") { () throws(MergeError) in try PoolJoin(partner: partner, item: item) }
                printAppended(try append.append([.poolJoin(join)]).1)
            }
        }

        struct Leave: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Leave an item's pool (removes the joins this node has seen; a concurrent join elsewhere wins).")
            @OptionGroup var append: AppendOptions
            @Option(help: "Item code.") var item: String

            func run() async throws {
                let partner = try append.partner()
                let node = try Node(root: append.node.paths.root)
                let tags = try node.coalitionState().pools.filter { $0.item == item && $0.partner == partner }.flatMap(\.tags)
                guard !tags.isEmpty else { throw CLIError("\(partner) is not in the pool for \(item)") }
                let leave = try checked("pool") { () throws(MergeError) in try PoolLeave(partner: partner, item: item, observedTags: tags) }
                printAppended(try append.append([.poolLeave(leave)]).1)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append many capacity reports from a CSV file; all rows are checked before anything is appended.",
            discussion: """
                Columns (header row required): item,site,period,capacity,output,stock,threshold,lead_time_days \
                and optionally constraints. Rows whose values already stand in the view are skipped, so importing \
                the same file twice changes nothing.

                Example:
                  capsync import november.csv
                """)
        @OptionGroup var append: AppendOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "Entries per durable batch.") var batchSize: Int = 5_000

        func validate() throws {
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1–100000") }
        }

        func run() async throws {
            let partner = try append.partner()
            let reports = try ReportImport.parse(csv: readFileText(file, what: "CSV file"), partner: partner, source: file)
            let node = try Node(root: append.node.paths.root)
            let current = try node.coalitionState()
            var standing: Set<CapacityReport> = []
            for record in current.records where record.partner == partner { if let report = record.report { standing.insert(report) } }
            let changed = reports.filter { !standing.contains($0) }
            let key = try NodeSetup.loadSigningKey(node.paths, passphrase: try append.passphrase.passphrase())
            var appended: [Entry] = []
            let progress = Progress(total: changed.count, label: "importing")
            var start = 0
            while start < changed.count {
                let chunk = changed[start..<min(start + batchSize, changed.count)]
                appended += try node.append(chunk.map { .capacityReport($0) }, signingKey: key)
                start += chunk.count
                progress.update(start)
            }
            progress.finish()
            print("\(reports.count) rows read, \(reports.count - changed.count) already standing, \(appended.count) appended")
            printAppended(appended)
        }
    }
}
