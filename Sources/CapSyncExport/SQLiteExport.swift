public import CapSyncNode
public import Foundation

/// `capsync export sqlite FILE`: brings a SQLite database up to date with the node in one transaction. The heads
/// exported last are kept in the database (`capsync_export_heads`): when they equal the store's nothing is
/// read or written; otherwise only entries past them are added, and view rows that changed are replaced
/// (deleted rows removed). docs/export.md gives the schema.
public enum SQLiteExport {
    public struct Result: Sendable {
        public var changes: [ExportChange]
        /// The database already held every head: nothing was written.
        public var upToDate: Bool
    }

    public static func export(node: Node, to path: String, now: Date = Date()) throws -> Result {
        let db = try SQLiteDatabase(path: path)
        try db.execute("BEGIN IMMEDIATE")
        do {
            let result = try exportInTransaction(node: node, db: db, now: now)
            try db.execute("COMMIT")
            return result
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }

    private static func exportInTransaction(node: Node, db: SQLiteDatabase, now: Date) throws -> Result {
        try db.execute("CREATE TABLE IF NOT EXISTS capsync_export_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        try db.execute(
            "CREATE TABLE IF NOT EXISTS capsync_export_heads (author TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
        )
        let meta = Dictionary(
            uniqueKeysWithValues: try db.execute("SELECT key, value FROM capsync_export_meta").compactMap {
                row -> (String, String)? in
                guard case .text(let key) = row[0], case .text(let value) = row[1] else { return nil }
                return (key, value)
            }
        )
        if let version = meta["schema_version"], version != "\(ExportModel.schemaVersion)" {
            throw ExportError(
                "the database holds export schema version \(version); this capsync writes version \(ExportModel.schemaVersion)",
                context: db.path
            )
        }
        var exported: ExportModel.Heads = [:]
        for row in try db.execute("SELECT author, seq FROM capsync_export_heads") {
            if case .text(let author) = row[0], case .integer(let seq) = row[1] { exported[author] = UInt64(seq) }
        }
        var current: ExportModel.Heads = [:]
        for head in node.store.heads() { current[ExportModel.keyText(head.author)] = head.seq }
        let rosterHash = node.roster.hash.hex
        if meta["schema_version"] != nil, exported == current, meta["roster_hash"] == rosterHash {
            return Result(changes: [], upToDate: true)
        }

        let model = try ExportModel.build(node: node, since: exported)
        var changes: [ExportChange] = []
        for table in model.views + [model.entries] {
            try db.execute(createStatement(table))
        }
        for table in model.views { changes.append(try replaceChanged(table, db: db)) }

        var entries = ExportChange(table: "entries")
        let insert = insertStatement(model.entries, conflict: "ON CONFLICT DO NOTHING")
        for row in model.entries.rows {
            try db.execute(insert, row)
            entries.inserted += db.changes
        }
        changes.append(entries)

        try db.execute("DELETE FROM capsync_export_heads")
        for (author, seq) in model.heads.sorted(by: { $0.key < $1.key }) {
            try db.execute(
                "INSERT INTO capsync_export_heads (author, seq) VALUES (?, ?)",
                [.text(author), .integer(Int64(seq))]
            )
        }
        let stamp = ISO8601DateFormatter().string(from: now)
        for (key, value) in [
            ("schema_version", "\(ExportModel.schemaVersion)"), ("roster_hash", rosterHash), ("exported_at", stamp),
            ("partner", node.config.partner),
        ] {
            try db.execute(
                "INSERT INTO capsync_export_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(key), .text(value)]
            )
        }
        return Result(changes: changes, upToDate: false)
    }

    /// Deletes rows whose key is gone, replaces rows whose values differ, inserts new ones.
    private static func replaceChanged(_ table: ExportTable, db: SQLiteDatabase) throws -> ExportChange {
        var change = ExportChange(table: table.name)
        let names = table.columns.map { quoted($0.name) }
        var existing: [[SQLValue]: [SQLValue]] = [:]
        for row in try db.execute("SELECT \(names.joined(separator: ", ")) FROM \(quoted(table.name))") {
            existing[table.key(row)] = row
        }
        let keyNames = names.prefix(table.keyColumns)
        let wanted = Set(table.rows.map(table.key))
        let delete =
            "DELETE FROM \(quoted(table.name)) WHERE " + keyNames.map { "\($0) = ?" }.joined(separator: " AND ")
        for key in existing.keys where !wanted.contains(key) {
            try db.execute(delete, key)
            change.deleted += 1
        }
        let upsert = insertStatement(
            table,
            conflict: "ON CONFLICT (\(keyNames.joined(separator: ", "))) DO UPDATE SET "
                + names.dropFirst(table.keyColumns).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        )
        for row in table.rows {
            let old = existing[table.key(row)]
            guard old != row else { continue }
            try db.execute(upsert, row)
            if old == nil { change.inserted += 1 } else { change.updated += 1 }
        }
        return change
    }

    static func createStatement(_ table: ExportTable) -> String {
        let columns = table.columns.map { "\(quoted($0.name)) \($0.type)\($0.nullable ? "" : " NOT NULL")" }
        let key = table.columns.prefix(table.keyColumns).map { quoted($0.name) }.joined(separator: ", ")
        return
            "CREATE TABLE IF NOT EXISTS \(quoted(table.name)) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(key)))"
    }

    static func insertStatement(_ table: ExportTable, conflict: String) -> String {
        let names = table.columns.map { quoted($0.name) }
        let marks = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return "INSERT INTO \(quoted(table.name)) (\(names.joined(separator: ", "))) VALUES (\(marks)) \(conflict)"
    }

    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}
