import ArgumentParser
import CapSyncExport
import CapSyncExportPostgres
import CapSyncNode
import Foundation

extension CapSyncCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the merged view and the entries into a SQL database for analysts.",
            discussion: """
                Tables: partners, items, reports, needs, pledges, pools, pool_terms, pool_shares, drawdowns, \
                drawdown_refills, deliveries, orders, entries (docs/export.md gives the schema and \
                example queries). Each run brings the database up to date in one transaction and writes only what \
                changed since the last export: the heads it exported are kept in the database.
                """,
            subcommands: [SQLite.self, Postgres.self]
        )
    }
}

extension CapSyncCommand.Export {
    struct SQLite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sqlite",
            abstract: "Export into a SQLite database file (created when missing).",
            discussion: """
                Prints what changed per table: rows inserted, updated and deleted.

                Examples:
                  capsync export sqlite coalition.db
                  sqlite3 coalition.db 'SELECT item, SUM(monthly_output) FROM reports GROUP BY item'
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var quiet: QuietOptions
        @Argument(help: ArgumentHelp("The SQLite database file.", valueName: "file")) var file: String

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            let result: IncrementalExport.Result
            do { result = try await IncrementalExport.sqlite(node: node, path: file) } catch let error as ExportError {
                throw CLIError("export failed: \(error.reason) (\(error.context)); nothing was written")
            }
            // The table of changes is a result line for people; --quiet leaves it out (json and csv stay).
            if quiet.quiet && format.format == .table { return }
            try printChanges(result, format: format)
        }
    }
}

extension CapSyncCommand.Export {
    struct Postgres: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "postgres",
            abstract: "Export into a PostgreSQL database (the tables are created when missing).",
            discussion: """
                URL: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, plain TCP (sslmode=disable): for a database on \
                this host or a trusted network. Prints what changed per table, as export sqlite does.

                Example:
                  capsync export postgres postgres://capsync@127.0.0.1:5432/coalition
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var quiet: QuietOptions
        @Argument(help: ArgumentHelp("The database URL.", valueName: "url")) var url: String

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            let result: IncrementalExport.Result
            do { result = try await IncrementalExport.postgres(node: node, url: url) } catch let error as ExportError {
                throw CLIError("export failed: \(error.reason) (\(error.context)); nothing was written")
            }
            if quiet.quiet && format.format == .table { return }
            try printChanges(result, format: format)
        }
    }
}

/// What an export changed, a row per table (none when the database was up to date).
func printChanges(_ result: IncrementalExport.Result, format: FormatOptions) throws {
    var table = Table(
        title: result.upToDate ? "Export: the database was up to date" : "Export",
        name: "export",
        columns: ["table", "inserted", "updated", "deleted"]
    )
    for change in result.changes {
        table.add([
            .text(change.table), .int(Int64(change.inserted)), .int(Int64(change.updated)),
            .int(Int64(change.deleted)),
        ])
    }
    try format.printer.print([table])
}
