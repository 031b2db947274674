public import CapSyncMerge

/// CSV import of capacity reports: every row is checked before anything is appended, and every bad row is
/// reported (line and column), so an operator fixes the spreadsheet once rather than row by row.
///
/// Columns (header row required, any order, names case-insensitive): `item, site, period, capacity, output,
/// stock, threshold` and optionally `lead_time_days` (empty or absent: 0, as `capsync report` without
/// `--lead-time`), `constraints` and `release_to` (partner codes the row is released to only, or `coalition`;
/// empty: as the command says, Protocol/releasability.md §7). Files as spreadsheets save them are read too: a
/// UTF-8 byte order mark is skipped, and the separator is `,` or `;`, whichever the header row uses. Other columns are refused unless
/// named to be ignored, so a misspelt column never silently drops its values. A (item, site, period) may appear
/// once per file: two rows for one record would leave it to row order which one stands. With `acceptedPeriods`,
/// a month outside it is refused as a typing error (`periodOutOfRange`, Protocol/fold.md §Periods at input).
public enum ReportImport {
    public static let requiredColumns = ["item", "site", "period", "capacity", "output", "stock", "threshold"]
    public static let optionalColumns = ["lead_time_days", "constraints", "release_to"]

    public struct RowError: Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var columnName: String
        public var reason: String
        public var description: String { "line \(line), column \(column) (\(columnName)): \(reason)" }
    }

    /// What a file held, beyond its reports: how it was read, and what is legal but worth a second look.
    public struct Result: Sendable {
        public var reports: [CapacityReport]
        /// Each report's audience from the `release_to` column, in the same order (`.unspecified` without it).
        public var audiences: [ReleaseAudience]
        /// `,` or `;`.
        public var separator: Character
        /// Columns present in the file and left out, as asked.
        public var ignoredColumns: [String]
        /// Legal but suspicious rows (output above capacity), one line each.
        public var warnings: [String]
    }

    /// Parses and validates every row; throws a NodeError listing every bad row (up to 50) when any is bad.
    public static func parse(
        csv text: String,
        partner: String,
        catalog: Catalog = .standard,
        source: String = "csv"
    )
        throws(NodeError) -> [CapacityReport]
    {
        try read(csv: text, partner: partner, catalog: catalog, source: source).reports
    }

    /// Parses and validates every row, skipping the columns in `ignoring`; every error names `source`.
    public static func read(
        csv text: String,
        partner: String,
        catalog: Catalog = .standard,
        source: String = "csv",
        ignoring: [String] = [],
        acceptedPeriods: ClosedRange<Period>? = nil
    ) throws(NodeError) -> Result {
        var text = Substring(text)
        if text.unicodeScalars.first == "\u{FEFF}" { text = Substring(text.unicodeScalars.dropFirst()) }
        let headerLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let separator: Character =
            headerLine.filter { $0 == ";" }.count > headerLine.filter { $0 == "," }.count ? ";" : ","
        let table = try CSVTable(parsing: String(text), source: source, separator: separator.asciiValue!)
        let index = try columns(
            of: table,
            source: source,
            ignoring: ignoring.map { $0.lowercased() },
            separator: separator
        )
        let ignoredColumns = table.header.enumerated().filter {
            !index.values.contains($0.offset) && !$0.element.isEmpty
        }.map(\.element)
        var reports: [CapacityReport] = []
        var audiences: [ReleaseAudience] = []
        var errors: [RowError] = []
        var warnings: [String] = []
        var seen: [String: Int] = [:]
        var outOfRange = false
        for row in table.rows {
            func field(_ name: String) -> String { index[name].map { row.fields[$0].trimmed(of: " \t") } ?? "" }
            func fail(_ name: String, _ reason: String) {
                errors.append(
                    RowError(line: row.line, column: (index[name] ?? 0) + 1, columnName: name, reason: reason)
                )
            }
            func quantity(_ name: String, empty: UInt64? = nil) -> UInt64? {
                let text = field(name)
                if text.isEmpty, let empty { return empty }
                guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), let value = UInt64(text) else {
                    fail(name, text.hasPrefix("-") ? "must not be negative" : "'\(text)' is not a whole number")
                    return nil
                }
                return value
            }
            let errorCount = errors.count
            let item = field("item")
            do { _ = try catalog.require(item) } catch { fail("item", error.reason) }
            let period: Period?
            do { period = try Period(field("period")) } catch {
                period = nil
                fail("period", "'\(field("period"))' is not a month YYYY-MM")
            }
            if let period, let acceptedPeriods, !acceptedPeriods.contains(period) {
                outOfRange = true
                fail("period", PeriodRange.refusal(period, accepted: acceptedPeriods))
            }
            let capacity = quantity("capacity")
            let output = quantity("output")
            let stock = quantity("stock")
            let threshold = quantity("threshold")
            let lead = quantity("lead_time_days", empty: 0)
            var audience = ReleaseAudience.unspecified
            do { audience = try ReleaseAudience.parse(field("release_to")) } catch { fail("release_to", error.reason) }
            guard errors.count == errorCount, let period, let capacity, let output, let stock, let threshold, let lead
            else { continue }
            let key = "\(item)|\(field("site"))|\(period)"
            if let first = seen[key] {
                fail(
                    "site",
                    "repeats the item, site and period of line \(first) (\(item), \(field("site")), \(period)); each may appear once per file"
                )
                continue
            }
            seen[key] = row.line
            do {
                reports.append(
                    try CapacityReport(
                        partner: partner,
                        item: item,
                        site: field("site"),
                        period: period,
                        monthlyCapacity: capacity,
                        monthlyOutput: output,
                        stockOnHand: stock,
                        stockThreshold: threshold,
                        leadTimeDays: lead,
                        constraints: field("constraints")
                    )
                )
                audiences.append(audience)
            } catch {
                let field = error.context.map { String($0.split(separator: ".").last ?? "") } ?? ""
                let column = modelFieldColumns[field] ?? "site"
                fail(column, error.reason)
                continue
            }
            if output > capacity {
                warnings.append(
                    "line \(row.line): output \(output) is above capacity \(capacity) (\(item), \(field("site")), \(period))"
                )
            }
        }
        guard errors.isEmpty else {
            let shown = errors.prefix(50).map { "  \($0)" }.joined(separator: "\n")
            let more = errors.count > 50 ? "\n  … and \(errors.count - 50) more" : ""
            throw NodeError(
                outOfRange ? .periodOutOfRange : .usage,
                "\(errors.count) bad row value(s); nothing was imported:\n\(shown)\(more)",
                context: source,
                hint:
                    "columns: \(requiredColumns.joined(separator: ",")) [,lead_time_days] [,constraints] [,release_to]"
            )
        }
        return Result(
            reports: reports,
            audiences: audiences,
            separator: separator,
            ignoredColumns: ignoredColumns,
            warnings: warnings
        )
    }

    /// The index of every known column; refuses a missing, repeated or unexpected one, naming them all.
    private static func columns(
        of table: CSVTable,
        source: String,
        ignoring: [String],
        separator: Character
    )
        throws(NodeError) -> [String: Int]
    {
        let known = requiredColumns + optionalColumns
        let expected =
            "expected columns: \(requiredColumns.joined(separator: ",")) and optionally \(optionalColumns.joined(separator: ","))"
        let read =
            "the header row read with separator '\(separator)' is: \(table.header.joined(separator: String(separator)))"
        var index: [String: Int] = [:]
        for (position, name) in table.header.enumerated() where known.contains(name) {
            if let first = index[name] {
                throw NodeError(
                    .usage,
                    "column '\(name)' appears twice (columns \(first + 1) and \(position + 1))",
                    context: source
                )
            }
            index[name] = position
        }
        let missing = requiredColumns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw NodeError(
                .usage,
                "missing column\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) (\(expected))",
                context: source,
                hint: read
            )
        }
        // Spreadsheets often save a trailing separator: a column without a name or values is no column at all.
        for (position, name) in table.header.enumerated() where name.isEmpty {
            if let row = table.rows.first(where: { !$0.fields[position].trimmed(of: " \t").isEmpty }) {
                throw NodeError(
                    .usage,
                    "column \(position + 1) has no name in the header row but holds values (line \(row.line))",
                    context: source,
                    hint: "name the column, or delete it"
                )
            }
        }
        let extra = table.header.filter { !$0.isEmpty && !known.contains($0) && !ignoring.contains($0) }
        guard extra.isEmpty else {
            let names = extra
            throw NodeError(
                .usage,
                "unexpected column\(extra.count > 1 ? "s" : "") \(names.map { "'\($0)'" }.joined(separator: ", ")) (\(expected))",
                context: source,
                hint:
                    "to import without them, add --ignore-columns \(names.joined(separator: ",")); or correct the header"
            )
        }
        return index
    }
}

/// The data model names fields in its errors ("capacity report.lead time"); the CSV column each one comes from.
private let modelFieldColumns = [
    "item": "item", "site": "site", "monthly capacity": "capacity", "monthly output": "output",
    "stock on hand": "stock",
    "stock threshold": "threshold", "lead time": "lead_time_days", "constraints": "constraints",
]
