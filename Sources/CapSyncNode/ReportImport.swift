public import CapSyncMerge

/// CSV import of capacity reports: every row is checked before anything is appended, and every bad row is
/// reported (line and column), so an operator fixes the spreadsheet once rather than row by row.
///
/// Columns (header row required, any order, names case-insensitive):
/// `item, site, period, capacity, output, stock, threshold, lead_time_days` and optionally `constraints`.
public enum ReportImport {
    public static let requiredColumns = ["item", "site", "period", "capacity", "output", "stock", "threshold", "lead_time_days"]
    public static let optionalColumns = ["constraints"]

    public struct RowError: Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var columnName: String
        public var reason: String
        public var description: String { "line \(line), column \(column) (\(columnName)): \(reason)" }
    }

    /// Parses and validates every row; throws a NodeError listing every bad row (up to 50) when any is bad.
    public static func parse(csv text: String, partner: String, catalog: Catalog = .standard, source: String = "csv")
        throws(NodeError) -> [CapacityReport]
    {
        let table = try CSVTable(parsing: text, source: source)
        let all = requiredColumns + optionalColumns
        var index: [String: Int] = [:]
        for name in requiredColumns { index[name] = try table.column(name, expected: all) }
        index["constraints"] = table.header.firstIndex(of: "constraints")
        if let unknown = table.header.first(where: { !all.contains($0) }) {
            throw NodeError(.usage, "unknown column '\(unknown)' (expected columns: \(all.joined(separator: ",")))", context: source)
        }
        var reports: [CapacityReport] = []
        var errors: [RowError] = []
        var seen: [String: Int] = [:]
        for row in table.rows {
            func field(_ name: String) -> String { index[name].map { row.fields[$0].trimmed(of: " \t") } ?? "" }
            func fail(_ name: String, _ reason: String) {
                errors.append(RowError(line: row.line, column: (index[name] ?? 0) + 1, columnName: name, reason: reason))
            }
            func quantity(_ name: String) -> UInt64? {
                let text = field(name)
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
            let capacity = quantity("capacity"), output = quantity("output"), stock = quantity("stock")
            let threshold = quantity("threshold"), lead = quantity("lead_time_days")
            guard errors.count == errorCount, let period, let capacity, let output, let stock, let threshold, let lead else { continue }
            let key = "\(item)|\(field("site"))|\(period)"
            if let first = seen[key] {
                fail("site", "the same item, site and period already appear on line \(first)")
                continue
            }
            seen[key] = row.line
            do {
                reports.append(try CapacityReport(
                    partner: partner, item: item, site: field("site"), period: period, monthlyCapacity: capacity,
                    monthlyOutput: output, stockOnHand: stock, stockThreshold: threshold, leadTimeDays: lead,
                    constraints: field("constraints")))
            } catch {
                let field = error.context.map { String($0.split(separator: ".").last ?? "") } ?? ""
                let column = modelFieldColumns[field] ?? "site"
                fail(column, error.reason)
            }
        }
        guard errors.isEmpty else {
            let shown = errors.prefix(50).map { "  \($0)" }.joined(separator: "\n")
            let more = errors.count > 50 ? "\n  … and \(errors.count - 50) more" : ""
            throw NodeError(
                .usage, "\(errors.count) bad row value(s); nothing was imported:\n\(shown)\(more)", context: source,
                hint: "columns: \(requiredColumns.joined(separator: ",")) [,constraints]")
        }
        return reports
    }
}

/// The data model names fields in its errors ("capacity report.lead time"); the CSV column each one comes from.
private let modelFieldColumns = [
    "item": "item", "site": "site", "monthly capacity": "capacity", "monthly output": "output", "stock on hand": "stock",
    "stock threshold": "threshold", "lead time": "lead_time_days", "constraints": "constraints",
]
