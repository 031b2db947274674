// CapSyncExport: the merged view and the entries as relational tables for analysts (docs/export.md), written
// incrementally and atomically into SQLite (and, through the same table model, other SQL databases).

/// A column value: what every SQL database stores alike.
public enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case text(String)
    case null

    public var description: String {
        switch self {
        case .integer(let value): "\(value)"
        case .text(let value): "'\(value)'"
        case .null: "NULL"
        }
    }
}

/// One exported table: its columns (the first `keyColumns` form the primary key) and the rows it should hold.
public struct ExportTable: Sendable {
    public struct Column: Sendable {
        public let name: String
        /// BIGINT or TEXT.
        public let type: String
        public let nullable: Bool
    }

    public let name: String
    public let columns: [Column]
    public let keyColumns: Int
    public var rows: [[SQLValue]]

    /// The key of a row (its first `keyColumns` values).
    func key(_ row: [SQLValue]) -> [SQLValue] { Array(row.prefix(keyColumns)) }
}

/// What one export changed, per table.
public struct ExportChange: Sendable, Equatable {
    public var table: String
    public var inserted = 0
    public var updated = 0
    public var deleted = 0

    public init(table: String) { self.table = table }
}
