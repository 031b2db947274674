internal import CSQLite

/// A SQLite database file through the system's libsqlite3: statements with bound parameters, nothing more.
final class SQLiteDatabase: ExportDatabase {
    private var handle: OpaquePointer?
    let path: String

    init(path: String) throws(ExportError) {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            handle = nil
            throw ExportError("cannot open the SQLite database: \(reason)", context: path)
        }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit { sqlite3_close(handle) }

    var location: String { path }

    func placeholder(_ number: Int) -> String { "?\(number)" }

    /// IMMEDIATE: the write lock is taken at once, so two exports into one file run one after the other.
    func begin() throws(ExportError) { try execute("BEGIN IMMEDIATE", []) }

    func commit() throws(ExportError) { try execute("COMMIT", []) }

    func rollback() { _ = try? execute("ROLLBACK", []) }

    /// Runs one statement with parameters, returning its rows.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(ExportError) -> [[SQLValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw failure("cannot prepare '\(sql.prefix(80))'")
        }
        defer { sqlite3_finalize(statement) }
        for (index, value) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .integer(let number): sqlite3_bind_int64(statement, position, number)
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, sqliteTransient)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var rows: [[SQLValue]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw failure("'\(sql.prefix(80))' failed") }
            var row: [SQLValue] = []
            for column in 0..<sqlite3_column_count(statement) {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(String(cString: sqlite3_column_text(statement, column))))
                }
            }
            rows.append(row)
        }
        return rows
    }

    private func failure(_ what: String) -> ExportError {
        ExportError("\(what): \(String(cString: sqlite3_errmsg(handle)))", context: path)
    }
}

/// SQLite's "copy the bytes now" destructor marker.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
