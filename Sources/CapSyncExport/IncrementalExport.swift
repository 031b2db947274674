public import CapSyncNode
public import Foundation

/// `capsync export`: brings a database up to date with the node in one transaction. The heads exported last are
/// kept in the database (`capsync_export_heads`): when they equal the store's nothing is read or written;
/// otherwise only entries past them are added, and view rows that changed are replaced (deleted rows removed).
/// docs/export.md gives the schema.
public enum IncrementalExport {
    public struct Result: Sendable {
        public var changes: [ExportChange]
        /// The database already held every head: nothing was written.
        public var upToDate: Bool
    }

    /// Into a SQLite file (created when missing).
    public static func sqlite(node: Node, path: String, now: Date = Date()) async throws -> Result {
        try await export(node: node, into: SQLiteDatabase(path: path), now: now)
    }

    public static func export(node: Node, into db: some ExportDatabase, now: Date = Date()) async throws -> Result {
        try await db.begin()
        do {
            let result = try await exportInTransaction(node: node, db: db, now: now)
            try await db.commit()
            return result
        } catch {
            await db.rollback()
            throw error
        }
    }

    private static func exportInTransaction(node: Node, db: some ExportDatabase, now: Date) async throws -> Result {
        try await db.execute(
            "CREATE TABLE IF NOT EXISTS capsync_export_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            []
        )
        try await db.execute(
            "CREATE TABLE IF NOT EXISTS capsync_export_heads (author TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
            []
        )
        let meta = Dictionary(
            uniqueKeysWithValues: try await db.execute("SELECT key, value FROM capsync_export_meta", []).compactMap {
                row -> (String, String)? in
                guard case .text(let key) = row[0], case .text(let value) = row[1] else { return nil }
                return (key, value)
            }
        )
        if meta["schema_version"] == "1" {
            try await migrateFromVersion1(db)
        } else if let version = meta["schema_version"], version != "\(ExportModel.schemaVersion)" {
            throw ExportError(
                "the database holds export schema version \(version); this capsync writes version \(ExportModel.schemaVersion)",
                context: db.location
            )
        }
        var exported: ExportModel.Heads = [:]
        for row in try await db.execute("SELECT author, seq FROM capsync_export_heads", []) {
            if case .text(let author) = row[0], case .integer(let seq) = row[1] { exported[author] = UInt64(seq) }
        }
        var current: ExportModel.Heads = [:]
        for head in node.store.heads() { current[ExportModel.keyText(head.author)] = head.seq }
        let rosterHash = node.roster.hash.hex
        if meta["schema_version"] == "\(ExportModel.schemaVersion)", exported == current,
            meta["roster_hash"] == rosterHash
        {
            return Result(changes: [], upToDate: true)
        }

        let model = try ExportModel.build(node: node, since: exported)
        var changes: [ExportChange] = []
        for table in model.views + [model.entries] {
            try await db.execute(createStatement(table), [])
        }
        for table in model.views { changes.append(try await replaceChanged(table, db: db)) }

        var entries = ExportChange(table: "entries")
        let insert = insertStatement(model.entries, db: db, conflict: "ON CONFLICT DO NOTHING RETURNING 1")
        for row in model.entries.rows {
            entries.inserted += try await db.execute(insert, row).count
        }
        changes.append(entries)

        try await db.execute("DELETE FROM capsync_export_heads", [])
        for (author, seq) in model.heads.sorted(by: { $0.key < $1.key }) {
            try await db.execute(
                "INSERT INTO capsync_export_heads (author, seq) VALUES (\(db.placeholder(1)), \(db.placeholder(2)))",
                [.text(author), .integer(Int64(seq))]
            )
        }
        let stamp = ISO8601DateFormatter().string(from: now)
        for (key, value) in [
            ("schema_version", "\(ExportModel.schemaVersion)"), ("roster_hash", rosterHash), ("exported_at", stamp),
            ("partner", node.config.partner),
        ] {
            try await db.execute(
                "INSERT INTO capsync_export_meta (key, value) VALUES (\(db.placeholder(1)), \(db.placeholder(2))) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(key), .text(value)]
            )
        }
        return Result(changes: changes, upToDate: false)
    }

    /// Version 2 added `released_to` to the view tables (figures released to this partner only are exported,
    /// marked). The rows are then compared as usual, so every row gets its marking in this same transaction.
    private static func migrateFromVersion1(_ db: some ExportDatabase) async throws {
        for name in ExportModel.tablesMarkedSinceVersion2 {
            try await db.execute("ALTER TABLE \(quoted(name)) ADD COLUMN released_to TEXT", [])
        }
    }

    /// Deletes rows whose key is gone, replaces rows whose values differ, inserts new ones.
    private static func replaceChanged(_ table: ExportTable, db: some ExportDatabase) async throws -> ExportChange {
        var change = ExportChange(table: table.name)
        let names = table.columns.map { quoted($0.name) }
        var existing: [[SQLValue]: [SQLValue]] = [:]
        for row in try await db.execute("SELECT \(names.joined(separator: ", ")) FROM \(quoted(table.name))", []) {
            existing[table.key(row)] = row
        }
        let keyNames = names.prefix(table.keyColumns)
        let wanted = Set(table.rows.map(table.key))
        let delete =
            "DELETE FROM \(quoted(table.name)) WHERE "
            + keyNames.enumerated().map { "\($0.element) = \(db.placeholder($0.offset + 1))" }
            .joined(separator: " AND ")
        for key in existing.keys where !wanted.contains(key) {
            try await db.execute(delete, key)
            change.deleted += 1
        }
        let upsert = insertStatement(
            table,
            db: db,
            conflict: "ON CONFLICT (\(keyNames.joined(separator: ", "))) DO UPDATE SET "
                + names.dropFirst(table.keyColumns).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        )
        for row in table.rows {
            let old = existing[table.key(row)]
            guard old != row else { continue }
            try await db.execute(upsert, row)
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

    static func insertStatement(_ table: ExportTable, db: some ExportDatabase, conflict: String) -> String {
        let names = table.columns.map { quoted($0.name) }
        let marks = (1...names.count).map(db.placeholder).joined(separator: ", ")
        return "INSERT INTO \(quoted(table.name)) (\(names.joined(separator: ", "))) VALUES (\(marks)) \(conflict)"
    }

    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}
